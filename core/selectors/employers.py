"""Reads of employers for the school's 单位资质审核: the lists by verification status and the signing activity
of each employer with the admin's school."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from core.errors import NotFound
from core.models import Agreement, Employer, RetiredLicence, Role, School, Status, User
from core.rules import SIGNING_STATUSES, effective_q


def employers_by_verification(
    status: str = "", *, q: str = "", verifier_school_id: int | None = None
) -> QuerySet[Employer]:
    """Employers in one verification status (all when blank), found by part of the name (or the name a pending
    claim registered under) or the exact 信用代码. Employers are platform-wide; with `verifier_school_id`, only those
    that school may verify (`employer_verifiable_by`)."""
    qs = Employer.objects.all()
    if status:
        qs = qs.filter(verification_status=status)
    if verifier_school_id is not None:
        related = Agreement.objects.filter(employer_id=OuterRef("pk"))
        qs = qs.filter(~Exists(related) | Exists(related.filter(school_id=verifier_school_id)))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(claimed_name__contains=q) | Q(credit_code=q.upper()))
    return qs


def employer_verifiable_by(user: User, employer: Employer) -> bool:
    """Whether this school admin verifies the employer (单位资质审核): a registration that relates to no school yet,
    any school's; one named on agreements (a claim of the 未注册 row of students' paper agreements), only the
    schools of those students, who know the paper and its scan (issue 19 item 6(c))."""
    if user.school_id is None:
        return False
    related = Agreement.objects.filter(employer_id=employer.pk)
    return not related.exists() or related.filter(school_id=user.school_id).exists()


def employer_holding_credit_code(credit_code: str) -> Employer | None:
    """The one employer holding this 统一社会信用代码: registered, pending or 未注册; a rejected registration holds
    none (the real company may register with it)."""
    return (
        Employer.objects.filter(credit_code=credit_code)
        .exclude(verification_status=Employer.Verification.REJECTED)
        .first()
    )


def rejected_registrations(employer: Employer) -> QuerySet[Employer]:
    """Earlier registrations with the same 统一社会信用代码 that a school rejected (单位资质审核 shows them)."""
    return (
        Employer.objects.filter(credit_code=employer.credit_code, verification_status=Employer.Verification.REJECTED)
        .exclude(pk=employer.pk)
        .select_related("verified_by")
        .order_by("-verified_at", "-pk")
    )


def pending_employers_count(school_id: int | None = None) -> int:
    """The menu's count of registrations waiting for 单位资质审核 (those the school verifies, when given)."""
    return employers_by_verification(Employer.Verification.PENDING, verifier_school_id=school_id).count()


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


def get_employer_for_province(user: User, employer_id: int) -> Employer:
    """An employer the province admin's schools deal with: named on an agreement of one of them (online or paper),
    or whose 资质审核 one of their admins decided. Its 营业执照, current and replaced, is evidence the province reads
    (SPEC §11); any other employer, another province's, answers NotFound."""
    if user.role != Role.PROVINCE_ADMIN or user.province_id is None:
        raise NotFound()
    schools = School.objects.filter(provinces=user.province_id).values("pk")
    on_agreement = Agreement.objects.filter(employer_id=OuterRef("pk"), school_id__in=schools)
    found = (
        Employer.objects.filter(pk=employer_id)
        .filter(Q(Exists(on_agreement)) | Q(verified_by__school_id__in=schools))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def recent_agreements_with(employer: Employer, school_id: int, *, limit: int = 20) -> list[Agreement]:
    return list(
        employer.agreements.filter(school_id=school_id)
        .select_related("student", "student__major", "college")
        .order_by("-invited_at", "-id")[:limit]
    )


def retired_licences_of(employer: Employer) -> list[RetiredLicence]:
    """The 营业执照 scans this employer replaced while waiting for 资质审核, newest first: 佐证材料 kept
    EVIDENCE_RETENTION_YEARS, shown under the current scan (the caller has checked the viewer sees the employer)."""
    return list(RetiredLicence.objects.filter(employer=employer).order_by("-retired_at", "-pk"))
