"""Who may use the student portal, and the one way its views fetch and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import selectors
from core.errors import NotFound
from core.models import Agreement, Role, User
from core.selectors import get_agreement_for_user
from web.access import role_required

View = Callable[..., HttpResponse]


# Anonymous visitors go to the login page; other roles may never use these pages (403).
student_required = role_required((Role.STUDENT,), "只有学生可以使用此页面")


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def own_agreement(request: HttpRequest, pk: int) -> Agreement:
    """The student's own agreement; anybody else's answers 404."""
    try:
        return get_agreement_for_user(current_user(request), pk)
    except NotFound:
        raise Http404("协议书不存在")


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, nav: str, status: int = 200
) -> HttpResponse:
    """Every student page: the menu's active item and the unread 消息 count."""
    context = {"nav": nav, "unread_count": selectors.unread_count(current_user(request)), **context}
    return render(request, template, context, status=status)
