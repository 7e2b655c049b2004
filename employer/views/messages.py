"""消息: what happened to the employer's agreements, newest first, with their read state; opening one reads it and
goes to the agreement; 全部标为已读."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from core.catalogue import Party, message_text
from core.selectors import get_notification_for_user, notifications_of
from core.services.events import notifications_mark_all_read, notifications_mark_read
from employer.access import employer_required
from employer.views.common import page
from web.request import AuthenticatedRequest

MESSAGES_PER_PAGE = 20


@require_GET
@employer_required
def message_list(request: AuthenticatedRequest) -> HttpResponse:
    shown = Paginator(notifications_of(request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {
            "notification": n,
            "event": n.event,
            "text": message_text(n.event, Party.EMPLOYER),
            "unread": n.read_at is None,
        }
        for n in shown.object_list
    ]
    return page(
        request,
        "employer/messages.html",
        {"items": items, "page": shown, "query": ""},
        menu="messages",
        crumbs=[("消息", "")],
    )


@require_GET
@employer_required
def message_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A 消息 of this account (404 otherwise): read now, then its agreement."""
    notification = get_notification_for_user(request.user, pk)
    notifications_mark_read([notification.pk], acting_user=request.user)
    return redirect("employer:agreement_detail", pk=notification.event.agreement_id)


@require_POST
@employer_required
def message_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications_mark_all_read(acting_user=request.user)
    messages.success(request, f"已将{count}条消息标为已读" if count else "没有未读消息")
    return redirect("employer:messages")
