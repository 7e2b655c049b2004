"""Reads of a user's 消息."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import Notification, User


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related(
        "event", "event__agreement", "event__agreement__employer"
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
