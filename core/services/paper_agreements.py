"""Paper 就业协议书: a student who signed on paper registers it (the employer, the terms the paper shows, a scan);
the school reviews it. It is an Agreement with `paper=True` and goes through the same workflow functions and rules
(`core.rules` keeps the paper path): registered → 待学校审核 → 已生效 (approved: it counts for the one-active rule and
the statistics, with no 协议书编号 of ours) or 签约审核退回 → corrected and resubmitted, or withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from core.fields import TERMS_FIELDS, FieldSpec
from core.models import Agreement, Employer, Status, Student, User
from core.rules import ACTIVE_STATUSES, Action, require, require_role
from core.services.agreements import _add_terms, _lock, _set_status
from core.services.destinations import clean_attachment, discard_file, store_attachment
from core.services.events import record_event
from core.services.stats_counters import count_agreement
from core.services.terms import clean_fields
from core.validators import validate_credit_code

# The terms a paper 就业协议书 shows that we keep; the 档案/户口 fields of the online 邀请函 are left empty.
PAPER_TERMS_FIELDS: dict[str, FieldSpec] = {
    name: TERMS_FIELDS[name]
    for name in (
        "unit_name",
        "position_category",
        "position",
        "work_location",
        "monthly_salary",
        "probation_months",
        "liquidated_damages",
        "other_terms",
    )
}


def _student_of(user: User) -> Student:
    student = Student.objects.select_related("school").filter(user_id=user.pk).first()
    if student is None:
        raise Conflict("没有找到你的生源信息", code="no_student")
    return student


def clean_paper(data: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(employer name, 统一社会信用代码, terms) of a registration; every message names its field."""
    errors: dict[str, object] = {}
    name = str(data.get("employer_name") or "").strip()
    if not name:
        errors["employer_name"] = "请填写单位名称"
    elif len(name) > 100:
        errors["employer_name"] = "单位名称不能超过100个字"
    credit_code = ""
    try:
        credit_code = validate_credit_code(str(data.get("credit_code") or ""), field="统一社会信用代码")
    except InvalidInput as exc:
        errors["credit_code"] = exc.detail
    terms_in = {key: data.get(key) for key in PAPER_TERMS_FIELDS}
    if not terms_in.get("unit_name"):
        terms_in["unit_name"] = name
    terms: dict[str, Any] = {}
    try:
        terms = clean_fields(PAPER_TERMS_FIELDS, terms_in)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(str(first) if len(errors) == 1 else f"有{len(errors)}项填写有误：{first}", errors=errors)
    return name, credit_code, terms


def _employer_for(name: str, credit_code: str) -> Employer:
    """The employer with this 统一社会信用代码, or a row for it (未注册) that it claims if it registers later."""
    employer = Employer.objects.filter(credit_code=credit_code).first()
    if employer is None:
        employer = Employer.objects.create(
            name=name, credit_code=credit_code, verification_status=Employer.Verification.UNREGISTERED
        )
    return employer


def paper_agreement_register(data: Mapping[str, Any], *, scan_name: str, scan: bytes, acting_user: User) -> Agreement:
    """纸质协议登记: one agreement waiting for the school's review, with the paper's terms and its scan."""
    require_role(acting_user, Action.RESUBMIT)  # the student's role; the paper path's rules do the rest
    name, credit_code, terms = clean_paper(data)
    clean_attachment(scan_name, scan, field="scan")
    student = _student_of(acting_user)
    stored = ""
    try:
        with transaction.atomic():
            Student.objects.select_for_update().filter(pk=student.pk).first()
            if Agreement.objects.filter(student=student, status__in=ACTIVE_STATUSES).exists():
                raise Conflict("你已有签约中的协议，须先办理解约才能登记纸质协议", code="student_signed")
            employer = _employer_for(name, credit_code)
            now = timezone.now()
            agreement = Agreement.objects.create(
                school=student.school,
                college_id=student.college_id,
                student=student,
                graduation_year=student.graduation_year,
                student_name=student.name,
                employer=employer,
                paper=True,
                status=Status.SCHOOL_REVIEW,
                invited_by=acting_user,
                invited_at=now,
                expires_at=now,
                signed_at=now,
            )
            agreement.current_terms = _add_terms(agreement, terms, acting_user=acting_user)
            agreement.accepted_terms = agreement.current_terms
            agreement.save(update_fields=["current_terms", "accepted_terms"])
            count_agreement(agreement, before=())
            stored = store_attachment(
                name=scan_name, content=scan, acting_user=acting_user, agreement=agreement
            ).file.name
            record_event(agreement, "paper_register", actor=acting_user, old_status="")
    except IntegrityError:
        if stored:
            discard_file(stored)
        raise Conflict("你已有签约中的协议，须先办理解约才能登记纸质协议", code="student_signed")
    except Exception:
        if stored:
            discard_file(stored)
        raise
    return agreement


def paper_agreement_resubmit(
    agreement: Agreement | int,
    data: Mapping[str, Any],
    *,
    scan_name: str = "",
    scan: bytes = b"",
    acting_user: User,
) -> Agreement:
    """A returned paper agreement, corrected (a new terms version, a new scan if given) and back to the school."""
    require_role(acting_user, Action.RESUBMIT)
    _, _, terms = clean_paper(data)
    if scan:
        clean_attachment(scan_name, scan, field="scan")
    stored = ""
    try:
        with transaction.atomic():
            agreement = _lock(agreement)
            require(agreement, acting_user, Action.RESUBMIT)
            agreement.current_terms = _add_terms(agreement, terms, acting_user=acting_user)
            agreement.accepted_terms = agreement.current_terms
            if scan:
                stored = store_attachment(
                    name=scan_name, content=scan, acting_user=acting_user, agreement=agreement
                ).file.name
            old = _set_status(agreement, Status.SCHOOL_REVIEW, "current_terms", "accepted_terms")
            record_event(agreement, "paper_resubmit", actor=acting_user, old_status=old)
    except Exception:
        if stored:
            discard_file(stored)
        raise
    return agreement
