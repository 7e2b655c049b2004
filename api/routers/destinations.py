"""毕业去向登记 (SPEC §9): the student's own 去向 under /me, the reviewers' list and actions under /{id}."""

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja import Status as WithStatus
from ninja.files import UploadedFile
from pydantic import Field

from api.representations import destination_data, destination_detail, destination_forms
from api.schemas import DestinationDetailOut, DestinationFormOut, DestinationPage, responses
from core.errors import Forbidden, InvalidInput
from core.inputs import Id
from core.models import DestinationStatus, Role, User
from core.replicas import replica_reads
from core.selectors import (
    DestinationFilters,
    destinations_visible_to,
    filter_destinations,
    get_destination_for_user,
    own_destination,
    with_destination_relations,
)
from core.services import destinations as svc

router = Router(tags=["destinations"])
MAX_PAGE_SIZE = 100
REVIEWERS = (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN)


class DestinationIn(Schema):
    """The 去向 as reported; the fields a kind needs are those of `GET /destinations/forms` for its code."""

    code: str
    unit_name: str | None = None
    unit_credit_code: str | None = None
    unit_nature: str | None = None
    unit_location: str | None = None
    position: str | None = None
    contract_start: str | None = None
    contract_end: str | None = None
    project_name: str | None = None
    school_name: str | None = None
    programme: str | None = None
    country: str | None = None
    note: str | None = None


class RemarkIn(Schema):
    remark: str = ""


class ListQuery(Schema):
    status: DestinationStatus | None = None
    code: str = ""
    graduation_year: int | None = None
    college_id: int | None = None
    name: str = ""
    page: int = 1
    page_size: int = 20


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _reviewer(request: HttpRequest) -> User:
    user = _user(request)
    if user.role not in REVIEWERS:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    return user


def _mine(user: User) -> DestinationDetailOut:
    destination = own_destination(user)
    assert destination is not None  # opened by the caller
    return destination_detail(destination, user)


@router.get("/forms", response=responses(list[DestinationFormOut], 401, 403), summary="各类毕业去向须填写的字段")
def forms(request: HttpRequest) -> list[DestinationFormOut]:
    return destination_forms()


@router.get("/me", response=responses(DestinationDetailOut, 401, 403), summary="我的毕业去向（学生）")
def get_mine(request: HttpRequest) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_open(acting_user=user)
    return _mine(user)


@router.put("/me", response=responses(DestinationDetailOut, 400, 401, 403, 409), summary="填写或修改毕业去向（学生）")
def put_mine(request: HttpRequest, payload: DestinationIn) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_update(payload.dict(), acting_user=user)
    return _mine(user)


class SubmitIn(Schema):
    confirmation: str = Field(
        default="",
        description="本人确认凭证（cfm_…，action=destination_submit）；缺少时答复 403 confirmation_required",
    )


@router.post(
    "/me/submit",
    response=responses(DestinationDetailOut, 400, 401, 403, 409),
    summary="提交审核（学生；须本人确认：先 POST /auth/confirmations，action=destination_submit）",
)
def submit_mine(request: HttpRequest, payload: SubmitIn | None = None) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_submit(acting_user=user, confirmation=payload.confirmation if payload else "")
    return _mine(user)


class DisputeIn(Schema):
    reason: str = Field(description="异议理由，如“这不是我的去向，我没有与该单位签约”（200字以内）")


@router.post(
    "/me/confirm",
    response=responses(DestinationDetailOut, 400, 401, 403, 409),
    summary="确认学校代为登记的毕业去向（学生；须本人确认：action=destination_confirm）",
)
def confirm_mine(request: HttpRequest, payload: SubmitIn | None = None) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_confirm(acting_user=user, confirmation=payload.confirmation if payload else "")
    return _mine(user)


@router.post(
    "/me/dispute",
    response=responses(DestinationDetailOut, 400, 401, 403, 409),
    summary="对学校代为登记的毕业去向提出异议（学生；学校不能自行撤销，留待省级主管部门核查）",
)
def dispute_mine(request: HttpRequest, payload: DisputeIn) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_dispute(payload.reason, acting_user=user)
    return _mine(user)


@router.post(
    "/students/{student_id}",
    response=responses(DestinationDetailOut, 400, 401, 403, 404, 409),
    summary="学校代为登记或修改学生的毕业去向（学院、学校管理员；待学生本人确认后才计入统计）",
)
def enter_for_student(request: HttpRequest, student_id: Id, payload: DestinationIn) -> DestinationDetailOut:
    user = _reviewer(request)
    destination = svc.destination_enter(student_id, payload.dict(), acting_user=user)
    return destination_detail(destination, user)


@router.post(
    "/me/attachments",
    response=responses(DestinationDetailOut, 400, 401, 403, 409, status=201),
    summary="上传证明材料（PDF、JPG、PNG；学生）",
)
def attach(request: HttpRequest, file: File[UploadedFile]) -> WithStatus[DestinationDetailOut]:
    user = _user(request)
    svc.destination_attach(name=file.name or "", content=svc.read_upload(file), acting_user=user)
    return WithStatus(201, _mine(user))


@router.delete(
    "/me/attachments/{attachment_id}",
    response=responses(DestinationDetailOut, 401, 403, 404, 409),
    summary="删除证明材料（学生）",
)
def detach(request: HttpRequest, attachment_id: Id) -> DestinationDetailOut:
    user = _user(request)
    svc.destination_detach(attachment_id, acting_user=user)
    return _mine(user)


@router.get(
    "",
    response=responses(DestinationPage, 400, 401, 403),
    summary="毕业去向列表（学院、学校、省级主管部门，按范围限定；status=disputed 为待核查的异议）",
)
@replica_reads
def list_destinations(request: HttpRequest, query: Query[ListQuery]) -> DestinationPage:
    user = _user(request)
    # The province reads its schools' 去向 (read-only) to find the 异议 it closes (POST /province/…/dispute).
    if user.role not in (*REVIEWERS, Role.PROVINCE_ADMIN):
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size 应在1到{MAX_PAGE_SIZE}之间", errors={"page_size": "超出范围"})
    filters = DestinationFilters(
        status=query.status or "",
        code=query.code.strip(),
        graduation_year=query.graduation_year,
        college_id=query.college_id,
        name=query.name.strip(),
    )
    qs = filter_destinations(destinations_visible_to(user), filters)
    paginator = Paginator(with_destination_relations(qs), query.page_size)
    count = paginator.count
    if not 1 <= query.page <= max(paginator.num_pages, 1):
        raise InvalidInput(f"页码超出范围（共{paginator.num_pages}页）", errors={"page": "超出范围"})
    rows = list(paginator.page(query.page).object_list) if count else []
    return DestinationPage(
        count=count,
        page=query.page,
        num_pages=paginator.num_pages if count else 0,
        results=[destination_data(d, user) for d in rows],
    )


@router.get("/{destination_id}", response=responses(DestinationDetailOut, 401, 403, 404), summary="毕业去向详情")
def detail(request: HttpRequest, destination_id: Id) -> DestinationDetailOut:
    user = _user(request)
    return destination_detail(get_destination_for_user(user, destination_id), user)


@router.post(
    "/{destination_id}/approve", response=responses(DestinationDetailOut, 401, 403, 404, 409), summary="审核通过"
)
def approve(request: HttpRequest, destination_id: Id) -> DestinationDetailOut:
    user = _user(request)
    destination = get_destination_for_user(user, destination_id)
    svc.destination_approve(destination, acting_user=user)
    return destination_detail(get_destination_for_user(user, destination_id), user)


@router.post(
    "/{destination_id}/return", response=responses(DestinationDetailOut, 400, 401, 403, 404, 409), summary="退回"
)
def return_(request: HttpRequest, destination_id: Id, payload: RemarkIn) -> DestinationDetailOut:
    user = _user(request)
    destination = get_destination_for_user(user, destination_id)
    svc.destination_return(destination, remark=payload.remark, acting_user=user)
    return destination_detail(get_destination_for_user(user, destination_id), user)
