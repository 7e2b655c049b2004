"""Reads of a user's 消息, and what waits on an employer (the counts on its menu)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from core.models import Notification, Status, User
from core.selectors.agreements import agreements_visible_to, asked_by_student

# 应约 answers an employer has not yet looked at count as waiting on it in 单位签约中心.
ANSWER_ACTIONS = ("accept", "decline")


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related(
        "event",
        "event__agreement",
        "event__agreement__employer",
        "event__agreement__student",
        "event__agreement__school",
    )


def get_notification_for_user(user: User, notification_id: int) -> Notification:
    notification = notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def employer_todo_counts(user: User) -> dict[str, int]:
    """What waits on the employer: 解约 requests of students to answer (解约办理), and in 单位签约中心 the
    agreements the school returned plus the students' answers to 邀约 this account has not yet read."""
    mine = agreements_visible_to(user)
    answers = Notification.objects.filter(
        recipient=user, read_at__isnull=True, event__action__in=ANSWER_ACTIONS
    ).count()
    return {
        "terminations": asked_by_student(mine).count(),
        "agreements": mine.filter(status=Status.RETURNED).count() + answers,
    }
