"""学校设置 · 数据推送: the school admin's webhook endpoints, their secret, and the delivery log with 重新推送."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from school.access import school_admin_required
from school.views.common import page
from web.actions import Refusal, attempt, settle
from web.request import AuthenticatedRequest
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint
from webhooks.selectors import deliveries_of, delivery_for, endpoint_for, endpoints_of

DELIVERY_STATES = dict(Delivery.State.choices)
SECRET_SESSION_KEY = "webhook_secret_once"


def _show_secret_once(request: AuthenticatedRequest, endpoint: Endpoint) -> None:
    """The secret is shown on the next page view only (SPEC §6: shown once); after that it can only be replaced."""
    request.session[SECRET_SESSION_KEY] = {str(endpoint.pk): endpoint.secret}


def _crumbs(*more: tuple[str, str]) -> list[tuple[str, str]]:
    return [("学校设置", reverse("school:settings")), ("数据推送", reverse("school:webhooks")), *more]


def _typed(post: Any) -> dict[str, Any]:
    return {
        "url": post.get("url", ""),
        "description": post.get("description", ""),
        "events": post.getlist("events"),
        "active": post.get("active") == "on",
    }


@require_http_methods(["GET", "POST"])
@school_admin_required
def webhooks(request: AuthenticatedRequest) -> HttpResponse:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {"url": "", "description": "", "events": list(EVENT_TYPES), "active": True}
    if request.method == "POST":
        values = _typed(request.POST)
        endpoint = attempt(services.endpoint_create, acting_user=request.user, **values)
        if isinstance(endpoint, Refusal):
            errors = endpoint.field_errors("all")
        else:
            messages.success(request, "推送地址已登记。请把签名密钥配置到接收方，用于校验每条推送的签名")
            _show_secret_once(request, endpoint)
            return redirect("school:webhook", pk=endpoint.pk)
    context = {
        "endpoints": endpoints_of(request.user),
        "event_types": EVENT_TYPES,
        "values": values,
        "errors": errors,
    }
    return page(
        request,
        "school/webhooks.html",
        context,
        menu="settings",
        crumbs=[("学校设置", reverse("school:settings")), ("数据推送", "")],
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def webhook(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    endpoint = endpoint_for(request.user, pk)
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "active": endpoint.active,
    }
    if request.method == "POST":
        values = _typed(request.POST)
        outcome = attempt(services.endpoint_update, endpoint, acting_user=request.user, **values)
        if isinstance(outcome, Refusal):
            errors = outcome.field_errors("all")
            endpoint.refresh_from_db()
        else:
            messages.success(request, "推送地址已保存")
            return redirect("school:webhook", pk=endpoint.pk)
    state = request.GET.get("state", "")
    state = state if state in DELIVERY_STATES else ""
    deliveries = Paginator(deliveries_of(endpoint, state=state), 20).get_page(request.GET.get("page"))
    for delivery in deliveries.object_list:
        delivery.event_label = EVENT_TYPES.get(delivery.event_type, "测试消息")  # type: ignore[attr-defined]
    context = {
        "endpoint": endpoint,
        "secret": request.session.pop(SECRET_SESSION_KEY, {}).get(str(endpoint.pk), ""),
        "event_types": EVENT_TYPES,
        "values": values,
        "errors": errors,
        "deliveries": deliveries,
        "state": state,
        "states": DELIVERY_STATES,
        "query": f"state={state}" if state else "",
    }
    return page(
        request,
        "school/webhook.html",
        context,
        menu="settings",
        crumbs=_crumbs((endpoint.url, "")),
        status=400 if errors else 200,
    )


@require_POST
@school_admin_required
def webhook_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    endpoint = endpoint_for(request.user, pk)
    if action == "rotate":
        services.endpoint_rotate_secret(endpoint, acting_user=request.user)
        messages.success(request, "签名密钥已更换，此后的推送用新密钥签名；请同步修改接收方的配置")
        _show_secret_once(request, endpoint)
    elif action == "test":
        outcome = attempt(services.endpoint_send_test, endpoint, acting_user=request.user)
        done = "测试消息已排队推送，结果见下方推送记录"
        return settle(request, outcome, done=done, then=reverse("school:webhook", args=[endpoint.pk]))
    elif action == "delete":
        services.endpoint_delete(endpoint, acting_user=request.user)
        messages.success(request, "推送地址已删除")
        return redirect("school:webhooks")
    return redirect("school:webhook", pk=endpoint.pk)


@require_http_methods(["GET", "POST"])
@school_admin_required
def webhook_delivery(request: AuthenticatedRequest, pk: int, delivery_pk: int) -> HttpResponse:
    endpoint = endpoint_for(request.user, pk)
    delivery = delivery_for(endpoint, delivery_pk)
    if request.method == "POST":
        services.redeliver(delivery, acting_user=request.user)
        messages.success(request, "已重新排队推送（同一 webhook-id 与内容）")
        return redirect("school:webhook_delivery", pk=endpoint.pk, delivery_pk=delivery.pk)
    context = {
        "endpoint": endpoint,
        "delivery": delivery,
        "event_label": EVENT_TYPES.get(delivery.event_type, "测试消息"),
        "attempts": delivery.attempt_log.all()[:50],
        "body": _pretty(delivery.body),
    }
    return page(
        request,
        "school/webhook_delivery.html",
        context,
        menu="settings",
        crumbs=_crumbs((endpoint.url, reverse("school:webhook", args=[endpoint.pk])), ("推送详情", "")),
    )


def _pretty(body: str) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except ValueError:
        return body
