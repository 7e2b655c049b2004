"""The agreement workflow. Every status change in the product goes through a function here.

Each transition: guard the actor's role → one transaction that re-reads and locks the row → check the
status → set it → save(update_fields) → append a 流程追踪 event. A refused transition raises and
changes nothing; side effects start after commit.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from core.fields import TERMS_FIELDS
from core.models import (
    Agreement,
    AgreementTerms,
    NumberSequence,
    SendListItem,
    Status,
    Student,
    Termination,
    User,
)
from core.models.agreements import RESPONSE_LABELS
from core.rules import ACTIVE_STATUSES, Action, require, require_role
from core.selectors import STUDENT_NOT_REACHABLE, students_reachable_by
from core.services.confirmations import agreement_bound, confirmation_attach, confirmation_take, graduate_proof
from core.services.destinations import destination_clear_agreement, destination_from_agreement
from core.services.employers import require_verified_employer
from core.services.events import record_event
from core.services.stats_counters import agreement_metrics, count_agreement
from core.services.terms import clean_terms
from core.validators import validate_reason

# The code alphabet leaves out 0/O and 1/I/L so a code read off paper is typed back correctly.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _lock(agreement: Agreement | int, *, student: bool = False) -> Agreement:
    """The agreement read once, locked (and its student's row too with `student`, in the same statement)."""
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    of = ("self", "student") if student else ("self",)
    try:
        return (
            Agreement.objects.select_for_update(of=of)
            .select_related("school", "student", "employer", "current_terms")
            .get(pk=pk)
        )
    except Agreement.DoesNotExist:
        raise NotFound()


def _set_status(agreement: Agreement, status: Status, *extra_fields: str) -> str:
    """Set the status and keep the 统计 counters in step, in the caller's transaction."""
    old = agreement.status
    # `effective_at` may have just been set by _make_effective, but only on the way out of a review status, where
    # it does not change what the old status counted; an agreement that counts as effective keeps its date.
    before = agreement_metrics(old, agreement.effective_at)
    agreement.status = status
    agreement.save(update_fields=["status", "updated_at", *extra_fields])
    count_agreement(agreement, before=before)
    return old


def _first_review_status(agreement: Agreement) -> Status:
    school = agreement.school
    if school.college_review_enabled:
        return Status.COLLEGE_REVIEW
    if school.school_review_enabled:
        return Status.SCHOOL_REVIEW
    return Status.EFFECTIVE


def _add_terms(agreement: Agreement, terms: Mapping[str, Any], *, acting_user: User) -> AgreementTerms:
    version = (agreement.terms_versions.aggregate(v=Max("version"))["v"] or 0) + 1
    return AgreementTerms.objects.create(agreement=agreement, version=version, created_by=acting_user, **terms)


def _make_effective(agreement: Agreement) -> None:
    """Assign the 协议书编号 (once, never reused) and the public verification code."""
    school = agreement.school
    year = agreement.graduation_year
    NumberSequence.objects.get_or_create(school=school, graduation_year=year)
    sequence = NumberSequence.objects.select_for_update().get(school=school, graduation_year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    agreement.number = school.number_format.format(year=year, school_code=school.code, seq=sequence.last)
    agreement.verification_code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    agreement.effective_at = timezone.now()


def agreements_follow_students(student_ids: Iterable[int]) -> int:
    """Copy the students' 毕业年度, name and 院系 onto their agreements, set-based: the lists filter, sort and count
    on these copies (core.models.Agreement), so every service that changes a student calls this in its transaction."""
    student = Student.objects.filter(pk=OuterRef("student_id"))
    return Agreement.objects.filter(student_id__in=list(student_ids)).update(
        graduation_year=Subquery(student.values("graduation_year")[:1]),
        student_name=Subquery(student.values("name")[:1]),
        college_id=Subquery(student.values("college_id")[:1]),
    )


# --- 邀约 ---------------------------------------------------------------------------------------------


def agreements_invite(
    *,
    student_ids: list[int],
    terms: Mapping[str, Any],
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
    acting_user: User,
) -> list[Agreement]:
    """Send 邀约 to every student, all or nothing. `overrides` changes terms for single students."""
    employer = require_verified_employer(acting_user)
    if not employer.profile_complete:
        raise Conflict("请先完善签约信息", code="profile_incomplete")
    if not student_ids:
        raise InvalidInput("请选择要邀约的学生", errors={"student_ids": "请选择要邀约的学生"})
    if len(set(student_ids)) != len(student_ids):
        raise InvalidInput("学生重复", errors={"student_ids": "同一学生不能重复邀约"})
    overrides = overrides or {}
    base_terms = clean_terms(employer, dict(terms))
    per_student = {
        sid: clean_terms(employer, {**terms, **overrides[sid]}) if sid in overrides else base_terms
        for sid in student_ids
    }
    now = timezone.now()
    created: list[Agreement] = []
    try:
        with transaction.atomic():
            # One rule for the API and the pages: only students found by this employer's exact search, or on
            # its send list; any other id answers exactly as a nonexistent one (no id echoed, no other text).
            reachable = students_reachable_by(employer).select_related("school").filter(pk__in=student_ids)
            students = {s.pk: s for s in reachable}
            if any(sid not in students for sid in student_ids):
                raise NotFound(STUDENT_NOT_REACHABLE, errors={"student_ids": STUDENT_NOT_REACHABLE})
            busy = set(
                Agreement.objects.filter(student_id__in=student_ids, status__in=ACTIVE_STATUSES).values_list(
                    "student_id", flat=True
                )
            )
            open_ = set(
                Agreement.objects.filter(
                    student_id__in=student_ids, employer=employer, status=Status.INVITED
                ).values_list("student_id", flat=True)
            )
            for sid in student_ids:
                student = students[sid]
                if sid in busy:
                    raise Conflict(f"学生{student.name}已有签约中的协议，不能邀约", code="student_signed")
                if sid in open_:
                    raise Conflict(f"已向学生{student.name}发出邀约，请勿重复发送", code="invitation_open")
                agreement = Agreement.objects.create(
                    school=student.school,
                    college_id=student.college_id,
                    graduation_year=student.graduation_year,
                    student_name=student.name,
                    student=student,
                    employer=employer,
                    status=Status.INVITED,
                    invited_by=acting_user,
                    invited_at=now,
                    expires_at=now + datetime.timedelta(days=student.school.invitation_validity_days),
                )
                agreement.current_terms = _add_terms(agreement, per_student[sid], acting_user=acting_user)
                agreement.save(update_fields=["current_terms"])
                count_agreement(agreement, before=())
                record_event(agreement, "invite", actor=acting_user)
                created.append(agreement)
            SendListItem.objects.filter(employer=employer, student_id__in=student_ids).delete()
    except IntegrityError:
        # A concurrent send got there first; the constraint held, so nothing of this batch was written.
        raise Conflict("邀约冲突：该学生的邀约状态刚刚发生变化，请刷新后重试", code="invitation_open")
    return created


def agreement_modify(agreement: Agreement | int, *, terms: Mapping[str, Any], acting_user: User) -> Agreement:
    """协议书修改: a new terms version; a signed agreement goes back to the student for consent."""
    require_role(acting_user, Action.MODIFY)
    try:
        with transaction.atomic():
            agreement = _lock(agreement)
            require(agreement, acting_user, Action.MODIFY)
            employer = agreement.employer
            current = terms_as_dict(agreement.current_terms)
            cleaned = clean_terms(employer, {**current, **dict(terms)})
            if cleaned == current:
                raise InvalidInput("条款没有变化", errors={"terms": "修改后的条款与当前条款相同"})
            agreement.current_terms = _add_terms(agreement, cleaned, acting_user=acting_user)
            now = timezone.now()
            agreement.expires_at = now + datetime.timedelta(days=agreement.school.invitation_validity_days)
            old = _set_status(agreement, Status.INVITED, "current_terms", "expires_at")
            version = agreement.current_terms.version
            record_event(agreement, "modify", actor=acting_user, old_status=old, remark=f"条款第{version}版")
    except IntegrityError:
        raise Conflict("已有一份待应约的邀约发给该学生，请先处理", code="invitation_open")
    return agreement


def agreement_withdraw(agreement: Agreement | int, *, acting_user: User) -> Agreement:
    require_role(acting_user, Action.WITHDRAW)
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.WITHDRAW)
        old = _set_status(agreement, Status.WITHDRAWN)
        record_event(agreement, "paper_withdraw" if agreement.paper else "withdraw", actor=acting_user, old_status=old)
    return agreement


def agreement_accept(agreement: Agreement | int, *, acting_user: User, confirmation: str = "") -> Agreement:
    """同意: binds the graduate, so it spends their 本人确认 (`confirmation`, a `cfm_…` token for this agreement and
    its current terms version) and leaves it as the event's evidence."""
    require_role(acting_user, Action.ACCEPT)
    try:
        with transaction.atomic():
            # The student's row is locked with it, so concurrent accepts of one student queue here; the
            # conditional unique index is the backstop if anything slips past.
            agreement = _lock(agreement, student=True)
            require(agreement, acting_user, Action.ACCEPT)
            active = (
                Agreement.objects.filter(student_id=agreement.student_id, status__in=ACTIVE_STATUSES)
                .exclude(pk=agreement.pk)
                .order_by()
                .values_list("employer__name", "status")
                .first()
            )
            if active is not None:
                employer_name, status = active
                raise Conflict(
                    f"你已与{employer_name}签约（{RESPONSE_LABELS[Status(status)]}），须先办理解约才能接受新的邀约",
                    code="student_signed",
                )
            proof = confirmation_take(
                confirmation, user=acting_user, action=Action.ACCEPT, bound=agreement_bound(agreement, Action.ACCEPT)
            )
            status = _first_review_status(agreement)
            agreement.accepted_terms = agreement.current_terms
            agreement.signed_at = timezone.now()
            extra = ["accepted_terms", "signed_at"]
            if status == Status.EFFECTIVE:
                _make_effective(agreement)
                extra += ["number", "verification_code", "effective_at"]
            old = _set_status(agreement, status, *extra)
            confirmation_attach(proof, record_event(agreement, "accept", actor=acting_user, old_status=old))
            if status == Status.EFFECTIVE:
                destination_from_agreement(agreement, acting_user=acting_user)
    except IntegrityError:
        raise Conflict("你已有签约中的协议，须先办理解约才能接受新的邀约", code="student_signed")
    return agreement


def agreement_decline(agreement: Agreement | int, *, acting_user: User, remark: str = "") -> Agreement:
    require_role(acting_user, Action.DECLINE)
    remark = (remark or "").strip()
    if len(remark) > 200:
        raise InvalidInput("拒绝原因不能超过200个字", errors={"remark": "拒绝原因不能超过200个字"})
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.DECLINE)
        old = _set_status(agreement, Status.DECLINED)
        record_event(agreement, "decline", actor=acting_user, old_status=old, remark=remark)
    return agreement


def invitations_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire open invitations past the school's validity; run by `manage.py expire_invitations`."""
    now = now or timezone.now()
    count = 0
    for pk in Agreement.objects.filter(status=Status.INVITED, expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            agreement = _lock(pk)
            if agreement.status != Status.INVITED or agreement.expires_at > now:
                continue  # answered or modified meanwhile
            old = _set_status(agreement, Status.EXPIRED)
            record_event(agreement, "expire", actor=None, old_status=old)
        count += 1
    return count


# --- 签约审核 -------------------------------------------------------------------------------------------


def agreement_approve(agreement: Agreement | int, *, acting_user: User) -> Agreement:
    require_role(acting_user, Action.APPROVE)
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.APPROVE)
        level = Status(agreement.status)
        extra: list[str] = []
        if level == Status.COLLEGE_REVIEW and agreement.school.school_review_enabled:
            new = Status.SCHOOL_REVIEW
        elif agreement.paper:
            # The paper carries its own number; ours (and the verification code of a document we issue) is not given.
            new = Status.EFFECTIVE
            agreement.effective_at = timezone.now()
            extra = ["effective_at"]
        else:
            new = Status.EFFECTIVE
            _make_effective(agreement)
            extra = ["number", "verification_code", "effective_at"]
        old = _set_status(agreement, new, *extra)
        action = "college_approve" if level == Status.COLLEGE_REVIEW else "school_approve"
        record_event(agreement, action, actor=acting_user, old_status=old)
        if new == Status.EFFECTIVE:
            destination_from_agreement(agreement, acting_user=acting_user)
    return agreement


def agreement_return(agreement: Agreement | int, *, remark: str, acting_user: User) -> Agreement:
    require_role(acting_user, Action.RETURN)
    remark = validate_reason(remark or "", field="remark", label="退回原因")
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.RETURN)
        level = Status(agreement.status)
        old = _set_status(agreement, Status.RETURNED)
        action = "college_return" if level == Status.COLLEGE_REVIEW else "school_return"
        record_event(agreement, action, actor=acting_user, old_status=old, remark=remark)
    return agreement


def agreements_approve_batch(agreement_ids: list[int], *, acting_user: User) -> tuple[int, list[str]]:
    """批量通过: each agreement in its own transaction; returns (approved count, messages of the refused)."""
    approved, refused = 0, []
    for pk in agreement_ids:
        try:
            agreement_approve(pk, acting_user=acting_user)
            approved += 1
        except (Conflict, NotFound) as exc:
            refused.append(f"#{pk}：{exc.detail}")
    return approved, refused


# --- 解约 -----------------------------------------------------------------------------------------------


def _check_termination_limits(agreement: Agreement) -> None:
    school = agreement.school
    today = timezone.localdate()
    if school.termination_window_start and today < school.termination_window_start:
        raise Conflict(f"解约办理尚未开放（开放日期：{school.termination_window_start:%Y-%m-%d}）", code="window")
    if school.termination_window_end and today > school.termination_window_end:
        raise Conflict(f"解约办理已截止（截止日期：{school.termination_window_end:%Y-%m-%d}）", code="window")
    if school.max_terminations is not None:
        used = Agreement.objects.filter(student_id=agreement.student_id, status=Status.TERMINATED).count()
        if used >= school.max_terminations:
            raise Conflict(f"该生解约次数已达学校规定上限（{school.max_terminations}次）", code="termination_limit")


def termination_request(
    agreement: Agreement | int, *, reason: str, acting_user: User, confirmation: str = ""
) -> Agreement:
    """申请解约, by either party; the graduate's request binds them, so it spends their 本人确认 (`confirmation`)."""
    require_role(acting_user, Action.TERMINATION)
    reason = validate_reason(reason or "", field="reason", label="解约原因")
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.TERMINATION)
        _check_termination_limits(agreement)
        proof = graduate_proof(
            confirmation,
            user=acting_user,
            action=Action.TERMINATION,
            bound=lambda: agreement_bound(agreement, Action.TERMINATION),
        )
        termination = Termination.objects.create(
            agreement=agreement,
            requested_by=acting_user,
            requester_role=acting_user.role,
            reason=reason,
            previous_status=agreement.status,
        )
        if not agreement.paper:
            old = _set_status(agreement, Status.TERMINATION_REQUESTED)
            confirmation_attach(
                proof,
                record_event(agreement, "termination_request", actor=acting_user, old_status=old, remark=reason),
            )
        elif agreement.school.termination_review_enabled:
            # No employer in the system to answer: the student's 解约 of a paper agreement (with the employer's
            # consent on paper, e.g. a 解约函) goes to the school's review, or ends it when the school does not review.
            termination.state = Termination.State.REVIEW
            termination.save(update_fields=["state"])
            old = _set_status(agreement, Status.TERMINATION_REVIEW)
            confirmation_attach(
                proof,
                record_event(agreement, "termination_request", actor=acting_user, old_status=old, remark=reason),
            )
        else:
            termination.state = Termination.State.APPROVED
            termination.save(update_fields=["state"])
            agreement.terminated_at = timezone.now()
            old = _set_status(agreement, Status.TERMINATED, "terminated_at")
            confirmation_attach(
                proof,
                record_event(agreement, "termination_request", actor=acting_user, old_status=old, remark=reason),
            )
            destination_clear_agreement(agreement, acting_user=acting_user)
    return agreement


def _open_termination(agreement: Agreement, state: str) -> Termination:
    termination = agreement.terminations.select_for_update().filter(state=state).first()
    if termination is None:
        raise Conflict("没有待处理的解约申请", code="invalid_status")
    return termination


def termination_withdraw(agreement: Agreement | int, *, acting_user: User) -> Agreement:
    """A student may take back their own request before the employer answers; an employer may not."""
    require_role(acting_user, Action.TERMINATION_WITHDRAW)
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.TERMINATION_WITHDRAW)
        termination = _open_termination(agreement, Termination.State.PENDING)
        termination.state = Termination.State.WITHDRAWN
        termination.save(update_fields=["state"])
        old = _set_status(agreement, Status(termination.previous_status))
        record_event(agreement, "termination_withdraw", actor=acting_user, old_status=old)
    return agreement


def _answer_termination(
    agreement: Agreement | int, *, agree: bool, remark: str, acting_user: User, confirmation: str = ""
) -> Agreement:
    require_role(acting_user, Action.TERMINATION_ACCEPT)
    remark = (remark or "").strip()
    if not agree:
        remark = validate_reason(remark, field="remark", label="拒绝理由")
    elif len(remark) > 200:
        raise InvalidInput("备注不能超过200个字", errors={"remark": "备注不能超过200个字"})
    with transaction.atomic():
        agreement = _lock(agreement)
        action = Action.TERMINATION_ACCEPT if agree else Action.TERMINATION_DECLINE
        require(agreement, acting_user, action)
        termination = _open_termination(agreement, Termination.State.PENDING)
        proof = graduate_proof(
            confirmation, user=acting_user, action=action, bound=lambda: agreement_bound(agreement, action)
        )
        termination.response_remark = remark
        termination.responded_at = timezone.now()
        extra: list[str] = []
        if not agree:
            termination.state = Termination.State.DECLINED
            new, event = Status(termination.previous_status), "termination_decline"
        elif agreement.school.termination_review_enabled:
            termination.state = Termination.State.REVIEW
            new, event = Status.TERMINATION_REVIEW, "termination_accept"
        else:
            termination.state = Termination.State.APPROVED
            new, event = Status.TERMINATED, "termination_accept"
            agreement.terminated_at = timezone.now()
            extra = ["terminated_at"]
        termination.save(update_fields=["state", "response_remark", "responded_at"])
        old = _set_status(agreement, new, *extra)
        confirmation_attach(proof, record_event(agreement, event, actor=acting_user, old_status=old, remark=remark))
        if new == Status.TERMINATED:
            destination_clear_agreement(agreement, acting_user=acting_user)
    return agreement


def termination_accept(
    agreement: Agreement | int, *, acting_user: User, remark: str = "", confirmation: str = ""
) -> Agreement:
    """The other party agrees to a 解约; the graduate's answer spends their 本人确认 (`confirmation`)."""
    return _answer_termination(agreement, agree=True, remark=remark, acting_user=acting_user, confirmation=confirmation)


def termination_decline(
    agreement: Agreement | int, *, remark: str, acting_user: User, confirmation: str = ""
) -> Agreement:
    """The other party refuses a 解约; the graduate's answer spends their 本人确认 (`confirmation`)."""
    return _answer_termination(
        agreement, agree=False, remark=remark, acting_user=acting_user, confirmation=confirmation
    )


def _review_termination(agreement: Agreement | int, *, approve: bool, remark: str, acting_user: User) -> Agreement:
    require_role(acting_user, Action.TERMINATION_APPROVE)
    remark = (remark or "").strip()
    if not approve:
        remark = validate_reason(remark, field="remark", label="退回原因")
    with transaction.atomic():
        agreement = _lock(agreement)
        require(agreement, acting_user, Action.TERMINATION_APPROVE if approve else Action.TERMINATION_RETURN)
        termination = _open_termination(agreement, Termination.State.REVIEW)
        termination.review_remark = remark
        termination.reviewed_at = timezone.now()
        extra: list[str] = []
        if approve:
            termination.state = Termination.State.APPROVED
            new, action = Status.TERMINATED, "termination_approve"
            agreement.terminated_at = timezone.now()
            extra = ["terminated_at"]
        else:
            termination.state = Termination.State.RETURNED
            new, action = Status(termination.previous_status), "termination_return"
        termination.save(update_fields=["state", "review_remark", "reviewed_at"])
        old = _set_status(agreement, new, *extra)
        record_event(agreement, action, actor=acting_user, old_status=old, remark=remark)
        if new == Status.TERMINATED:
            destination_clear_agreement(agreement, acting_user=acting_user)
    return agreement


def termination_approve(agreement: Agreement | int, *, acting_user: User, remark: str = "") -> Agreement:
    return _review_termination(agreement, approve=True, remark=remark, acting_user=acting_user)


def termination_return(agreement: Agreement | int, *, remark: str, acting_user: User) -> Agreement:
    return _review_termination(agreement, approve=False, remark=remark, acting_user=acting_user)


def terms_as_dict(terms: AgreementTerms | None) -> dict[str, Any]:
    if terms is None:
        return {}
    return {field: getattr(terms, field) for field in TERMS_FIELDS}
