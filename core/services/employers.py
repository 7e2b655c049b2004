"""Employers: self-registration, verification by a school, basic info, 签约信息, the send list."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.fields import PROFILE_FIELDS
from core.models import Agreement, AgreementTerms, Employer, Role, SearchHit, SendListItem, Student, User
from core.selectors import (
    STUDENT_NOT_REACHABLE,
    employer_holding_credit_code,
    employer_verifiable_by,
    students_reachable_by,
    students_search,
)
from core.services.ledger import ledger_record_verification
from core.services.licences import clean_licence, discard_licence, store_licence
from core.services.search_budget import search_budget
from core.services.sms_codes import PURPOSE_EMPLOYER_REGISTER, sms_code_use
from core.services.terms import clean_profile
from core.validators import validate_contact_phone, validate_credit_code, validate_email, validate_phone

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


# An employer's login name reads as no 学号 and no student's account (`<院校代码>:<学号>`, core.usernames): it starts
# with a letter and has no colon or space, so registering one never blocks, shadows or probes a student.
EMPLOYER_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_.@-]{2,29}")
EMPLOYER_USERNAME_RULE = "登录用户名应为3到30位英文字母、数字或 _ . - @，以字母开头"
# One sentence for a name any account has, whoever's it is: registration tells nobody whether it is an employer's
# or an admin's, and students' names cannot be typed here at all.
USERNAME_UNAVAILABLE = "该登录用户名不可用，请换一个"


def employer_register(
    *,
    username: str,
    password: str,
    data: dict[str, Any],
    mobile: str,
    sms_code: str,
    licence_name: str,
    licence: bytes,
) -> User:
    """单位注册: creates the employer (pending verification) with its 营业执照 scan, and its first HR account, whose
    mobile the SMS code proves (sent by `sms_code_send(mobile, purpose=PURPOSE_EMPLOYER_REGISTER)`).

    The name's availability is checked last, once everything else of the form is valid and the SMS code spent: the
    only thing the answer can tell about other accounts then is that some account of an employer or an admin has
    this name, and each such answer costs a code sent to a phone."""
    username = (username or "").strip()
    if not username:
        raise InvalidInput("请填写登录用户名", errors={"username": "请填写登录用户名"})
    if not EMPLOYER_USERNAME.fullmatch(username):
        raise InvalidInput(EMPLOYER_USERNAME_RULE, errors={"username": EMPLOYER_USERNAME_RULE})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise InvalidInput("密码不符合要求：" + "；".join(exc.messages), errors={"password": "；".join(exc.messages)})
    cleaned = clean_basic_info(data)
    # A rejected registration holds no code: the real company registers with it.
    existing = employer_holding_credit_code(cleaned["credit_code"])
    # An employer named on a student's paper agreement (未注册) has no account yet: registering claims that row.
    if existing is not None and existing.verification_status != Employer.Verification.UNREGISTERED:
        message = "该统一社会信用代码已注册，请联系本单位已有账号或学校就业中心"
        raise InvalidInput(message, errors={"credit_code": message})
    mobile = validate_phone(mobile, field="手机号")
    clean_licence(licence_name, licence)
    # Outside the transaction: a wrong code stays counted; a right one is spent only by a form valid so far.
    sms_code_use(mobile, sms_code, purpose=PURPOSE_EMPLOYER_REGISTER)
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(USERNAME_UNAVAILABLE, errors={"username": USERNAME_UNAVAILABLE})
    stored = ""
    try:
        with transaction.atomic():
            # The claimed row keeps the papers' name until a school verifies the claim: an unverified registrant
            # never renames the employer of students' agreements (issue 19 item 6(c)).
            unverified = {field: value for field, value in cleaned.items() if field != "name"}
            claimed = Employer.objects.filter(
                credit_code=cleaned["credit_code"], verification_status=Employer.Verification.UNREGISTERED
            ).update(**unverified, claimed_name=cleaned["name"], verification_status=Employer.Verification.PENDING)
            if claimed:
                employer = Employer.objects.get(
                    credit_code=cleaned["credit_code"], verification_status=Employer.Verification.PENDING
                )
            else:
                employer = Employer.objects.create(**cleaned)
            fields = store_licence(employer, licence_name, licence)
            stored = employer.licence.name
            employer.save(update_fields=fields)
            user = User(
                username=username,
                role=Role.EMPLOYER,
                employer=employer,
                display_name=cleaned["contact_person"],
                phone=mobile,
                phone_confirmed_at=timezone.now(),
            )
            user.set_password(password)
            user.save()
    except IntegrityError:
        # Another registration took the name or the code a moment ago.
        discard_licence(stored)
        raise InvalidInput("该单位或登录用户名刚刚已被注册，请检查后重试", errors={"username": USERNAME_UNAVAILABLE})
    except Exception:
        discard_licence(stored)
        raise
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
    """单位资质审核 by a school admin. Employers are platform-wide: a registration that relates to no school yet any
    school's admin may verify; one with agreements (a claim of a 未注册 row named on students' paper agreements)
    only a school of those students (`employer_verifiable_by`), to anyone else it is not there (404)."""
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
        if not employer_verifiable_by(acting_user, employer):
            raise NotFound()
        if employer.verification_status != Employer.Verification.PENDING:
            raise Conflict(f"该单位资质审核{employer.get_verification_status_display()}", code="invalid_status")
        if approve and not employer.licence:
            raise Conflict(
                "该单位未上传营业执照扫描件，不能通过资质审核；请单位在单位中心上传后再审核", code="licence_missing"
            )
        if not approve and Agreement.objects.filter(employer_id=employer.pk, paper=True).exists():
            employer = _split_rejected_claim(employer)
        employer.verification_status = Employer.Verification.VERIFIED if approve else Employer.Verification.REJECTED
        employer.verification_remark = remark
        employer.verified_by = acting_user
        employer.verified_at = timezone.now()
        fields = ["verification_status", "verification_remark", "verified_by", "verified_at"]
        if approve and employer.claimed_name:  # the claim is verified: the employer is now the name it registered
            employer.name, employer.claimed_name = employer.claimed_name, ""
            fields += ["name", "claimed_name"]
        employer.save(update_fields=fields)
        ledger_record_verification(employer, acting_user=acting_user)
    return employer


def _split_rejected_claim(employer: Employer) -> Employer:
    """The rejected registration had claimed a 未注册 employer named on students' paper agreements: the papers stay
    with that row, back to 未注册 under the name they give, for the real company to claim; the rejected
    registration and its accounts get a row of their own (returned, to be marked rejected)."""
    paper_row = Employer.objects.get(pk=employer.pk)
    rejected = employer
    rejected.pk = None
    rejected._state.adding = True
    rejected.verification_status = Employer.Verification.REJECTED  # frees the code before the papers' row takes it
    rejected.name, rejected.claimed_name = rejected.claimed_name or rejected.name, ""
    rejected.save()
    User.objects.filter(employer_id=paper_row.pk).update(employer=rejected)
    named = (
        AgreementTerms.objects.filter(agreement__employer_id=paper_row.pk, agreement__paper=True)
        .order_by("created_at", "pk")
        .values_list("unit_name", flat=True)
        .first()
    )
    # The papers' row is as the papers left it: their name, no contact, no 签约信息.
    blank = {name: "" for name in (*BASIC_FIELDS, *PROFILE_FIELDS) if name not in ("name", "credit_code")}
    Employer.objects.filter(pk=paper_row.pk).update(
        **blank,
        name=named or paper_row.name,
        claimed_name="",
        verification_status=Employer.Verification.UNREGISTERED,
        profile_completed_at=None,
        # The scan was the claimer's: it stays with the rejected registration.
        licence="",
        licence_name="",
        licence_type="",
        licence_size=None,
        licence_uploaded_at=None,
    )
    return rejected


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
    """签约邀请 搜索: exact match only; what was found may then be added to the send list. A search that finds
    nobody spends the employer's search budget (core.services.search_budget)."""
    employer = require_verified_employer(acting_user)
    with search_budget(employer) as budget:
        # A spent budget refuses before searching (429 search_budget_exhausted): the refusal says nothing of a match.
        budget.require(graduation_year, name)
        found = list(students_search(graduation_year=graduation_year, name=name, id_number=id_number, phone=phone)[:20])
        if not found:
            budget.miss(graduation_year, name)
        SearchHit.objects.bulk_create(
            [SearchHit(employer=employer, student=s) for s in found],
            update_conflicts=True,
            unique_fields=["employer", "student"],
            update_fields=["created_at"],
        )
    return found
