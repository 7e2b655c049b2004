from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field

from api.representations import employer_fields, student_data
from api.schemas import (
    ActivationCodeOut,
    ActivationCodesOut,
    EmployerReviewOut,
    ErrorOut,
    ImportErrorOut,
    LicenceOut,
    RosterCountsOut,
    RosterImportOut,
    RosterJobOut,
    RowErrorOut,
    RowErrorsOut,
    SchoolSettingsOut,
    StatsOut,
    StudentOut,
    binary,
    binary_answer,
    responses,
)
from core.errors import Forbidden
from core.inputs import Id
from core.models import Employer, Job, Role, School, User
from core.replicas import replica_reads
from core.selectors import employers_by_verification, get_employer_for_admin, get_student_for_admin
from core.services.activation import activation_codes_issue
from core.services.employers import employer_verify
from core.services.licences import read_licence
from core.services.roster import RosterInvalid
from core.services.roster_jobs import roster_import_now
from core.services.schools import SETTING_FIELDS, school_update_settings
from core.services.stats import stats_for_user
from core.services.students import student_update
from school.selectors import get_roster_job_for_user
from web.downloads import download

router = Router(tags=["school"])


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
        result = roster_import_now(user.school, file, dry_run=dry_run, acting_user=user)
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


def _counts(data: dict[str, Any]) -> RosterCountsOut | None:
    return RosterCountsOut(**{k: data[k] for k in RosterCountsOut.model_fields}) if "created" in data else None


@router.get(
    "/roster/imports/{job_id}",
    response=responses(RosterJobOut, 401, 403, 404),
    summary="生源导入任务的进度与结果（页面上传的导入）",
)
def roster_import_job(request: HttpRequest, job_id: Id) -> RosterJobOut:
    user = _school_admin(request)
    job = get_roster_job_for_user(user, job_id)
    return RosterJobOut(
        id=job.pk,
        state=job.state,  # type: ignore[arg-type]  # the model's choices are the Literal's
        step="import" if job.params.get("step") == "import" else "validate",
        filename=job.filename,
        total=job.total,
        done=job.done,
        preview=_counts(job.preview),
        result=_counts(job.result) if job.state == Job.State.DONE else None,
        detail=job.detail,
        errors=[ImportErrorOut(**e) for e in job.errors],
        created_at=job.created_at,
    )


def _employer_row(employer: Employer) -> EmployerReviewOut:
    return EmployerReviewOut(
        **employer_fields(employer),
        verification_status=Employer.Verification(employer.verification_status),
        verification_status_label=employer.get_verification_status_display(),
        verification_remark=employer.verification_remark,
        created_at=employer.created_at,
        licence=LicenceOut(
            name=employer.licence_name,
            content_type=employer.licence_type,  # type: ignore[arg-type]
            size=employer.licence_size or 0,
            uploaded_at=employer.licence_uploaded_at,
        )
        if employer.licence and employer.licence_uploaded_at
        else None,
    )


def _setting(kind: str, *, nullable: bool = False) -> Any:
    # Typed for the document and its generated clients, read as sent: the value is checked by the same function
    # and told with the same message as on 学校设置 (a type refused here would answer pydantic's English instead).
    schema: dict[str, Any] = {"type": [kind, "null"] if nullable else kind}
    if kind == "date":
        schema = {"type": ["string", "null"] if nullable else "string", "format": "date"}
    return Field(None, json_schema_extra=schema)


class SchoolSettingsIn(Schema):
    """Only the settings given change (null: 每生解约次数上限 不限, a date 未设置)."""

    # A setting the API does not know is refused by name, not dropped.
    model_config = ConfigDict(extra="forbid")

    college_review_enabled: Any = _setting("boolean")
    school_review_enabled: Any = _setting("boolean")
    termination_review_enabled: Any = _setting("boolean")
    max_terminations: Any = _setting("integer", nullable=True)
    termination_window_start: Any = _setting("date", nullable=True)
    termination_window_end: Any = _setting("date", nullable=True)
    invitation_validity_days: Any = _setting("integer")
    number_format: Any = _setting("string")
    show_dispatch_fields: Any = _setting("boolean")
    activation_code_validity_days: Any = _setting("integer")
    time_zone: Any = _setting("string")
    second_factor_required: Any = _setting("boolean")


def _settings_data(school: School) -> SchoolSettingsOut:
    return SchoolSettingsOut(**{field: getattr(school, field) for field in SETTING_FIELDS})


@router.get("/settings", response=responses(SchoolSettingsOut, 401, 403), summary="学校设置")
def settings_get(request: HttpRequest) -> SchoolSettingsOut:
    user = _school_admin(request)
    assert user.school is not None
    return _settings_data(user.school)


@router.patch(
    "/settings",
    response=responses(SchoolSettingsOut, 400, 401, 403),
    summary="修改学校设置（只改所给的项；每项的取值范围与提示同“学校设置”页面，每次修改记入修改记录）",
)
def settings_patch(request: HttpRequest, payload: SchoolSettingsIn) -> SchoolSettingsOut:
    user = _school_admin(request)
    assert user.school is not None
    return _settings_data(school_update_settings(user.school, payload.model_dump(exclude_unset=True), acting_user=user))


@router.get("/employers", response=responses(list[EmployerReviewOut], 401, 403), summary="单位资质审核列表")
@replica_reads
def employers(request: HttpRequest, status: str = "pending") -> list[EmployerReviewOut]:
    user = _school_admin(request)
    # Pending: what this school verifies (a claim of students' paper agreements is their school's).
    verifier = user.school_id if status == "pending" else None
    qs = employers_by_verification(status, verifier_school_id=verifier).order_by("created_at")
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
    "/employers/{employer_id}/licence",
    response=responses(None, 401, 403, 404),
    openapi_extra=binary("application/pdf", "image/jpeg", "image/png"),
    summary="单位的营业执照扫描件",
)
def licence(request: HttpRequest, employer_id: Id) -> HttpResponse:
    user = _school_admin(request)
    employer = get_employer_for_admin(user, employer_id)
    content = read_licence(employer)
    return binary_answer(request, download(content, employer.licence_name, employer.licence_type, inline=True))


@router.get(
    "/stats",
    response=responses(StatsOut, 400, 401, 403),
    summary="签约统计：各状态数量与各院系、专业签约率（学院管理员只看本院系）",
)
@replica_reads
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


class StudentUpdateIn(Schema):
    """学生信息修改: only the fields given change; each is checked as on the page and in the roster import
    (core.student_fields), with the same message naming the field."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="姓名")
    gender: str | None = Field(None, description="性别：男 或 女")
    id_number: str | None = Field(None, description="身份证号")
    phone: str | None = Field(None, description="手机号")
    email: str | None = Field(None, description="邮箱（空字符串为清除）")
    graduation_year: int | str | None = Field(None, description="毕业年度")
    major_id: int | None = Field(None, description="专业 id（本校的专业；院系随之改变）")
    degree: str | None = Field(None, description="学历：junior、bachelor、master、doctor 或其中文名称")


@router.patch(
    "/students/{student_id}",
    response=responses(StudentOut, 400, 401, 403, 404),
    summary="修改学生信息（只改所给的项；校验与提示同“学生信息修改”页面和生源导入，每次修改记入修改记录）",
)
def student_patch(request: HttpRequest, student_id: Id, payload: StudentUpdateIn) -> StudentOut:
    user = _school_admin(request)
    student = get_student_for_admin(user, student_id)
    given = payload.model_dump(exclude_unset=True)
    data: dict[str, Any] = {
        "name": student.name,
        "gender": student.gender,
        "id_number": student.id_number,
        "phone": student.phone,
        "email": student.email,
        "graduation_year": student.graduation_year,
        "major": student.major_id,
        "degree": student.degree,
    }
    data.update({("major" if key == "major_id" else key): value for key, value in given.items()})
    updated = student_update(student, data, acting_user=user)
    answer = student_data(updated, user)
    assert isinstance(answer, StudentOut), "a school admin sees a student in full"
    return answer
