"""消息 and 个人信息."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.catalogue import Party, destination_message_text, message_text
from core.errors import InvalidInput, NotFound
from core.models import AgreementEvent, DestinationEvent, DestinationNotification, Notification
from core.selectors import inbox_of, inbox_page, student_for_user
from core.selectors.ledger import student_record_proof
from core.selectors.record import student_record
from core.services.events import destination_notifications_mark_read, notifications_mark_read
from student.access import page, student_required
from web.downloads import download
from web.request import AuthenticatedRequest

MESSAGES_PER_PAGE = 20


@require_GET
@student_required
def message_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every event that concerns the student, of their agreements and of their 毕业去向 (one the school entered for
    them to confirm), newest first; the ones shown are marked read once opened."""
    user = request.user
    shown = Paginator(inbox_of(user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    items = [_message_item(n) for n in inbox_page(user, list(shown.object_list))]
    unread = [item["notification"] for item in items if item["unread"]]
    notifications_mark_read([n.pk for n in unread if isinstance(n, Notification)], acting_user=user)
    destination_notifications_mark_read(
        [n.pk for n in unread if isinstance(n, DestinationNotification)], acting_user=user
    )
    context = {"items": items, "page": shown, "query": ""}
    return page(request, "student/messages.html", context, menu="messages")


def _message_item(notification: Notification | DestinationNotification) -> dict[str, Any]:
    """One 消息 as the page lists it: its sentence, where it leads, the school whose clock dates it."""
    if isinstance(notification, Notification):
        event: AgreementEvent | DestinationEvent = notification.event
        text = message_text(notification.event, Party.STUDENT)
        link = reverse("student:agreement_detail", args=[notification.event.agreement_id])
        school = notification.event.agreement.school
    else:
        event = notification.event
        text = destination_message_text(notification.event, Party.STUDENT)
        link = reverse("student:destination")
        school = notification.event.destination.school
    return {
        "notification": notification,
        "event": event,
        "text": text,
        "link": link,
        "school": school,
        "unread": notification.read_at is None,
    }


@require_GET
@student_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """个人信息: the roster data, read-only; the school corrects mistakes."""
    try:
        student = student_for_user(request.user)
    except NotFound:
        raise Http404("未找到你的生源信息")
    return page(request, "student/profile.html", {"student": student}, menu="profile")


@require_GET
@student_required
def record_proof(request: AuthenticatedRequest) -> HttpResponse:
    """我的记录证明: the student's own agreements and 去向 with the hash chain proof of each event (JSON)."""
    try:
        student = student_for_user(request.user)
    except NotFound:
        raise Http404("未找到你的生源信息")
    try:
        proof = student_record_proof(student)
    except InvalidInput as exc:
        messages.error(request, exc.detail)
        return redirect("student:profile")
    body = json.dumps(proof, ensure_ascii=False, indent=1).encode()
    return download(body, f"记录证明-{student.student_no}.json", "application/json")


@require_GET
@student_required
def record(request: AuthenticatedRequest) -> HttpResponse:
    """我的档案: every agreement and 去向 on record for the student, who entered each and when (issue 21 item 4)."""
    try:
        student = student_for_user(request.user)
    except NotFound:
        raise Http404("未找到你的生源信息")
    return page(request, "student/record.html", {"record": student_record(student)}, menu="profile")
