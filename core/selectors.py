"""Scoped reads. Every view and endpoint fetches through these, so what is not yours answers 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.models import Agreement, Employer, Role, SearchHit, SendListItem, Student, Termination, User
from core.rules import TABS


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    qs = Agreement.objects.all()
    if user.role == Role.EMPLOYER and user.employer_id is not None:
        return qs.filter(employer_id=user.employer_id)
    if user.role == Role.STUDENT:
        return qs.filter(student__user_id=user.pk)
    if user.role == Role.COLLEGE_ADMIN and user.school_id is not None and user.college_id is not None:
        return qs.filter(school_id=user.school_id, college_id=user.college_id)
    if user.role == Role.SCHOOL_ADMIN and user.school_id is not None:
        return qs.filter(school_id=user.school_id)
    return qs.none()


def with_list_relations(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Everything a list row shows, in a constant number of queries."""
    return qs.select_related(
        "school", "student", "student__school", "student__major", "student__college", "employer", "current_terms"
    ).prefetch_related(
        Prefetch(
            "terminations",
            queryset=Termination.objects.filter(state__in=Termination.OPEN_STATES),
            to_attr="_open_terminations",
        )
    )


def attach_open_termination(agreements: list[Agreement]) -> list[Agreement]:
    for agreement in agreements:
        opens = getattr(agreement, "_open_terminations", None)
        agreement._open_termination = opens[0] if opens else None  # type: ignore[attr-defined]
    return agreements


def get_agreement_for_user(user: User, agreement_id: int | str) -> Agreement:
    try:
        pk = int(agreement_id)
    except (TypeError, ValueError):
        raise NotFound()
    agreement = with_list_relations(agreements_visible_to(user)).filter(pk=pk).first()
    if agreement is None:
        raise NotFound()
    attach_open_termination([agreement])
    return agreement


@dataclass(frozen=True)
class AgreementFilters:
    tab: str = "all"
    status: str = ""
    school_id: int | None = None
    graduation_year: int | None = None
    name: str = ""
    id_number: str = ""
    major: str = ""
    college_id: int | None = None
    employer_name: str = ""
    nature: str = ""
    invited_from: datetime.date | None = None
    invited_to: datetime.date | None = None


def filter_agreements(qs: QuerySet[Agreement], f: AgreementFilters) -> QuerySet[Agreement]:
    statuses = TABS.get(f.tab, TABS["all"])[1]
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.graduation_year:
        qs = qs.filter(student__graduation_year=f.graduation_year)
    if f.name:
        qs = qs.filter(student__name__contains=f.name.strip())
    if f.id_number:
        qs = qs.filter(student__id_number=f.id_number.strip().upper())
    if f.major:
        qs = qs.filter(student__major__name__contains=f.major.strip())
    if f.college_id:
        qs = qs.filter(college_id=f.college_id)
    if f.employer_name:
        qs = qs.filter(employer__name__contains=f.employer_name.strip())
    if f.nature:
        qs = qs.filter(employer__nature=f.nature)
    if f.invited_from:
        qs = qs.filter(invited_at__date__gte=f.invited_from)
    if f.invited_to:
        qs = qs.filter(invited_at__date__lte=f.invited_to)
    return qs


def students_search(*, graduation_year: int, name: str, id_number: str = "", phone: str = "") -> QuerySet[Student]:
    """Exact search, never browsing: year + name + (phone or ID number) must all match."""
    if not (graduation_year and name.strip() and (id_number.strip() or phone.strip())):
        return Student.objects.none()
    qs = Student.objects.filter(graduation_year=graduation_year, name=name.strip())
    if id_number.strip():
        qs = qs.filter(id_number=id_number.strip().upper())
    if phone.strip():
        qs = qs.filter(phone=phone.strip())
    return qs.select_related("school", "college", "major")


# The one answer for a student id an employer may not reach: the same for an existing student it never found
# as for an id that does not exist, so the answer tells nothing about the roster.
STUDENT_NOT_REACHABLE = "学生不存在，请先通过签约邀请搜索找到该生"


def students_reachable_by(employer: Employer | int) -> QuerySet[Student]:
    """The students an employer may add to its 签约发送列表 or invite: those on the list, and those its exact
    search (or 导入拟签约名单) found within WANGQIAN_SEARCH_VALID_DAYS. Ids are sequential across schools,
    so every other id must answer 404 exactly as a nonexistent one (SPEC §6)."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    since = timezone.now() - datetime.timedelta(days=settings.WANGQIAN_SEARCH_VALID_DAYS)
    found = SearchHit.objects.filter(employer_id=employer_id, created_at__gte=since).values("student_id")
    listed = SendListItem.objects.filter(employer_id=employer_id).values("student_id")
    return Student.objects.filter(Q(pk__in=found) | Q(pk__in=listed))


def student_for_user(user: User) -> Student:
    student = Student.objects.select_related("school", "college", "major").filter(user_id=user.pk).first()
    if student is None:
        raise NotFound("未找到你的生源信息")
    return student
