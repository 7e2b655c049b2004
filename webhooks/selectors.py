"""Reads of webhooks, scoped to the school admin who asks: another school's endpoint is not found."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core.models import Role, User
from webhooks.models import Delivery, Endpoint


def endpoints_of(user: User) -> QuerySet[Endpoint]:
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        return Endpoint.objects.none()
    return Endpoint.objects.filter(school_id=user.school_id).order_by("id")


def endpoint_for(user: User, pk: int) -> Endpoint:
    return get_object_or_404(endpoints_of(user).select_related("school"), pk=pk)


def deliveries_of(endpoint: Endpoint, *, state: str = "") -> QuerySet[Delivery]:
    deliveries = endpoint.deliveries.select_related("event__agreement").order_by("-id")
    return deliveries.filter(state=state) if state else deliveries


def delivery_for(endpoint: Endpoint, pk: int) -> Delivery:
    return get_object_or_404(Delivery.objects.select_related("endpoint__school"), endpoint=endpoint, pk=pk)
