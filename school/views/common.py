"""What every school-portal page shares: the left menu with its to-do counts, the 我的位置 breadcrumb."""

from __future__ import annotations

from typing import Any

from core.models import Role
from core.selectors import admin_todo_counts
from web.pages import Portal
from web.request import AuthenticatedRequest


def _chrome(request: AuthenticatedRequest) -> dict[str, Any]:
    user = request.user
    return {
        "is_school_admin": user.role == Role.SCHOOL_ADMIN,
        "todo": admin_todo_counts(user),
        "portal_title": "学校管理中心" if user.role == Role.SCHOOL_ADMIN else "学院管理中心",
    }


portal = Portal(chrome=_chrome, confirm_page="school/confirm_step.html")
page = portal.page
