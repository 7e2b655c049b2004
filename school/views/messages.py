"""消息 of the school's side: the 去向 events the catalogue tells it of (a graduate's 异议), newest first, with their
read state; opening one reads it and goes to the 去向; 全部标为已读."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from core.catalogue import destination_message_text
from core.selectors import destination_notifications_of, get_destination_notification_for_user
from core.services.events import destination_notifications_mark_all_read, destination_notifications_mark_read
from school.access import admin_required
from school.views.common import page
from web.request import AuthenticatedRequest

MESSAGES_PER_PAGE = 20


@require_GET
@admin_required
def message_list(request: AuthenticatedRequest) -> HttpResponse:
    shown = Paginator(destination_notifications_of(request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {"notification": n, "event": n.event, "text": destination_message_text(n.event), "unread": n.read_at is None}
        for n in shown.object_list
    ]
    context = {"items": items, "page": shown, "query": ""}
    return page(request, "school/messages.html", context, menu="messages", crumbs=[("消息", "")])


@require_GET
@admin_required
def message_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A 消息 of this account (404 otherwise): read now, then its 去向."""
    notification = get_destination_notification_for_user(request.user, pk)
    destination_notifications_mark_read([notification.pk], acting_user=request.user)
    return redirect("school:destination", pk=notification.event.destination_id)


@require_POST
@admin_required
def message_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = destination_notifications_mark_all_read(acting_user=request.user)
    messages.success(request, f"已将{count}条消息标为已读" if count else "没有未读消息")
    return redirect("school:messages")
