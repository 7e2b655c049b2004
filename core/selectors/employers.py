"""Reads of employers for the school's 单位资质审核: the lists by verification status and the signing activity
of each employer with the admin's school."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from core.errors import NotFound
from core.models import Agreement, Employer, Status, User
from core.rules import SIGNING_STATUSES, effective_q


def employers_by_verification(status: str = "", *, q: str = "") -> QuerySet[Employer]:
    """Employers in one verification status (all when blank), found by part of the name or the exact 信用代码.
    Employers are platform-wide: every school admin verifies from the same list."""
    qs = Employer.objects.all()
    if status:
        qs = qs.filter(verification_status=status)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()))
    return qs


def pending_employers_count() -> int:
    return Employer.objects.filter(verification_status=Employer.Verification.PENDING).count()


def with_activity(qs: QuerySet[Employer], school_id: int) -> QuerySet[Employer]:
    """Counts of the employer's agreements with this school, by stage, in the same query."""
    here = Q(agreements__school_id=school_id)

    def count(*statuses: str) -> Count:
        return Count("agreements", filter=here & Q(agreements__status__in=statuses))

    return qs.annotate(
        n_total=Count("agreements", filter=here),
        n_invited=count(Status.INVITED),
        n_signing=count(*SIGNING_STATUSES),
        n_effective=Count("agreements", filter=here & effective_q("agreements__")),
        n_terminated=count(Status.TERMINATED),
    )


def get_employer_for_admin(user: User, employer_id: int) -> Employer:
    """One employer with its activity at the admin's school."""
    if user.school_id is None:
        raise NotFound()
    employer = with_activity(Employer.objects.filter(pk=employer_id), user.school_id).select_related("verified_by")
    found = employer.first()
    if found is None:
        raise NotFound()
    return found


def recent_agreements_with(employer: Employer, school_id: int, *, limit: int = 20) -> list[Agreement]:
    return list(
        employer.agreements.filter(school_id=school_id)
        .select_related("student", "student__major", "college")
        .order_by("-invited_at", "-id")[:limit]
    )
