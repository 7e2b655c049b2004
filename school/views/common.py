"""What every school-portal page shares: the left menu with its to-do counts, the 我的位置 breadcrumb."""

from __future__ import annotations

from typing import Any

from core.models import Role, User
from core.selectors import (
    destination_queue_count,
    destination_unread_count,
    pending_employers_count,
    review_queue_counts,
)
from web.pages import Portal
from web.request import AuthenticatedRequest


def todo_counts(user: User) -> dict[str, int]:
    """The menu's badges: what waits for this admin."""
    counts = review_queue_counts(user)
    counts["destinations"] = destination_queue_count(user)
    counts["messages"] = destination_unread_count(user)
    if user.role == Role.SCHOOL_ADMIN:
        counts["employers"] = pending_employers_count(user.school_id)
    return counts


def _chrome(request: AuthenticatedRequest) -> dict[str, Any]:
    user = request.user
    return {
        "is_school_admin": user.role == Role.SCHOOL_ADMIN,
        "todo": todo_counts(user),
        "portal_title": "学校管理中心" if user.role == Role.SCHOOL_ADMIN else "学院管理中心",
    }


portal = Portal(chrome=_chrome, confirm_page="school/confirm_step.html")
page = portal.page
