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

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.fields import DISPATCH_FIELDS, TERMS_FIELDS, FieldSpec, Kind
from core.models import Agreement, Employer, Role, Status, Student, User
from core.rules import ACTIVE_STATUSES, PAPER_DISPUTABLE, Action, employer_sees_paper, require, require_role
from core.selectors import employer_holding_credit_code, paper_dispute_of
from core.services.agreements import _add_terms, _lock, _set_status
from core.services.confirmations import PAPER, agreement_bound, confirmation_attach, confirmation_take, paper_bound
from core.services.destinations import clean_attachment, discard_file, store_attachment
from core.services.events import record_event
from core.services.stats_counters import count_agreement
from core.services.terms import clean_fields
from core.validators import validate_credit_code, validate_reason

# What a paper 就业协议书 shows, in the order of its first page: its own 协议书编号, the unit as printed (单位性质
# and 单位所在地 are the paper's, never those of the employer row its 信用代码 finds), the post, the 档案/报到证/户口
# block and the terms — every column an online agreement gives the 就业方案, and checked as the 邀请函's are.
PAPER_TERMS_FIELDS: dict[str, FieldSpec] = {
    "paper_number": FieldSpec("paper_number", "协议书编号", Kind.TEXT, True, max_length=40),
    "unit_name": TERMS_FIELDS["unit_name"],
    "unit_nature": FieldSpec("unit_nature", "单位性质", Kind.CODE, True, code_table="nature"),
    "unit_location": FieldSpec("unit_location", "单位所在地", Kind.REGION, True, code_table="region"),
    **{
        name: TERMS_FIELDS[name]
        for name in (
            "position_category",
            "position",
            "work_location",
            "archive_receiving",
            "archive_unit_name",
            "archive_address",
            "archive_postcode",
            "archive_contact",
            "archive_phone",
            *DISPATCH_FIELDS,
            "affiliation",
            "hukou_receiving",
            "hukou_address",
            "monthly_salary",
            "probation_months",
            "liquidated_damages",
            "other_terms",
        )
    },
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
    employer = employer_holding_credit_code(credit_code)  # never a rejected registration
    if employer is None:
        employer = Employer.objects.create(
            name=name, credit_code=credit_code, verification_status=Employer.Verification.UNREGISTERED
        )
    return employer


def paper_agreement_register(
    data: Mapping[str, Any], *, scan_name: str, scan: bytes, acting_user: User, confirmation: str = ""
) -> Agreement:
    """纸质协议登记: one agreement waiting for the school's review, with the paper's terms and its scan. It declares
    the graduate signed, so it spends their 本人确认 (`confirmation`, action `paper`)."""
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
            proof = confirmation_take(confirmation, user=acting_user, action=PAPER, bound=paper_bound(student))
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
            confirmation_attach(proof, record_event(agreement, "paper_register", actor=acting_user, old_status=""))
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
    confirmation: str = "",
) -> Agreement:
    """A returned paper agreement, corrected (a new terms version, a new scan if given) and back to the school; the
    graduate declares it again, so it spends their 本人确认 (`confirmation`, action `resubmit`)."""
    require_role(acting_user, Action.RESUBMIT)
    _, _, terms = clean_paper(data)
    if scan:
        clean_attachment(scan_name, scan, field="scan")
    stored = ""
    try:
        with transaction.atomic():
            agreement = _lock(agreement)
            require(agreement, acting_user, Action.RESUBMIT)
            proof = confirmation_take(
                confirmation,
                user=acting_user,
                action=Action.RESUBMIT,
                bound=agreement_bound(agreement, Action.RESUBMIT),
            )
            agreement.current_terms = _add_terms(agreement, terms, acting_user=acting_user)
            agreement.accepted_terms = agreement.current_terms
            if scan:
                stored = store_attachment(
                    name=scan_name, content=scan, acting_user=acting_user, agreement=agreement
                ).file.name
            old = _set_status(agreement, Status.SCHOOL_REVIEW, "current_terms", "accepted_terms")
            confirmation_attach(proof, record_event(agreement, "paper_resubmit", actor=acting_user, old_status=old))
    except Exception:
        if stored:
            discard_file(stored)
        raise
    return agreement


def paper_agreement_dispute(agreement: Agreement | int, *, reason: str, acting_user: User) -> Agreement:
    """The verified employer named on a paper agreement says it did not sign it as registered (issue 19 item 6(d)):
    a 流程追踪 event the student is told of and the school's reviewer reads atop the agreement. The status is left
    for the school to change (return it, or after approval handle it as a 解约); one 异议 per registered version."""
    if acting_user.role != Role.EMPLOYER:
        raise Forbidden("只有协议上的用人单位可以提出异议", code="forbidden_role")
    reason = validate_reason(reason, field="reason", label="异议理由")
    with transaction.atomic():
        agreement = _lock(agreement)
        if (
            not agreement.paper
            or agreement.employer_id != acting_user.employer_id
            or not employer_sees_paper(agreement)
        ):
            raise NotFound()
        if agreement.status not in PAPER_DISPUTABLE:
            raise Conflict(f"该纸质协议{agreement.get_status_display()}，不能再提出异议", code="invalid_status")
        if paper_dispute_of(agreement) is not None:
            raise Conflict("已对该纸质协议提出异议，请等待学校核实", code="already_disputed")
        record_event(agreement, "paper_dispute", actor=acting_user, old_status=agreement.status, remark=reason)
    return agreement
