"""/api/v1/school/webhooks: a school admin's endpoints for its agreement events and their delivery log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api.schemas import (
    CodeRow,
    DetailOut,
    WebhookDeliveryOut,
    WebhookDeliveryPage,
    WebhookEndpointOut,
    WebhookEndpointsOut,
    responses,
)
from core.errors import Forbidden
from core.inputs import Id
from core.models import Role, User
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint
from webhooks.selectors import deliveries_of, delivery_for, endpoint_for, endpoints_of

router = Router(tags=["webhooks"])

PAGE_SIZE = 20


def _school_admin(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role != Role.SCHOOL_ADMIN:
        raise Forbidden("仅学校管理员可用", code="forbidden_role")
    return user


class EndpointIn(Schema):
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=lambda: list(EVENT_TYPES), max_length=50)
    description: str = Field("", max_length=1000)
    active: bool = True


class EndpointPatch(Schema):
    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=1000)
    active: bool | None = None
    rotate_secret: bool = False


class DeliveryQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    state: str = Field("", pattern="^(|pending|succeeded|failed)$")


def endpoint_out(endpoint: Endpoint, *, with_secret: bool = False) -> WebhookEndpointOut:
    """The secret is shown once: in the answer that made it (登记, or rotate_secret)."""
    return WebhookEndpointOut(
        id=endpoint.pk,
        url=endpoint.url,
        description=endpoint.description,
        events=list(endpoint.events),
        active=endpoint.active,
        secret=endpoint.secret if with_secret else None,
        created_at=endpoint.created_at,
    )


def delivery_out(delivery: Delivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.pk,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        event_label=EVENT_TYPES.get(delivery.event_type, "测试消息"),
        agreement_id=delivery.event.agreement_id if delivery.event else None,
        state=delivery.state,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_duration_ms=delivery.last_duration_ms,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        completed_at=delivery.completed_at,
    )


@router.get("", response=responses(WebhookEndpointsOut, 401, 403), summary="本校登记的推送地址")
def list_endpoints(request: HttpRequest) -> WebhookEndpointsOut:
    user = _school_admin(request)
    return WebhookEndpointsOut(
        results=[endpoint_out(e) for e in endpoints_of(user)],
        event_types=[CodeRow(code=code, label=label) for code, label in EVENT_TYPES.items()],
    )


@router.post(
    "",
    response=responses(WebhookEndpointOut, 400, 401, 403, status=201),
    summary="登记推送地址（答复含签名密钥，只此一次；每所学校的数量有上限）",
)
def create_endpoint(request: HttpRequest, body: EndpointIn) -> Status[WebhookEndpointOut]:
    user = _school_admin(request)
    endpoint = services.endpoint_create(
        url=body.url, events=body.events, description=body.description, active=body.active, acting_user=user
    )
    return Status(201, endpoint_out(endpoint, with_secret=True))


@router.get("/{endpoint_id}", response=responses(WebhookEndpointOut, 401, 403, 404), summary="推送地址详情")
def get_endpoint(request: HttpRequest, endpoint_id: Id) -> WebhookEndpointOut:
    return endpoint_out(endpoint_for(_school_admin(request), endpoint_id))


@router.patch(
    "/{endpoint_id}",
    response=responses(WebhookEndpointOut, 400, 401, 403, 404),
    summary="修改推送地址、事件、启用状态；rotate_secret=true 更换签名密钥",
)
def update_endpoint(request: HttpRequest, endpoint_id: Id, body: EndpointPatch) -> WebhookEndpointOut:
    user = _school_admin(request)
    endpoint = endpoint_for(user, endpoint_id)
    endpoint = services.endpoint_update(
        endpoint, url=body.url, events=body.events, description=body.description, active=body.active, acting_user=user
    )
    if body.rotate_secret:
        endpoint = services.endpoint_rotate_secret(endpoint, acting_user=user)
    return endpoint_out(endpoint, with_secret=body.rotate_secret)


@router.delete("/{endpoint_id}", response=responses(DetailOut, 401, 403, 404), summary="删除推送地址（连同推送记录）")
def delete_endpoint(request: HttpRequest, endpoint_id: Id) -> DetailOut:
    user = _school_admin(request)
    services.endpoint_delete(endpoint_for(user, endpoint_id), acting_user=user)
    return DetailOut(detail="推送地址已删除")


@router.get(
    "/{endpoint_id}/deliveries",
    response=responses(WebhookDeliveryPage, 400, 401, 403, 404),
    summary="推送记录（最新在前，每页20条）",
)
def list_deliveries(request: HttpRequest, endpoint_id: Id, query: Query[DeliveryQuery]) -> WebhookDeliveryPage:
    endpoint = endpoint_for(_school_admin(request), endpoint_id)
    page = Paginator(deliveries_of(endpoint, state=query.state), PAGE_SIZE).get_page(query.page)
    return WebhookDeliveryPage(
        count=page.paginator.count,
        page=page.number,
        num_pages=page.paginator.num_pages,
        results=[delivery_out(d) for d in page.object_list],
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response=responses(WebhookDeliveryOut, 401, 403, 404, status=202),
    summary="重新推送（同一 webhook-id 与内容，重新开始重试）",
)
def redeliver(request: HttpRequest, endpoint_id: Id, delivery_id: Id) -> Status[WebhookDeliveryOut]:
    user = _school_admin(request)
    delivery = delivery_for(endpoint_for(user, endpoint_id), delivery_id)
    return Status(202, delivery_out(services.redeliver(delivery, acting_user=user)))


@router.post(
    "/{endpoint_id}/test",
    response=responses(WebhookDeliveryOut, 401, 403, 404, 429, status=202),
    summary="发送一条测试消息（type: webhook.test；每个地址在 WEBHOOK_TEST_INTERVAL_SECONDS 内只能一条）",
)
def send_test(request: HttpRequest, endpoint_id: Id) -> Status[WebhookDeliveryOut]:
    user = _school_admin(request)
    delivery = services.endpoint_send_test(endpoint_for(user, endpoint_id), acting_user=user)
    return Status(202, delivery_out(delivery))
