from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from api.representations import code_labels, masked_student_data
from api.schemas import ImportErrorOut, MaskedStudentOut, ProfileOut, SendListImportOut, ShortlistJobOut, responses
from core.errors import Forbidden, InvalidInput
from core.fields import PROFILE_FIELDS
from core.inputs import Id
from core.models import Job, Role, User
from core.selectors import send_list_items, signed_elsewhere_ids
from core.selectors.jobs import job_of
from core.services import employers as svc
from core.services.shortlist import shortlist_start

router = Router(tags=["employer"])


def _employer_user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role != Role.EMPLOYER:
        raise Forbidden("仅用人单位账号可用", code="forbidden_role")
    return user


class ProfileIn(Schema):
    nature: str | None = None
    location: str | None = None
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


class SendListIn(Schema):
    student_id: Id


def _profile(user: User) -> ProfileOut:
    employer = user.employer
    assert employer is not None
    values: dict[str, Any] = {field: getattr(employer, field) for field in PROFILE_FIELDS}
    return ProfileOut(**values | code_labels(values), complete=employer.profile_complete)


@router.get("/profile", response=responses(ProfileOut, 401, 403), summary="签约信息")
def get_profile(request: HttpRequest) -> ProfileOut:
    return _profile(_employer_user(request))


@router.put("/profile", response=responses(ProfileOut, 400, 401, 403), summary="保存签约信息")
def put_profile(request: HttpRequest, payload: ProfileIn) -> ProfileOut:
    user = _employer_user(request)
    assert user.employer is not None
    svc.employer_update_profile(user.employer, payload.dict(), acting_user=user)
    return _profile(user)


@router.get(
    "/students", response=responses(list[MaskedStudentOut], 400, 401, 403, 429), summary="签约邀请：精确搜索学生"
)
def search_students(
    request: HttpRequest, graduation_year: int, name: str, id_number: str = "", phone: str = ""
) -> list[MaskedStudentOut]:
    user = _employer_user(request)
    if not (id_number or phone):
        raise InvalidInput("请填写手机号或身份证号", errors={"id_number": "请填写手机号或身份证号"})
    found = svc.employer_search_students(
        graduation_year=graduation_year, name=name, id_number=id_number, phone=phone, acting_user=user
    )
    signed = signed_elsewhere_ids(user.employer_id or 0, found)
    return [masked_student_data(s, user).model_copy(update={"signed_elsewhere": s.pk in signed}) for s in found]


def _send_list(user: User) -> list[MaskedStudentOut]:
    assert user.employer_id is not None
    return [masked_student_data(item.student, user) for item in send_list_items(user.employer_id)]


@router.get("/send-list", response=responses(list[MaskedStudentOut], 401, 403), summary="签约发送列表")
def get_send_list(request: HttpRequest) -> list[MaskedStudentOut]:
    user = _employer_user(request)
    svc.require_verified_employer(user)
    return _send_list(user)


@router.post(
    "/send-list",
    response=responses(list[MaskedStudentOut], 400, 401, 403, 404, status=201),
    summary="加入签约发送列表",
)
def add_to_send_list(request: HttpRequest, payload: SendListIn) -> Status[list[MaskedStudentOut]]:
    user = _employer_user(request)
    svc.send_list_add(payload.student_id, acting_user=user)
    return Status(201, _send_list(user))


def _shortlist_job(job: Job) -> ShortlistJobOut:
    result = job.result or {}
    return ShortlistJobOut(
        id=job.pk,
        state=job.state,  # type: ignore[arg-type]  # the model's choices are the Literal's
        total=job.total,
        done=job.done,
        imported=result.get("imported"),
        detail=job.detail,
        errors=[ImportErrorOut(**e) for e in result.get("errors", [])],
    )


# Declared before /send-list/{student_id}: Django resolves the first matching pattern.
@router.post(
    "/send-list/import",
    response={**responses(SendListImportOut, 400, 401, 403, 409), 202: ShortlistJobOut},
    summary="导入拟签约名单",
    description="至多 WANGQIAN_SHORTLIST_SYNC_MAX_ROWS 行即时导入（200）；更大的文件由后台任务导入（202，"
    "用 GET /employer/send-list/imports/{job_id} 查看进度与结果），每个单位同一时间只有一个；"
    "文件行数上限 WANGQIAN_SHORTLIST_MAX_ROWS。",
)
def import_send_list(request: HttpRequest, file: File[UploadedFile]) -> Status[SendListImportOut | ShortlistJobOut]:
    user = _employer_user(request)
    started = shortlist_start(file, acting_user=user)
    if started.job is not None:
        return Status(202, _shortlist_job(started.job))
    return Status(200, SendListImportOut(imported=started.imported, send_list=_send_list(user)))


@router.get(
    "/send-list/imports/{job_id}", response=responses(ShortlistJobOut, 401, 403, 404), summary="导入拟签约名单的进度"
)
def shortlist_import_job(request: HttpRequest, job_id: Id) -> ShortlistJobOut:
    user = _employer_user(request)
    return _shortlist_job(job_of(user, job_id, Job.Kind.SHORTLIST))


@router.delete(
    "/send-list/{student_id}", response=responses(list[MaskedStudentOut], 401, 403, 404), summary="移出签约发送列表"
)
def remove_from_send_list(request: HttpRequest, student_id: Id) -> list[MaskedStudentOut]:
    user = _employer_user(request)
    svc.send_list_remove(student_id, acting_user=user)
    return _send_list(user)
