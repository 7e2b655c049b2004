from typing import Any

from django.core.paginator import InvalidPage
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja import Status as WithStatus
from ninja.files import UploadedFile
from ninja.params import File as FileParam
from pydantic import Field

from api.queries import query_schema, validated_form
from api.representations import agreement_data, agreement_detail, agreement_row_data, json_answer
from api.schemas import AgreementDetailOut, AgreementOut, AgreementPage, binary, binary_answer, responses
from core.errors import InvalidInput
from core.filters import AgreementFilterForm
from core.inputs import Id
from core.models import Agreement, User
from core.replicas import replica_reads
from core.rules import Action
from core.selectors import (
    AgreementFilters,
    agreement_values_paginator,
    agreements_visible_to,
    filter_agreements,
    get_agreement_for_user,
    visible_agreement_id,
)
from core.services import agreements as wf
from core.services import paper_agreements as paper
from core.services.actions import agreement_act
from core.services.destinations import read_upload
from core.services.exports import agreements_export_xlsx, export_filename
from core.services.xlsx import XLSX_CONTENT_TYPE
from web.downloads import download, xlsx_download

router = Router(tags=["agreements"])
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# An action answers the agreement as it is afterwards; 409 when its status does not allow the action.
ACTION = responses(AgreementDetailOut, 401, 403, 404, 409)
ACTION_WITH_BODY = responses(AgreementDetailOut, 400, 401, 403, 404, 409)


class ListQuery(query_schema("AgreementFilters", AgreementFilterForm)):  # type: ignore[misc]
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


class InviteIn(Schema):
    student_ids: list[Id]
    terms: dict[str, Any] = {}
    overrides: dict[int, dict[str, Any]] = {}


class TermsIn(Schema):
    terms: dict[str, Any]


class RemarkIn(Schema):
    remark: str = ""


CONFIRMATION = (
    "本人确认凭证（cfm_…，POST /auth/confirmations/{id} 的答复）；学生的这项操作须本人确认，"
    "缺少时答复 403 confirmation_required；单位不需要"
)


class ConfirmationIn(Schema):
    confirmation: str = Field(default="", description=CONFIRMATION)


class ReasonIn(Schema):
    reason: str
    confirmation: str = Field(default="", description=CONFIRMATION)


class AnswerIn(Schema):
    """A 解约's answer by the other party: the remark (a refusal's reason) and, from the graduate, 本人确认."""

    remark: str = ""
    confirmation: str = Field(default="", description=CONFIRMATION)


# A new scan is optional when a returned paper agreement is resubmitted (ninja needs the marker to read it as a file).
OPTIONAL_SCAN = FileParam(None)


class PaperIn(Schema):
    """What a paper 就业协议书 shows: its own 协议书编号, the employer (an existing one is found by its
    统一社会信用代码) with the 单位性质 and 单位所在地 printed on it, and the terms with the 档案/报到证/户口 block
    (codes as in GET /codes/{table}), so its 就业方案 row is as complete as an online agreement's."""

    paper_number: str | None = Field(None, description="纸质协议书上的协议书编号")
    employer_name: str = ""
    credit_code: str = ""
    unit_name: str | None = None
    unit_nature: str | None = Field(None, description="单位性质代码（nature）")
    unit_location: str | None = Field(None, description="单位所在地代码（region，县级）")
    position_category: str | None = None
    position: str | None = None
    work_location: str | None = None
    archive_receiving: str | None = None
    archive_unit_name: str | None = None
    archive_address: str | None = None
    archive_postcode: str | None = None
    archive_contact: str | None = None
    archive_phone: str | None = None
    dispatch_title: str | None = None
    dispatch_location: str | None = None
    affiliation: str | None = None
    hukou_receiving: str | None = None
    hukou_address: str | None = None
    monthly_salary: str | None = None
    probation_months: str | None = None
    liquidated_damages: str | None = None
    other_terms: str | None = None
    confirmation: str = Field(
        default="", description="本人确认凭证（cfm_…；登记用 action=paper，重新提交用 action=resubmit）"
    )


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def filters_from(query: Schema) -> AgreementFilters:
    given = query.dict()
    if all(given.get(name) in (None, "") for name in AgreementFilterForm.base_fields):
        return AgreementFilters()  # no filter: nothing to check (a bound form costs a copy of its twelve fields)
    return validated_form(AgreementFilterForm, query).filters()


@router.get("", response=responses(AgreementPage, 400, 401, 403), summary="协议书列表（按角色限定范围）")
@replica_reads
def list_agreements(request: HttpRequest, query: Query[ListQuery]) -> HttpResponse:
    user = _user(request)
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size 应在1到{MAX_PAGE_SIZE}之间", errors={"page_size": "超出范围"})
    filters = filters_from(query)
    qs = filter_agreements(agreements_visible_to(user), filters)
    # Prepared only at the default page size: each size is a statement of its own, and a client asking every size from
    # 1 to 100 would push the prepared row reads out of the connection's 100 (psycopg's prepared_max).
    prepare = filters.plannable_for(user) and query.page_size == DEFAULT_PAGE_SIZE
    paginator = agreement_values_paginator(qs, query.page_size, prepare=prepare)
    try:
        # The page before its count: a short list's count is read with its page (core.selectors.paging).
        rows = list(paginator.page(query.page).object_list)
    except InvalidPage:
        raise InvalidInput(f"页码超出范围（共{paginator.num_pages}页）", errors={"page": "超出范围"}) from None
    count = paginator.count
    # AgreementPage as it would dump, built from the rows' values (api.representations.agreement_row_data).
    page = {
        "count": count,
        "page": query.page,
        "num_pages": paginator.num_pages if count else 0,
        "results": [agreement_row_data(row, user) for row in rows],
    }
    return json_answer(request, page)


@router.post(
    "",
    response=responses(list[AgreementOut], 400, 401, 403, 404, 409, status=201),
    summary="发送邀约（全部成功或全部不发送）",
)
def invite(request: HttpRequest, payload: InviteIn) -> WithStatus[list[AgreementOut]]:
    user = _user(request)
    created = wf.agreements_invite(
        student_ids=payload.student_ids, terms=payload.terms, overrides=payload.overrides, acting_user=user
    )
    return WithStatus(201, [agreement_data(_reload(user, a), user) for a in created])


def _reload(user: User, agreement: Agreement | int) -> Agreement:
    return get_agreement_for_user(user, agreement.pk if isinstance(agreement, Agreement) else agreement)


def _detail(user: User, agreement: Agreement | int) -> AgreementDetailOut:
    return agreement_detail(_reload(user, agreement), user)


# Declared before "/{agreement_id}" so that "export" is not taken for an id.
@router.get(
    "/export",
    response=responses(None, 400, 401, 403),
    openapi_extra=binary(XLSX_CONTENT_TYPE),
    summary="导出协议书列表（xlsx，与列表相同的筛选条件，不分页）",
)
@replica_reads
def export(request: HttpRequest, query: Query[ListQuery]) -> HttpResponse:
    user = _user(request)
    qs = filter_agreements(agreements_visible_to(user), filters_from(query))
    return binary_answer(request, xlsx_download(agreements_export_xlsx(qs, user), export_filename()))


@router.post(
    "/paper",
    response=responses(AgreementDetailOut, 400, 401, 403, 409, status=201),
    summary="纸质协议登记（学生：单位、协议条款和扫描件 scan，由学校审核）",
)
def paper_register(
    request: HttpRequest, payload: Form[PaperIn], scan: File[UploadedFile]
) -> WithStatus[AgreementDetailOut]:
    user = _user(request)
    data = payload.dict()
    confirmation = data.pop("confirmation")
    created = paper.paper_agreement_register(
        data, scan_name=scan.name or "", scan=read_upload(scan), acting_user=user, confirmation=confirmation
    )
    return WithStatus(201, _detail(user, created))


class DisputeIn(Schema):
    reason: str = ""


@router.post(
    "/{agreement_id}/dispute",
    response=responses(AgreementDetailOut, 400, 401, 403, 404, 409),
    summary="对纸质协议提出异议（协议上已认证的用人单位：未签订或内容不符，由学校核实）",
)
def paper_dispute(request: HttpRequest, agreement_id: Id, payload: DisputeIn) -> AgreementDetailOut:
    user = _user(request)
    pk = visible_agreement_id(user, agreement_id)
    paper.paper_agreement_dispute(pk, reason=payload.reason, acting_user=user)
    return _detail(user, pk)


@router.get("/{agreement_id}", response=responses(AgreementDetailOut, 401, 403, 404), summary="协议书详情")
def detail(request: HttpRequest, agreement_id: Id) -> AgreementDetailOut:
    return _detail(_user(request), agreement_id)


@router.get(
    "/{agreement_id}/document",
    response=responses(None, 401, 403, 404, 503),
    openapi_extra=binary("application/pdf", "image/jpeg", "image/png"),
    summary="下载协议书（PDF；纸质协议为学生上传的扫描件：PDF、JPG 或 PNG）",
)
def document(request: HttpRequest, agreement_id: Id) -> HttpResponse:
    from documents.services import agreement_pdf, paper_scan

    agreement = get_agreement_for_user(_user(request), agreement_id)
    if agreement.paper:
        scan = paper_scan(agreement)
        return binary_answer(request, download(scan.content, scan.filename, scan.content_type))
    result = agreement_pdf(agreement)
    return binary_answer(request, download(result.content, result.filename, "application/pdf"))


def _act(request: HttpRequest, agreement_id: Id, action: Action, **inputs: Any) -> AgreementDetailOut:
    user = _user(request)
    pk = visible_agreement_id(user, agreement_id)  # 404 before any other check; the service reads it, locked
    agreement_act(pk, action, acting_user=user, **inputs)
    return _detail(user, pk)


@router.post(
    "/{agreement_id}/accept",
    response=ACTION_WITH_BODY,
    summary="学生同意邀约（须本人确认：先 POST /auth/confirmations，再在请求体中带 confirmation）",
)
def accept(request: HttpRequest, agreement_id: Id, payload: ConfirmationIn | None = None) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.ACCEPT, confirmation=payload.confirmation if payload else "")


@router.post("/{agreement_id}/decline", response=ACTION_WITH_BODY, summary="学生拒绝邀约")
def decline(request: HttpRequest, agreement_id: Id, payload: RemarkIn | None = None) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.DECLINE, remark=payload.remark if payload else "")


@router.post("/{agreement_id}/modify", response=ACTION_WITH_BODY, summary="单位修改邀约")
def modify(request: HttpRequest, agreement_id: Id, payload: TermsIn) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.MODIFY, terms=payload.terms)


@router.post("/{agreement_id}/resubmit", response=ACTION_WITH_BODY, summary="纸质协议被退回后修改并重新提交（学生）")
def paper_resubmit(
    request: HttpRequest, agreement_id: Id, payload: Form[PaperIn], scan: UploadedFile | None = OPTIONAL_SCAN
) -> AgreementDetailOut:
    user = _user(request)
    agreement = get_agreement_for_user(user, agreement_id)
    content = read_upload(scan) if scan is not None else b""
    name = (scan.name or "") if scan is not None else ""
    data = payload.dict()
    confirmation = data.pop("confirmation")
    agreement_act(
        agreement,
        Action.RESUBMIT,
        acting_user=user,
        data=data,
        scan_name=name,
        scan=content,
        confirmation=confirmation,
    )
    return _detail(user, agreement_id)


@router.post("/{agreement_id}/withdraw", response=ACTION, summary="单位撤回邀约；学生撤回纸质协议登记")
def withdraw(request: HttpRequest, agreement_id: Id) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.WITHDRAW)


@router.post("/{agreement_id}/approve", response=ACTION, summary="签约审核通过（学院或学校）")
def approve(request: HttpRequest, agreement_id: Id) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.APPROVE)


@router.post("/{agreement_id}/return", response=ACTION_WITH_BODY, summary="签约审核退回")
def return_(request: HttpRequest, agreement_id: Id, payload: RemarkIn) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.RETURN, remark=payload.remark)


@router.post("/{agreement_id}/termination", response=ACTION_WITH_BODY, summary="申请解约")
def termination(request: HttpRequest, agreement_id: Id, payload: ReasonIn) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.TERMINATION, reason=payload.reason, confirmation=payload.confirmation)


@router.post("/{agreement_id}/termination/withdraw", response=ACTION, summary="学生撤回自己的解约申请")
def termination_withdraw(request: HttpRequest, agreement_id: Id) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.TERMINATION_WITHDRAW)


@router.post("/{agreement_id}/termination/accept", response=ACTION_WITH_BODY, summary="同意对方的解约申请")
def termination_accept(request: HttpRequest, agreement_id: Id, payload: AnswerIn | None = None) -> AgreementDetailOut:
    answer = payload or AnswerIn()
    return _act(
        request, agreement_id, Action.TERMINATION_ACCEPT, remark=answer.remark, confirmation=answer.confirmation
    )


@router.post("/{agreement_id}/termination/decline", response=ACTION_WITH_BODY, summary="拒绝对方的解约申请")
def termination_decline(request: HttpRequest, agreement_id: Id, payload: AnswerIn) -> AgreementDetailOut:
    return _act(
        request, agreement_id, Action.TERMINATION_DECLINE, remark=payload.remark, confirmation=payload.confirmation
    )


@router.post("/{agreement_id}/termination/approve", response=ACTION_WITH_BODY, summary="解约审核通过")
def termination_approve(request: HttpRequest, agreement_id: Id, payload: RemarkIn | None = None) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.TERMINATION_APPROVE, remark=payload.remark if payload else "")


@router.post("/{agreement_id}/termination/return", response=ACTION_WITH_BODY, summary="解约审核退回")
def termination_return(request: HttpRequest, agreement_id: Id, payload: RemarkIn) -> AgreementDetailOut:
    return _act(request, agreement_id, Action.TERMINATION_RETURN, remark=payload.remark)
