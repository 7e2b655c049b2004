"""Reads of an employer's 签约发送列表 and of the students it may reach."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.models import Agreement, Employer, SearchHit, SendListItem, Student
from core.rules import ACTIVE_STATUSES

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


def send_list_items(employer: Employer | int, *, student_ids: Iterable[int] | None = None) -> QuerySet[SendListItem]:
    """The list in the order students were added, with what a row shows; only `student_ids` when given."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    qs = SendListItem.objects.filter(employer_id=employer_id)
    if student_ids is not None:
        qs = qs.filter(student_id__in=list(student_ids))
    return qs.select_related("student", "student__school", "student__college", "student__major")


def listed_student_ids(employer: Employer | int, students: Iterable[Student]) -> set[int]:
    """Which of `students` are already on the employer's list."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    ids = [s.pk for s in students]
    return set(
        SendListItem.objects.filter(employer_id=employer_id, student_id__in=ids).values_list("student_id", flat=True)
    )


def signed_elsewhere_ids(employer: Employer | int, students: Iterable[Student]) -> set[int]:
    """Which of `students` already hold an agreement with another employer that keeps them from accepting a new
    one (signed, in review, effective or being terminated). The search says so before 加入, never with whom."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    return set(
        Agreement.objects.filter(student_id__in=[s.pk for s in students], status__in=ACTIVE_STATUSES)
        .exclude(employer_id=employer_id)
        .values_list("student_id", flat=True)
    )
