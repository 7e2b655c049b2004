"""Reads about accounts: the failed logins (django-axes' log) of a school's accounts."""

from __future__ import annotations

from axes.models import AccessFailureLog
from django.db.models import Q, QuerySet

from core.models import User


def failed_logins_of_school(school_id: int) -> QuerySet[AccessFailureLog]:
    """Failures on the school's students and admins, newest first (per account, axes keeps a bounded number)."""
    usernames = User.objects.filter(Q(school_id=school_id) | Q(student__school_id=school_id)).values("username")
    return AccessFailureLog.objects.filter(username__in=usernames).order_by("-attempt_time", "-id")


def display_names(usernames: list[str]) -> dict[str, str]:
    return dict(User.objects.filter(username__in=usernames).values_list("username", "display_name"))
