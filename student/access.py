"""Who may use the student portal, and the one way its views fetch and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse

from core import selectors
from core.errors import NotFound
from core.models import Agreement, Role
from core.selectors import get_agreement_for_user
from web.access import role_required
from web.pages import Portal
from web.request import AuthenticatedRequest

View = Callable[..., HttpResponse]


# Anonymous visitors go to the login page; other roles may never use these pages (403).
student_required = role_required((Role.STUDENT,), "只有学生可以使用此页面")


def own_agreement(request: AuthenticatedRequest, pk: int) -> Agreement:
    """The student's own agreement; anybody else's answers 404."""
    try:
        return get_agreement_for_user(request.user, pk)
    except NotFound:
        raise Http404("协议书不存在")


def _chrome(request: AuthenticatedRequest) -> dict[str, Any]:
    return {"unread_count": selectors.inbox_unread_count(request.user)}


# Every student page shows the unread 消息 count in its menu.
portal = Portal(chrome=_chrome, confirm_page="student/confirm_step.html")
page = portal.page
