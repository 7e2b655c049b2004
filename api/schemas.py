"""The v1 API's answers as typed schemas: what /api/v1/openapi.json tells a client, and what every endpoint returns.

The representations (api/representations.py) build these objects, so a key cannot be returned without being
declared here. A key the JSON carries only in some states (a code's label when the code is set, the
verification code of an effective agreement) is left out of the answer rather than sent as null: `omitted()`.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from pydantic import BaseModel, ConfigDict, Field

from core.models import DestinationSource, DestinationStatus, Employer, Role, Status, Termination
from core.models.org import Student
from core.rules import Action, DestinationAction


def _fixed_keys_required(schema: dict[str, Any]) -> None:
    """A key with one possible value (`kind`, which tells a full student from a masked one) is always sent: the
    document says so (required, no default), so that a generated client can tell the answers apart by it."""
    for name, field in schema.get("properties", {}).items():
        if "const" in field:
            field.pop("default", None)
            if name not in schema.setdefault("required", []):
                schema["required"].append(name)


class Answer(BaseModel):
    """An answer as the representations build it. A plain pydantic model, not ninja's Schema: ninja re-reads every
    Schema instance through its ORM getter, which would validate each answer twice; here an instance is sent as
    built. `extra="forbid"`: a key the schema does not declare is a programming error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_fixed_keys_required)


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
    401: (
        "未登录或令牌无效、已过期，或学校已要求两步验证而令牌登录时未经两步验证"
        "（code: second_factor_required；尚未设置两步验证的为 second_factor_enrollment_required）"
    ),
    403: (
        "角色无权执行此操作，或须先修改初始密码（code: password_change_required），"
        "或须本人确认的操作缺少有效的本人确认（code: confirmation_required）"
    ),
    404: "对象不存在或无权访问",
    409: "当前状态不允许此操作（如协议书的状态、正在进行的导入；code 说明原因，如 invalid_status）",
    429: (
        "尝试次数过多，请稍后再试（code: too_many_attempts；"
        "单位精确搜索未找到学生的次数达到上限：search_budget_exhausted）"
    ),
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


OCTET_STREAM = "application/octet-stream"


def binary(*media_types: str) -> dict[str, Any]:
    """openapi_extra for a file answer (no JSON schema describes one): each media type it may have, as a binary
    string, and application/octet-stream, which a client gets by asking for it (`binary_answer`); a generator that
    knows no other file type (openapi-python-client) keeps the answer as bytes through it."""
    content = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in (*media_types, OCTET_STREAM)}
    return {"responses": {200: {"description": "文件", "content": content}}}


def binary_answer(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A file as the client asked for it: application/octet-stream when its Accept prefers that to the file's type."""
    own = response["Content-Type"]
    if request.get_preferred_type([own, OCTET_STREAM]) == OCTET_STREAM:
        response["Content-Type"] = OCTET_STREAM
    return response


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

    kind: Literal["full"] = Field("full", description="full：完整个人信息（学生本人和审核人所见）")
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

    kind: Literal["masked"] = Field("masked", description="masked：用人单位所见，个人信息掩码")
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


class LicenceOut(Answer):
    """The 营业执照 scan an employer uploaded at registration (the file: GET /school/employers/{id}/licence)."""

    name: str = Field(description="文件名")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(description="字节数")
    uploaded_at: datetime.datetime


class EmployerReviewOut(EmployerOut):
    """An employer in the school's 单位资质审核 list."""

    verification_status: Employer.Verification
    verification_status_label: str
    verification_remark: str
    created_at: datetime.datetime
    licence: LicenceOut | None = Field(description="营业执照扫描件；null 表示未上传（不能通过资质审核）")


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
    paper_number: str = omitted("纸质协议：协议书上的协议书编号")
    unit_nature: str = omitted("纸质协议：协议书上的单位性质代码")
    unit_nature_label: str = omitted()
    unit_location: str = omitted("纸质协议：协议书上的单位所在地代码")
    unit_location_label: str = omitted()


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


class ConfirmedOut(Answer):
    """An act's 本人确认 (issue 20): the graduate's own proof, as the viewer may read it."""

    method: Literal["passkey", "sms"] = Field(description="passkey（通行密钥）或 sms（短信验证码）")
    method_label: str
    time: datetime.datetime | None = Field(description="确认时间")
    details: str = Field(
        description="学生本人、学校与省级主管部门可见：凭证（通行密钥）或验证码发送号码（已隐藏）、客户端地址；单位为空"
    )


class EventOut(Answer):
    """One line of 流程追踪."""

    actor: str = Field(description="操作人")
    role: str = Field(description="操作人角色（系统操作为空）")
    action: str = Field(description="操作代码")
    action_label: str
    remark: str
    old_status: str
    new_status: str
    sequence: int = Field(
        description="本事件在该协议书（或毕业去向）流程中的序号，从1起连续递增；与数据推送的 data.sequence 相同"
    )
    time: datetime.datetime
    confirmation: ConfirmedOut | None = Field(
        default=None, description="该操作由学生本人确认时：确认方式与时间（本人确认）；否则为 null"
    )


class AttachmentOut(Answer):
    id: int
    name: str = Field(description="文件名")
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(description="字节数")
    url: str = Field(description="下载地址（仅学生本人和审核人可下载）")
    created_at: datetime.datetime


class RetiredAttachmentOut(AttachmentOut):
    """A proof file no longer current (its student deleted it), kept as 佐证材料 for EVIDENCE_RETENTION_YEARS."""

    url: str = Field(description="下载地址（仅审核人和省级主管部门可下载）")
    retired_at: datetime.datetime = Field(description="删除时间（留存期限自此起算）")
    retired_reason: Literal["detached", "owner_deleted", "replaced"] = Field(
        description="detached：学生删除；owner_deleted：所属记录已删除；replaced：学校代为登记了新的去向"
    )


class AgreementOut(Answer):
    """An agreement as a row of a list; students are masked when the viewer is an employer."""

    id: int
    status: Status
    status_label: str
    response_status_label: str = Field(description="应约状态")
    review_status_label: str = Field(description="审核状态")
    number: str | None = Field(
        description="协议书编号：协议书生效时编号（此前为 null，编号一经分配不再改变）；"
        "纸质协议为 null（以纸质协议书上的编号为准）"
    )
    school: SchoolRef
    student: Annotated[StudentOut | MaskedStudentOut, Field(discriminator="kind")] = Field(
        description="学生：用人单位看到掩码（kind=masked），学生本人和审核人看到完整信息（kind=full）"
    )
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
    verification_code: str = omitted(
        "验证码：协议书生效时生成，此后（含解约中、已解约）一直给出，用于 GET /verify/{code}；纸质协议没有"
    )
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
    # /auth/token answers this or, for an account that needs a second factor, SecondFactorOut (api/account_schemas.py).
    kind: Literal["token"] = Field("token", description="token：已登录，令牌在 token")
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
    username: str = Field(
        description="登录名：用人单位、管理员为用户名；学生为“院校代码:学号”（可直接用于 /auth/token），"
        "学号本身见 student.student_no"
    )
    name: str
    role: str = Field(description="角色：" + "、".join(f"{value}（{label}）" for value, label in Role.choices))
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


class ImportErrorOut(Answer):
    row: int = Field(description="行号（与Excel中的行号一致）")
    column: str
    message: str


class ShortlistJobOut(Answer):
    """A 导入拟签约名单 larger than the immediate limit, imported by a background job (all rows or none)."""

    id: int
    state: Literal["queued", "running", "done", "failed"] = Field(
        description="queued 排队中, running 进行中, done 已导入, failed 未导入（见 detail 与 errors）"
    )
    total: int = Field(description="文件的数据行数")
    done: int = Field(description="已核对的行数")
    imported: int | None = Field(description="已导入的学生数（done 时）")
    detail: str = Field(description="失败的原因")
    errors: list[ImportErrorOut] = Field(description="有错误的行（failed 时）")


# --- school ---------------------------------------------------------------------------------------------------


class RosterImportOut(Answer):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    colleges_created: list[str]
    majors_created: list[str]


class RosterCountsOut(Answer):
    created: int = Field(description="新增学生数")
    updated: int = Field(description="更新学生数（按学号匹配）")
    unchanged: int = Field(description="无变化的学生数")
    colleges_created: list[str] = Field(description="新增的院系")
    majors_created: list[str] = Field(description="新增的专业（院系/专业）")


class RosterJobOut(Answer):
    """A 生源导入 started on the page (上传并校验, then 确认导入), as its background job: the same states as every job,
    and `ready` (the dry run passed: `preview`, waiting for 确认导入) and `invalid` (the file was refused: `errors`)."""

    id: int
    state: Literal["queued", "running", "ready", "done", "invalid", "failed"] = Field(
        description="queued 排队中, running 进行中, ready 校验通过待确认导入, done 已导入, "
        "invalid 校验未通过（见 errors）, failed 未导入（见 detail）"
    )
    step: Literal["validate", "import"] = Field(description="validate 校验（预览），import 导入")
    filename: str
    total: int = Field(description="文件的数据行数")
    done: int = Field(description="已处理的行数")
    preview: RosterCountsOut | None = Field(description="校验通过后将导入的结果（ready 及之后）")
    result: RosterCountsOut | None = Field(description="导入的结果（done 时）")
    detail: str = Field(description="失败或未通过的原因")
    errors: list[ImportErrorOut] = Field(description="有错误的行（invalid 时）")
    created_at: datetime.datetime


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


class SchoolSettingsOut(Answer):
    """学校设置 (core.fields.SCHOOL_SETTINGS_FIELDS): null 每生解约次数上限 is 不限, a null date 未设置."""

    college_review_enabled: bool
    school_review_enabled: bool
    termination_review_enabled: bool
    max_terminations: int | None
    termination_window_start: datetime.date | None
    termination_window_end: datetime.date | None
    invitation_validity_days: int
    number_format: str
    show_dispatch_fields: bool
    activation_code_validity_days: int
    time_zone: str
    second_factor_required: bool


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
    confirmed_by: Literal["passkey", "sms"] | None = Field(
        default=None, description="毕业生签署时的本人确认方式：passkey（通行密钥）或 sms（短信验证码）；未记录为 null"
    )
    confirmed_at: datetime.datetime | None = Field(default=None, description="本人确认的时间")


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
    agreement_id: int | None = omitted("协议书的 id（测试消息没有）")
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
    agreement_id: int | None = Field(description="登记此去向的就业协议书的 id（source=agreement 时，否则为 null）")
    attachments: list[AttachmentOut]
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    updated_at: datetime.datetime
    return_remark: str = omitted("最近一次退回的原因（退回状态时）")
    actions: list[DestinationAction] = Field(description="查看者现在可以执行的操作")


class DestinationDetailOut(DestinationOut):
    versions: list[DestinationVersionOut]
    events: list[EventOut]
    retired_attachments: list[RetiredAttachmentOut] = omitted(
        "学生已删除、作为佐证材料留存的证明材料（仅审核人和省级主管部门可见，其他查看者无此项）"
    )


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


# --- province (issue 21) ----------------------------------------------------------------------------------------


class DestinationGroupShareOut(Answer):
    group: str = Field(description="毕业去向分类（协议和合同就业、自主创业、灵活就业、升学、待就业、暂不就业）")
    count: int = Field(description="该分类审核通过的毕业去向人数")
    share: float | None = Field(description="占生源人数的比例（0到1，无学生时为 null）")
    percent: str = Field(description="占比，如“12.5%”")


class ProvinceWeekOut(Answer):
    week: str = Field(description="该周周一（YYYY-MM-DD）")
    effective: int = Field(description="该周末的有效协议数")
    placed: int = Field(description="该周末的去向落实人数（按审核通过时间，现状口径）")
    new_effective: int
    new_terminated: int
    new_placed: int


class ProvinceSchoolOut(Answer):
    id: int
    code: str = Field(description="院校代码")
    name: str
    graduates: int = Field(description="生源人数")
    effective: int = Field(description="有效协议（已签约人数）")
    rate: float | None = Field(description="签约率（0到1，无学生时为 null）")
    placed: int = Field(description="去向落实人数")
    placed_rate: float | None = Field(description="去向落实率（0到1，无学生时为 null）")
    destination_groups: list[DestinationGroupShareOut]
    confirmed_agreements: int = Field(description="学生本人确认接受的有效协议数")
    confirmed_agreement_share: float | None = Field(description="有效协议中本人确认的比例")
    approved_destinations: int = Field(description="审核通过的毕业去向数")
    confirmed_destinations: int = Field(description="本人确认提交的审核通过去向数")
    confirmed_destination_share: float | None = Field(description="审核通过去向中本人确认的比例")
    open_disputes: int = Field(description="未处理的学生异议（学校代为登记的去向被学生提出异议，待省级处理）")
    weeks: list[ProvinceWeekOut] = Field(description="逐周变化（最近 WANGQIAN_PROVINCE_WEEKS 周，旧→新）")


class ProvinceRefOut(Answer):
    id: int
    name: str


class ProvinceSchoolsOut(Answer):
    graduation_year: int
    province: ProvinceRefOut
    schools: list[ProvinceSchoolOut]


# --- 我的档案 (issue 21 item 4) -----------------------------------------------------------------------------------


class RecordEventOut(Answer):
    time: datetime.datetime
    action: str = Field(description="操作（流程追踪）")
    actor: str = Field(description="操作人；学生本人为“本人”")
    actor_role: str = Field(description="操作人角色代码；空为系统")
    actor_role_label: str
    remark: str
    confirmed_by: str = Field(description="本人确认方式（通行密钥/短信验证码），未经本人确认为空")
    ledger_seq: int | None = Field(description="审计账本中的行号；尚未入账为 null")


class RecordAgreementOut(Answer):
    id: int
    number: str = Field(description="协议书编号（纸质协议为纸质协议书编号），尚无为空")
    paper: bool
    employer: str
    status: Status
    status_label: str
    invited_at: datetime.datetime
    effective_at: datetime.datetime | None
    terminated_at: datetime.datetime | None
    entered_by: RecordEventOut | None = Field(description="录入：第一条流程追踪（由谁、何时）")
    events: list[RecordEventOut]


class RecordVersionOut(Answer):
    version: int
    code: str
    code_label: str
    unit_or_school: str
    entered_by: str
    entered_by_role_label: str
    created_at: datetime.datetime


class RecordDestinationOut(Answer):
    id: int
    status: str
    status_label: str
    code: str
    code_label: str
    source_label: str
    versions: list[RecordVersionOut]
    events: list[RecordEventOut]


class RecordStudentOut(Answer):
    student_no: str
    name: str
    school: str
    college: str
    major: str
    graduation_year: int


class ProofEventOut(Answer):
    id: int
    time: str
    action: str
    by: str


class ProofAgreementOut(Answer):
    id: int
    number: str
    employer: str
    status: str
    paper: bool
    events: list[ProofEventOut]


class ProofDestinationOut(Answer):
    id: int
    status: str
    code: str
    events: list[ProofEventOut]


class ProofRecordOut(Answer):
    agreements: list[ProofAgreementOut]
    destination: ProofDestinationOut | None


class ProofStudentOut(Answer):
    id: int
    student_no: str
    name: str
    school: str
    graduation_year: int


class ProofEntryOut(Answer):
    seq: int | None
    kind: str
    content: str = Field(description="规范化 JSON，即被哈希的原文")
    prev_hash: str
    hash: str


class ProofCheckpointOut(Answer):
    id: int
    seq: int
    hash: str
    statement: str
    signature_cms_base64: str
    timestamped_at: str | None
    signed_at: str


class ProofHeadOut(Answer):
    seq: int
    hash: str


class ProofSegmentOut(Answer):
    from_seq: int
    to_seq: int
    start_prev_hash: str
    digests: list[str]
    checkpoint: ProofCheckpointOut = omitted("该段止于平台签署的检查点")
    head: ProofHeadOut = omitted("尚无检查点覆盖时：止于账本链头")


class RecordProofOut(Answer):
    format: str = Field(description="wangqian-ledger-proof/1")
    student: ProofStudentOut
    record: ProofRecordOut
    how_to_verify: str
    entries: list[ProofEntryOut]
    segments: list[ProofSegmentOut]


class MeRecordOut(Answer):
    student: RecordStudentOut
    agreements: list[RecordAgreementOut]
    destination: RecordDestinationOut | None
    proof: RecordProofOut | None = Field(description="记录证明（与“下载我的记录证明”相同）；过长时为 null")
    proof_error: str = Field(description="无法附上记录证明时的原因，否则为空")


# --- 核查 (issue 21 item 2) -------------------------------------------------------------------------------------


class CampaignSchoolOut(Answer):
    id: int
    name: str
    sample: int
    pending: int = Field(description="待答复")
    true: int = Field(description="属实")
    false: int = Field(description="不属实")
    doubtful: int = Field(description="存疑：截止时仍未答复")


class CampaignRowOut(Answer):
    id: int
    school: str
    student_no: str
    name: str
    destination: str = Field(description="核查时平台记录的毕业去向")
    unit_or_school: str
    result: str = Field(description="pending 待答复 / true 属实 / false 不属实 / doubtful 存疑")
    result_label: str
    student_answer: str = Field(description="true / false，未答复为空")
    student_remark: str
    student_answered_at: datetime.datetime | None
    student_answer_method: str = Field(
        description="学生答复方式：通行密钥 / 短信验证码（本人确认）、登录账号（无通行密钥时）；未答复为空"
    )
    employer_asked: bool = Field(description="签约：同时请单位 HR 核查")
    employer_answer: str
    employer_remark: str
    employer_answered_at: datetime.datetime | None
    messages: int = Field(description="已发送的短信和邮件数（学生与单位）")
    sent: bool = Field(description="核查消息已发出（抽样后由后台任务逐条发送）")
    send_error: str = Field(description="发送失败的原因（会自动重试），无则为空")


class CampaignOut(Answer):
    id: int
    graduation_year: int
    school_ids: list[int]
    destination_codes: list[str]
    size: int | None
    share: float | None
    seed: str = Field(description="随机种子：同一种子、同样的数据可重现同一抽样")
    population: int = Field(description="可抽样的总体人数（审核通过的毕业去向）")
    created_at: datetime.datetime
    deadline: datetime.datetime = Field(description="答复截止（VERIFICATION_DAYS 天），逾期未答复为存疑")
    sample: int
    pending: int
    true: int
    false: int
    doubtful: int
    rows_sent: int = Field(description="已发出核查消息的样本数（后台任务发送，见 sending）")
    rows_send_failed: int = Field(description="多次重试后仍发送失败的样本数")
    sending: bool = Field(description="后台任务仍在发送核查消息")
    schools: list[CampaignSchoolOut]
    rows: list[CampaignRowOut]
