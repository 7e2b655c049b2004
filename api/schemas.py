"""The v1 API's answers as typed schemas: what /api/v1/openapi.json tells a client, and what every endpoint returns.

The representations (api/representations.py) build these objects, so a key cannot be returned without being
declared here. A key the JSON carries only in some states (a code's label when the code is set, the
verification code of an effective agreement) is left out of the answer rather than sent as null: `omitted()`.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.models import DestinationSource, DestinationStatus, Employer, Status, Termination
from core.models.org import Student
from core.rules import Action, DestinationAction


class Answer(BaseModel):
    """An answer as the representations build it. A plain pydantic model, not ninja's Schema: ninja re-reads every
    Schema instance through its ORM getter, which would validate each answer twice; here an instance is sent as
    built. `extra="forbid"`: a key the schema does not declare is a programming error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _is_none(value: object) -> bool:
    return value is None


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # never sent as null: the key is simply absent


def omitted(description: str = "") -> Any:
    """A key that is absent from the JSON (not null) when it has no value, as the API has always answered."""
    return Field(None, description=description, exclude_if=_is_none, json_schema_extra=_no_default)


# --- errors (SPEC §6) -----------------------------------------------------------------------------------------


class RowErrorOut(Answer):
    row: int = Field(description="文件中的行号（含表头，从1起）")
    column: str = Field(description="列名")
    message: str


class ErrorOut(Answer):
    """Every error under /api/v1: a Chinese message, a stable code and the fields (or rows) at fault."""

    detail: str = Field(description="中文说明")
    code: str = Field(description="稳定的错误代码，如 invalid、not_found、forbidden_role、invalid_status")
    errors: dict[str, str | list[RowErrorOut]] = Field(
        description="字段名 → 中文说明；文件导入时 rows → 每一处错误的行、列和说明"
    )


class RowErrorsOut(Answer):
    """A file with errors in some rows: nothing was imported; each error names its row and column."""

    detail: str
    code: Literal["invalid_rows"]
    errors: list[RowErrorOut]


ERROR_DESCRIPTIONS = {
    400: "请求参数有误（字段见 errors）",
    401: "未登录或令牌无效、已过期",
    403: "角色无权执行此操作，或须先修改初始密码（code: password_change_required）",
    404: "对象不存在或无权访问",
    409: "协议书当前状态不允许此操作",
    429: "尝试次数过多，请稍后再试（code: too_many_attempts）",
    503: "协议书文件暂时无法生成，已排队重试（code: document_unavailable）",
}


def describe_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Say in Chinese when each error status is answered, and list an operation's answers in status order."""
    for item in spec["paths"].values():
        for operation in item.values():
            answers = operation["responses"]
            for code, answer in answers.items():
                if int(code) in ERROR_DESCRIPTIONS:
                    answer["description"] = ERROR_DESCRIPTIONS[int(code)]
            operation["responses"] = dict(sorted(answers.items(), key=lambda pair: int(pair[0])))
    return spec


def responses(ok: Any, *errors: int, status: int = 200) -> dict[int, Any]:
    """An endpoint's answers: the success schema under its status and the error shape under each error status."""
    unknown = set(errors) - set(ERROR_DESCRIPTIONS)
    assert not unknown, f"no description for status {unknown}"
    return {status: ok, **{code: ErrorOut for code in sorted(errors)}}


# --- shared pieces --------------------------------------------------------------------------------------------


class Named(Answer):
    id: int
    name: str


class SchoolRef(Named):
    code: str = Field(description="院校代码")


class CodeRow(Answer):
    code: str = Field(description="标准代码")
    label: str


class DetailOut(Answer):
    detail: str


# --- people and parties ---------------------------------------------------------------------------------------


class StudentOut(Answer):
    """A student as a reviewer (学院、学校) or the student sees it: personal data in full."""

    id: int
    student_no: str = Field(description="学号")
    name: str
    gender: Student.Gender
    id_number: str = Field(description="身份证号")
    phone: str
    email: str
    graduation_year: int = Field(description="毕业年度")
    school: str
    college: str
    major: str
    degree: Student.Degree
    degree_label: str


class MaskedStudentOut(Answer):
    """A student as an employer sees it: no 学号; 身份证号, phone and e-mail masked as the manual shows them."""

    id: int
    student_no: None = Field(description="用人单位看不到学号")
    name: str
    gender: Student.Gender
    id_number: str = Field(pattern=r"^(|.\*{5}|.{6}\*{5}.{4})$", description="身份证号（掩码，如 211402*****1035）")
    phone: str = Field(pattern=r"^(|.\*{4}|.{3}\*{4}.{4})$", description="手机号（掩码，如 188****3135）")
    email: str = Field(pattern=r"^(|[^*]*\*{3}(@.*)?)$", description="邮箱（掩码，如 108***@qq.com）")
    graduation_year: int = Field(description="毕业年度")
    school: str
    college: str
    major: str
    degree: Student.Degree
    degree_label: str
    signed_elsewhere: bool = omitted(
        "仅搜索结果：该生已与其他单位签约（协议审核中、已生效或正在解约），须先解约才能接受新的邀约；不说明是哪家单位"
    )


class EmployerOut(Answer):
    id: int
    name: str = Field(description="单位名称")
    credit_code: str = Field(description="统一社会信用代码")
    contact_person: str
    phone: str
    email: str
    address: str
    nature: str = Field(description="单位性质代码（空表示未填写）")
    location: str = Field(description="单位所在地行政区划代码（空表示未填写）")
    nature_label: str = omitted("单位性质（nature 非空时）")
    location_label: str = omitted("单位所在地（location 非空时）")


class EmployerAccountOut(EmployerOut):
    """The employer of the user asking (GET /me)."""

    verification_status: Employer.Verification
    profile_complete: bool = Field(description="签约信息是否已填写完整")


class EmployerReviewOut(EmployerOut):
    """An employer in the school's 单位资质审核 list."""

    verification_status: Employer.Verification
    verification_status_label: str
    verification_remark: str
    created_at: datetime.datetime


# --- terms (邀请函条款) and the employer's 签约信息 -------------------------------------------------------------
# Field names and kinds are core's (core/services/terms.py); api/tests/test_openapi.py checks that they agree.


class ProfileOut(Answer):
    """签约信息: the values an invitation's terms start from."""

    nature: str
    location: str
    archive_receiving: str
    archive_unit_name: str
    archive_address: str
    archive_postcode: str
    archive_contact: str
    archive_phone: str
    dispatch_title: str
    dispatch_location: str
    affiliation: str
    hukou_receiving: str
    hukou_address: str
    archive_receiving_label: str = omitted()
    affiliation_label: str = omitted()
    hukou_receiving_label: str = omitted()
    dispatch_location_label: str = omitted()
    nature_label: str = omitted()
    location_label: str = omitted()
    complete: bool = Field(description="签约信息是否已填写完整（完整后才能发送邀约）")


class TermsOut(Answer):
    """One version of an invitation's terms; a code field's `*_label` is present when the code is set."""

    version: int
    unit_name: str
    position_category: str
    position: str
    archive_receiving: str
    archive_unit_name: str
    archive_address: str
    archive_postcode: str
    archive_contact: str
    archive_phone: str
    dispatch_title: str = omitted("报到证抬头：2022届及以前，或学校设置显示报到证信息时")
    dispatch_location: str = omitted("报到证签发所在地：同上")
    affiliation: str
    hukou_receiving: str
    hukou_address: str
    work_location: str
    monthly_salary: int | None
    probation_months: int | None
    liquidated_damages: int | None
    other_terms: str
    position_category_label: str = omitted()
    archive_receiving_label: str = omitted()
    affiliation_label: str = omitted()
    hukou_receiving_label: str = omitted()
    work_location_label: str = omitted()
    dispatch_location_label: str = omitted()


# --- agreements -----------------------------------------------------------------------------------------------


class TerminationOut(Answer):
    id: int
    requester_role: str = Field(description="提出解约的一方：employer 或 student")
    reason: str
    state: Termination.State
    state_label: str
    previous_status: Status = Field(description="提出解约前协议书的状态")
    response_remark: str
    review_remark: str
    created_at: datetime.datetime


class EventOut(Answer):
    """One line of 流程追踪."""

    actor: str = Field(description="操作人")
    role: str = Field(description="操作人角色（系统操作为空）")
    action: str = Field(description="操作代码")
    action_label: str
    remark: str
    old_status: str
    new_status: str
    time: datetime.datetime


class AttachmentOut(Answer):
    id: int
    name: str = Field(description="文件名")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(description="字节数")
    url: str = Field(description="下载地址（仅学生本人和审核人可下载）")
    created_at: datetime.datetime


class AgreementOut(Answer):
    """An agreement as a row of a list; students are masked when the viewer is an employer."""

    id: int
    status: Status
    status_label: str
    response_status_label: str = Field(description="应约状态")
    review_status_label: str = Field(description="审核状态")
    number: str | None = Field(description="协议书编号（学生应约后编号）")
    school: SchoolRef
    student: StudentOut | MaskedStudentOut
    employer: EmployerOut
    terms: TermsOut | None = Field(description="当前条款")
    accepted_terms_version: int | None = Field(description="学生应约的条款版本（仅详情中给出）")
    invited_at: datetime.datetime
    expires_at: datetime.datetime
    signed_at: datetime.datetime | None
    effective_at: datetime.datetime | None
    terminated_at: datetime.datetime | None
    termination: TerminationOut | None = Field(description="进行中的解约申请")
    actions: list[Action] = Field(
        description="查看者现在可以执行的操作，名称即操作接口的路径（POST /agreements/{id}/<action>）"
    )
    verification_code: str = omitted("验证码（协议书生效后）")
    paper: bool = Field(description="纸质协议：学生登记、学校审核的纸质就业协议书（无本系统协议书编号）")


class AgreementDetailOut(AgreementOut):
    """One agreement with its terms' history and 流程追踪."""

    terms_versions: list[TermsOut]
    events: list[EventOut]
    attachments: list[AttachmentOut] = Field(description="纸质协议的扫描件（仅学生本人和审核人）")


class AgreementPage(Answer):
    """The list envelope."""

    count: int
    page: int
    num_pages: int
    results: list[AgreementOut]


# --- accounts -------------------------------------------------------------------------------------------------


class TokenOut(Answer):
    token: str
    role: str
    must_change_password: bool


class ActivationCodeOut(Answer):
    student_number: str
    name: str
    code: str = Field(description="一次性激活码，只在此返回一次；库中只存其 HMAC")
    expires_at: datetime.datetime


class ActivationCodesOut(Answer):
    codes: list[ActivationCodeOut]


class MeOut(Answer):
    id: int
    username: str
    name: str
    role: str = Field(description="employer、student、college_admin 或 school_admin")
    role_label: str
    must_change_password: bool
    school: Named | None
    college: Named | None
    employer: EmployerAccountOut | None
    student: StudentOut | None


# --- employer -------------------------------------------------------------------------------------------------


class SendListImportOut(Answer):
    imported: int = Field(description="名单中找到的学生数")
    send_list: list[MaskedStudentOut] = Field(description="导入后的签约发送列表")


# --- school ---------------------------------------------------------------------------------------------------


class RosterImportOut(Answer):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    colleges_created: list[str]
    majors_created: list[str]


class StatsRowOut(Answer):
    id: int | None = Field(description="院系或专业的 id；合计行为 null")
    name: str
    college_id: int = omitted("专业行：所属院系")
    college: str = omitted("专业行：所属院系名称")
    students: int
    agreements: int
    effective: int
    rate: float | None = Field(description="签约率（0到1，无学生时为 null）")
    placed: int = Field(description="毕业去向已落实的人数")
    placed_rate: float | None = Field(description="去向落实率（0到1，无学生时为 null）")
    by_status: dict[str, int] = Field(description="各状态的协议书数量")


class StatusLabel(Answer):
    status: Status
    label: str


class StatsOut(Answer):
    graduation_year: int
    school: Named
    college: Named | None
    statuses: list[StatusLabel]
    total: StatsRowOut
    colleges: list[StatsRowOut]
    majors: list[StatsRowOut]


# --- public verification --------------------------------------------------------------------------------------


class VerificationOut(Answer):
    exists: bool
    effective: bool
    status: Status
    status_label: str
    number: str | None
    employer: str
    student: str = Field(description="学生姓名（掩码）")
    school: str
    effective_at: datetime.datetime | None
    terminated_at: datetime.datetime | None


# --- webhooks (学校设置 · 数据推送) ----------------------------------------------------------------------------


class WebhookEndpointOut(Answer):
    id: int
    url: str = Field(description="推送地址")
    description: str = Field(description="说明")
    events: list[str] = Field(description="推送的事件类型，如 agreement.effective")
    active: bool = Field(description="是否启用")
    secret: str | None = omitted(
        "签名密钥（whsec_ 开头，按 Standard Webhooks 校验 webhook-signature）：只在登记和更换密钥的答复中出现一次"
    )
    created_at: datetime.datetime


class WebhookEndpointsOut(Answer):
    results: list[WebhookEndpointOut]
    event_types: list[CodeRow] = Field(description="可订阅的事件类型及其中文名称")


class WebhookDeliveryOut(Answer):
    id: int
    message_id: str = Field(description="webhook-id 请求头的值；重新推送时不变，接收方据此去重")
    event_type: str
    event_label: str
    agreement_id: int | None = omitted("协议书编号（测试消息没有）")
    state: Literal["pending", "succeeded", "failed"] = Field(
        description="pending 待推送/重试中，succeeded 成功，failed 失败"
    )
    attempts: int = Field(description="本轮已推送次数")
    last_status_code: int | None = omitted("最近一次推送收到的 HTTP 状态码")
    last_duration_ms: int | None = omitted("最近一次推送的耗时（毫秒）")
    last_error: str
    next_attempt_at: datetime.datetime | None = omitted("下一次重试时间")
    created_at: datetime.datetime
    completed_at: datetime.datetime | None = omitted()


class WebhookDeliveryPage(Answer):
    count: int
    page: int
    num_pages: int
    results: list[WebhookDeliveryOut]


# --- 毕业去向 (SPEC §9) -------------------------------------------------------------------------------------------


class DestinationVersionOut(Answer):
    """One version of the 毕业去向 as reported; which fields a kind uses is `GET /destinations/forms`."""

    version: int
    code: str = Field(description="毕业去向代码")
    code_label: str
    unit_name: str
    unit_credit_code: str
    unit_nature: str = Field(description="单位性质代码")
    unit_nature_label: str = omitted()
    unit_location: str = Field(description="单位所在地（GB/T 2260 区县代码）")
    unit_location_label: str = omitted()
    position: str
    contract_start: datetime.date | None
    contract_end: datetime.date | None
    project_name: str
    school_name: str
    programme: str
    country: str
    note: str
    created_at: datetime.datetime


class DestinationOut(Answer):
    """A graduate's current 毕业去向 as a list row."""

    id: int
    student: StudentOut
    status: DestinationStatus
    status_label: str
    source: DestinationSource = Field(description="student：学生登记；agreement：由就业协议书（网签或纸质）自动登记")
    code: str = Field(description="毕业去向代码（未登记时为空）")
    code_label: str = omitted()
    current: DestinationVersionOut | None
    agreement_id: int | None = Field(description="登记此去向的就业协议书")
    attachments: list[AttachmentOut]
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    updated_at: datetime.datetime
    return_remark: str = omitted("最近一次退回的原因（退回状态时）")
    actions: list[DestinationAction] = Field(description="查看者现在可以执行的操作")


class DestinationDetailOut(DestinationOut):
    versions: list[DestinationVersionOut]
    events: list[EventOut]


class DestinationPage(Answer):
    count: int
    page: int
    num_pages: int
    results: list[DestinationOut]


class DestinationFieldOut(Answer):
    name: str
    label: str
    kind: str
    required: bool
    code_table: str = omitted()
    max_length: int = omitted()


class DestinationFormOut(Answer):
    code: str
    label: str
    needs_attachment: bool = Field(description="提交前须上传证明材料")
    fields: list[DestinationFieldOut]
