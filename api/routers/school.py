from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from api.representations import employer_fields
from api.schemas import (
    ActivationCodeOut,
    ActivationCodesOut,
    EmployerReviewOut,
    ErrorOut,
    RosterImportOut,
    RowErrorOut,
    RowErrorsOut,
    StatsOut,
    responses,
)
from core.errors import Forbidden
from core.inputs import Id
from core.models import Employer, Role, User
from core.selectors import employers_by_verification
from core.services.activation import activation_codes_issue
from core.services.employers import employer_verify
from core.services.roster import RosterInvalid
from core.services.stats import stats_for_user
from school.roster_jobs import import_now

router = Router(tags=["学校"])


def _school_admin(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("仅学校管理员可用", code="forbidden_role")
    return user


class ActivationCodesIn(Schema):
    student_numbers: list[str] | None = None
    all_unactivated: bool = False


class VerifyIn(Schema):
    approve: bool = True
    remark: str = ""


@router.post(
    "/roster/import",
    response={
        **responses(RosterImportOut, 401, 403, 409),
        201: RosterImportOut,
        # A file with row errors lists every one; any other bad input has the usual error shape.
        400: RowErrorsOut | ErrorOut,
    },
    summary="生源导入（dry_run=true 只校验并预览；200 为预览，201 为已导入；另一份正在导入时 409）",
)
def import_roster(
    request: HttpRequest, file: File[UploadedFile], dry_run: bool = False
) -> Status[RosterImportOut | RowErrorsOut]:
    user = _school_admin(request)
    assert user.school is not None
    try:
        # The same one-import-per-school rule as the page's jobs (409 import_running while one runs).
        result = import_now(user.school, file, dry_run=dry_run, acting_user=user)
    except RosterInvalid as exc:
        errors = [RowErrorOut(row=e.row, column=e.column, message=e.message) for e in exc.result.errors]
        return Status(400, RowErrorsOut(detail=exc.detail, code="invalid_rows", errors=errors))
    body = RosterImportOut(
        dry_run=dry_run,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        colleges_created=result.colleges_created,
        majors_created=result.majors_created,
    )
    return Status(200 if dry_run else 201, body)


def _employer_row(employer: Employer) -> EmployerReviewOut:
    return EmployerReviewOut(
        **employer_fields(employer),
        verification_status=Employer.Verification(employer.verification_status),
        verification_status_label=employer.get_verification_status_display(),
        verification_remark=employer.verification_remark,
        created_at=employer.created_at,
    )


@router.get("/employers", response=responses(list[EmployerReviewOut], 401, 403), summary="单位资质审核列表")
def employers(request: HttpRequest, status: str = "pending") -> list[EmployerReviewOut]:
    _school_admin(request)
    qs = employers_by_verification(status).order_by("created_at")
    return [_employer_row(e) for e in qs[:500]]


@router.post(
    "/employers/{employer_id}/verify",
    response=responses(EmployerReviewOut, 400, 401, 403, 404, 409),
    summary="单位资质审核（通过或驳回）",
)
def verify(request: HttpRequest, employer_id: Id, payload: VerifyIn | None = None) -> EmployerReviewOut:
    user = _school_admin(request)
    payload = payload or VerifyIn()
    return _employer_row(employer_verify(employer_id, approve=payload.approve, remark=payload.remark, acting_user=user))


@router.get(
    "/stats",
    response=responses(StatsOut, 400, 401, 403),
    summary="签约统计：各状态数量与各院系、专业签约率（学院管理员只看本院系）",
)
def stats(request: HttpRequest, graduation_year: int | None = None) -> StatsOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return StatsOut.model_validate(stats_for_user(user, graduation_year).as_dict())


@router.post(
    "/students/activation-codes",
    response=responses(ActivationCodesOut, 400, 401, 403),
    summary="生成学生账号激活码（指定学号，或全部未激活学生）；新激活码使该生此前的激活码失效",
)
def activation_codes(request: HttpRequest, payload: ActivationCodesIn) -> ActivationCodesOut:
    user = _school_admin(request)
    assert user.school is not None
    codes = activation_codes_issue(
        user.school,
        student_numbers=payload.student_numbers,
        all_unactivated=payload.all_unactivated,
        acting_user=user,
    )
    return ActivationCodesOut(
        codes=[
            ActivationCodeOut(student_number=c.student_number, name=c.name, code=c.code, expires_at=c.expires_at)
            for c in codes
        ]
    )
