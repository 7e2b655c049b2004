"""消息 and 个人信息."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from core.errors import NotFound
from core.selectors import notifications_of, student_for_user
from core.services.events import notifications_mark_read
from student.access import page, student_required
from student.presenters import notice_text
from web.request import AuthenticatedRequest

MESSAGES_PER_PAGE = 20


@require_GET
@student_required
def message_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every event that concerns the student, newest first; the ones shown are marked read once opened."""
    user = request.user
    shown = Paginator(notifications_of(user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {"notification": n, "event": n.event, "text": notice_text(n.event), "unread": n.read_at is None}
        for n in shown.object_list
    ]
    unread_ids = [item["notification"].pk for item in items if item["unread"]]  # type: ignore[union-attr]
    notifications_mark_read(unread_ids, acting_user=user)
    context = {"items": items, "page": shown, "query": ""}
    return page(request, "student/messages.html", context, menu="messages")


@require_GET
@student_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """个人信息: the roster data, read-only; the school corrects mistakes."""
    try:
        student = student_for_user(request.user)
    except NotFound:
        raise Http404("未找到你的生源信息")
    return page(request, "student/profile.html", {"student": student}, menu="profile")
