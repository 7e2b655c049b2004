"""A school's webhook endpoints and the deliveries of its agreement events to them (Standard Webhooks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import Agreement, AgreementEvent, School


class Endpoint(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField("推送地址", max_length=500)
    description = models.CharField("说明", max_length=100, blank=True)
    # The event types (webhooks.events.EVENT_TYPES) this endpoint receives.
    events = models.JSONField("推送的事件", default=list)
    active = models.BooleanField("启用", default=True)
    # "whsec_" + base64 of 32 random bytes: the Standard Webhooks form, which receivers' libraries take as is.
    secret = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The circuit breaker: after a failed attempt the endpoint rests until paused_until, and then one attempt (the
    # probe) tells whether it is back; its other deliveries wait meanwhile, so a dead endpoint costs one worker
    # one timeout per pause, however many of its deliveries queue up.
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["school", "active"], name="webhook_endpoint_school")]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One message to one endpoint: its body is fixed when the event happens, every attempt signs it anew."""

    class State(models.TextChoices):
        PENDING = "pending", "待推送"
        SUCCEEDED = "succeeded", "推送成功"
        FAILED = "failed", "推送失败"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(AgreementEvent, on_delete=models.SET_NULL, null=True, related_name="+")
    event_type = models.CharField("事件", max_length=40)
    # The agreement and the event's place in its history, copied when the delivery is made: one agreement's
    # deliveries to one endpoint go out in this order (a test message has neither).
    agreement = models.ForeignKey(Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sequence = models.PositiveIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=40, unique=True)
    body = models.TextField()
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    # Attempts of the current round (a redelivery starts a new round); the schedule is counted on it.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the current round began (creation or 重新推送): a delivery still pending WEBHOOK_GIVE_UP_SECONDS later fails.
    round_started_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event", "event_type"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(state="pending"),
            ),
            # What is still to go to an endpoint for an agreement, in order: the head goes first.
            models.Index(
                fields=["endpoint", "agreement", "sequence", "id"],
                name="webhook_delivery_queue",
                condition=models.Q(state="pending"),
            ),
        ]


class Attempt(models.Model):
    """The delivery log: one row per HTTP request made."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
