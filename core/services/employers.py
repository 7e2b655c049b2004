"""Employers: self-registration, verification by a school, basic info, 签约信息, the send list."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Employer, Role, SearchHit, SendListItem, Student, User
from core.selectors import STUDENT_NOT_REACHABLE, students_reachable_by, students_search
from core.services.terms import clean_profile
from core.validators import validate_contact_phone, validate_credit_code, validate_email

BASIC_FIELDS = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "contact_person": "联系人",
    "phone": "联系电话",
    "email": "邮箱",
    "address": "通讯地址",
}


def clean_basic_info(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, object] = {}
    cleaned: dict[str, Any] = {}
    for field, label in BASIC_FIELDS.items():
        value = str(data.get(field) or "").strip()
        try:
            if not value:
                raise InvalidInput(f"请填写{label}", errors={field: f"请填写{label}"})
            # Validators name the field in their message, so they get the Chinese label; errors are keyed by field.
            if field == "credit_code":
                value = validate_credit_code(value, field=label)
            elif field == "phone":
                value = validate_contact_phone(value, field=label)
            elif field == "email":
                value = validate_email(value, field=label)
            elif len(value) > (200 if field == "address" else 100):
                raise InvalidInput(f"{label}过长", errors={field: f"{label}过长"})
            cleaned[field] = value
        except InvalidInput as exc:
            errors[field] = exc.detail
    if errors:
        raise InvalidInput(str(next(iter(errors.values()))), errors=errors)
    return cleaned


def employer_register(*, username: str, password: str, data: dict[str, Any]) -> User:
    """单位注册: creates the employer (pending verification) and its first HR account."""
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise InvalidInput("请填写登录用户名", errors={"username": "请填写登录用户名"})
    if User.objects.filter(username=username).exists():
        raise InvalidInput("该用户名已被使用", errors={"username": "该用户名已被使用"})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求：" + "；".join(exc.messages), errors={"password": "；".join(exc.messages)})
    cleaned = clean_basic_info(data)
    existing = Employer.objects.filter(credit_code=cleaned["credit_code"]).first()
    # An employer named on a student's paper agreement (未注册) has no account yet: registering claims that row.
    if existing is not None and existing.verification_status != Employer.Verification.UNREGISTERED:
        message = "该统一社会信用代码已注册，请联系本单位已有账号或学校就业中心"
        raise InvalidInput(message, errors={"credit_code": message})
    try:
        with transaction.atomic():
            claimed = Employer.objects.filter(
                credit_code=cleaned["credit_code"], verification_status=Employer.Verification.UNREGISTERED
            ).update(**cleaned, verification_status=Employer.Verification.PENDING)
            if claimed:
                employer = Employer.objects.get(credit_code=cleaned["credit_code"])
            else:
                employer = Employer.objects.create(**cleaned)
            user = User(
                username=username, role=Role.EMPLOYER, employer=employer, display_name=cleaned["contact_person"]
            )
            user.set_password(password)
            user.save()
    except IntegrityError:
        raise InvalidInput("该单位或用户名已注册", errors={"credit_code": "该单位或用户名已注册"})
    return user


def employer_update_basic_info(employer: Employer, data: dict[str, Any], *, acting_user: User) -> Employer:
    _require_own_employer(acting_user, employer)
    cleaned = clean_basic_info({**{f: getattr(employer, f) for f in BASIC_FIELDS}, **data})
    if cleaned["credit_code"] != employer.credit_code:
        # The credit code is what the school verified; changing it would bypass 资质审核.
        message = "统一社会信用代码已经学校审核，不能自行修改"
        raise InvalidInput(message, errors={"credit_code": message})
    for field, value in cleaned.items():
        setattr(employer, field, value)
    employer.save(update_fields=list(cleaned))
    return employer


def employer_update_profile(employer: Employer, data: dict[str, Any], *, acting_user: User) -> Employer:
    """签约信息确认 / 网签信息维护: every field validated; saved together or not at all."""
    _require_own_employer(acting_user, employer)
    cleaned = clean_profile(data)
    for field, value in cleaned.items():
        setattr(employer, field, value)
    fields = list(cleaned)
    if employer.profile_completed_at is None:
        employer.profile_completed_at = timezone.now()
        fields.append("profile_completed_at")
    employer.save(update_fields=fields)
    return employer


def employer_verify(employer_id: int, *, approve: bool, remark: str = "", acting_user: User) -> Employer:
    """单位资质审核 by a school admin. Employers are platform-wide, so any school's admin may verify."""
    if acting_user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("只有学校管理员可以审核单位资质", code="forbidden_role")
    remark = (remark or "").strip()
    if not approve and not remark:
        raise InvalidInput("请填写驳回原因", errors={"remark": "请填写驳回原因"})
    if len(remark) > 200:
        raise InvalidInput("审核意见不能超过200个字", errors={"remark": "审核意见不能超过200个字"})
    with transaction.atomic():
        employer = Employer.objects.select_for_update().filter(pk=employer_id).first()
        if employer is None:
            raise NotFound()
        if employer.verification_status != Employer.Verification.PENDING:
            raise Conflict(f"该单位资质审核{employer.get_verification_status_display()}", code="invalid_status")
        employer.verification_status = Employer.Verification.VERIFIED if approve else Employer.Verification.REJECTED
        employer.verification_remark = remark
        employer.verified_by = acting_user
        employer.verified_at = timezone.now()
        employer.save(update_fields=["verification_status", "verification_remark", "verified_by", "verified_at"])
    return employer


def _require_own_employer(user: User, employer: Employer) -> None:
    if user.role != Role.EMPLOYER:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if user.employer_id != employer.pk:
        raise NotFound()


def require_verified_employer(user: User) -> Employer:
    if user.role != Role.EMPLOYER or user.employer is None:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if not user.employer.is_verified:
        raise Forbidden("单位资质尚未通过学校审核，暂不能使用签约功能", code="employer_not_verified")
    return user.employer


def send_list_add(student_id: int, *, acting_user: User) -> SendListItem:
    """加入: the student must have been found by the exact search; ids are not browsable."""
    employer = require_verified_employer(acting_user)
    student = students_reachable_by(employer).filter(pk=student_id).first()
    if student is None:
        raise NotFound(STUDENT_NOT_REACHABLE)
    item, _ = SendListItem.objects.get_or_create(employer=employer, student=student, defaults={"added_by": acting_user})
    return item


def send_list_remove(student_id: int, *, acting_user: User) -> None:
    employer = require_verified_employer(acting_user)
    deleted, _ = SendListItem.objects.filter(employer=employer, student_id=student_id).delete()
    if not deleted:
        raise NotFound("该学生不在签约发送列表中")


def employer_search_students(
    *, graduation_year: int, name: str, id_number: str = "", phone: str = "", acting_user: User
) -> list[Student]:
    """签约邀请 搜索: exact match only; what was found may then be added to the send list."""
    employer = require_verified_employer(acting_user)
    found = list(students_search(graduation_year=graduation_year, name=name, id_number=id_number, phone=phone)[:20])
    SearchHit.objects.bulk_create(
        [SearchHit(employer=employer, student=s) for s in found],
        update_conflicts=True,
        unique_fields=["employer", "student"],
        update_fields=["created_at"],
    )
    return found
