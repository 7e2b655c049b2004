"""Every write of webhooks: endpoints (a school admin's), deliveries made from agreement events, attempts.

Delivery is at least once: a delivery is claimed by moving its `next_attempt_at` past the attempt's longest
duration (a worker that dies mid-attempt leaves it due again), the receiver tells repeats apart by `webhook-id`.
One agreement's deliveries to one endpoint go in the order of its events (`sequence`): a later one waits, without
an attempt, while an earlier one is still pending (retrying), and is woken when that one is sent or given up;
other agreements and other endpoints never wait for it.
A failed attempt is tried again on WEBHOOK_RETRY_SCHEDULE (about a day in all); the scheduler's sweep
(`webhooks_deliver_due`) starts whatever is due, so a lost queue entry only delays a delivery."""

from __future__ import annotations

import datetime
import json
import logging
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AgreementEvent, Role, School, User
from core.tasks import enqueue_on_commit
from webhooks import signing, transport
from webhooks.events import EVENT_TYPES, event_type_of, payload
from webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"
# What the delivery log says of a delivery held back for an earlier event of its agreement (its next attempt
# replaces it).
WAITING_FOR_EARLIER = "等待该协议更早的事件推送完成后推送"


class TooManyTests(DomainError):
    status = 429
    code = "too_many_attempts"


# --- endpoints ------------------------------------------------------------------------------------------------


def _require_school_admin(user: User, endpoint: Endpoint | None = None) -> None:
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise Forbidden("只有学校管理员可以管理数据推送", code="forbidden_role")
    if endpoint is not None and endpoint.school_id != user.school_id:
        raise Forbidden("只能管理本校的推送地址", code="forbidden_role")


def clean_url(raw: str) -> str:
    url = (raw or "").strip()
    limit = Endpoint._meta.get_field("url").max_length
    error = ""
    parts = urlsplit(url)
    if not url:
        error = "请填写推送地址"
    elif len(url) > limit:  # type: ignore[operator]
        error = f"推送地址不能超过{limit}个字符"
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        error = "推送地址应以 http:// 或 https:// 开头，如 https://jy.example.edu.cn/hooks/wangqian"
    elif parts.username or parts.password:
        error = "推送地址不能包含用户名或密码"
    elif settings.WEBHOOK_REQUIRE_HTTPS and parts.scheme != "https":
        error = "推送地址必须使用 https://"
    else:
        try:
            if parts.port is not None and not 0 < parts.port < 65536:
                raise ValueError
            transport.resolve(parts.hostname, parts.port or 443)
        except ValueError:
            error = "推送地址的端口无效"
        except transport.Refused as exc:
            error = str(exc)
    if error:
        raise InvalidInput(error, errors={"url": error})
    return url


def clean_events(events: list[str] | None) -> list[str]:
    chosen = [e for e in EVENT_TYPES if e in set(events or [])]
    unknown = sorted(set(events or []) - set(EVENT_TYPES))
    if unknown:
        message = f"未知的事件：{'、'.join(unknown)}"
        raise InvalidInput(message, errors={"events": message})
    if not chosen:
        raise InvalidInput("请至少选择一个推送的事件", errors={"events": "请至少选择一个推送的事件"})
    return chosen


def clean_description(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > 100:
        raise InvalidInput("说明不能超过100个字符", errors={"description": "说明不能超过100个字符"})
    return text


def endpoint_create(
    *, url: str, events: list[str], description: str = "", active: bool = True, acting_user: User
) -> Endpoint:
    _require_school_admin(acting_user)
    assert acting_user.school_id is not None  # a school admin's
    fields = {"url": clean_url(url), "events": clean_events(events), "description": clean_description(description)}
    with transaction.atomic():
        # Counted under the school's row lock, so two admins adding at once cannot pass the limit together.
        school = School.objects.select_for_update().get(pk=acting_user.school_id)
        limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_SCHOOL
        if Endpoint.objects.filter(school=school).count() >= limit:
            raise InvalidInput(f"每所学校最多登记{limit}个推送地址，请先删除不用的", code="limit_reached")
        return Endpoint.objects.create(
            school=school, active=active, secret=signing.new_secret(), created_by=acting_user, **fields
        )


def endpoint_update(
    endpoint: Endpoint,
    *,
    acting_user: User,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Endpoint:
    _require_school_admin(acting_user, endpoint)
    if url is not None:
        endpoint.url = clean_url(url)
    if events is not None:
        endpoint.events = clean_events(events)
    if description is not None:
        endpoint.description = clean_description(description)
    if active is not None:
        endpoint.active = active
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(endpoint: Endpoint, *, acting_user: User) -> Endpoint:
    _require_school_admin(acting_user, endpoint)
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def endpoint_delete(endpoint: Endpoint, *, acting_user: User) -> None:
    _require_school_admin(acting_user, endpoint)
    endpoint.delete()


def endpoint_send_test(endpoint: Endpoint, *, acting_user: User) -> Delivery:
    """A `webhook.test` message, so the school's developers can check their receiver before a real event."""
    _require_school_admin(acting_user, endpoint)
    now = timezone.now()
    interval = settings.WEBHOOK_TEST_INTERVAL_SECONDS
    recent = now - datetime.timedelta(seconds=interval)
    if Delivery.objects.filter(endpoint=endpoint, event_type=TEST_EVENT, created_at__gt=recent).exists():
        raise TooManyTests(f"每个推送地址{interval}秒内只能发送一条测试消息，请稍后再试")
    body = {
        "type": TEST_EVENT,
        "timestamp": now.isoformat(),
        "data": {"school": {"code": endpoint.school.code, "name": endpoint.school.name}, "endpoint_id": endpoint.pk},
    }
    with transaction.atomic():
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_type=TEST_EVENT,
            message_id=_message_id(),
            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            next_attempt_at=now,
        )
        enqueue_on_commit(deliver_task, delivery.pk)
    return delivery


def redeliver(delivery: Delivery, *, acting_user: User) -> Delivery:
    """Send the same message (same `webhook-id`, same body) again, with a new round of retries."""
    _require_school_admin(acting_user, delivery.endpoint)
    with transaction.atomic():
        now = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, attempts=0, next_attempt_at=now, round_started_at=now, completed_at=None
        )
        enqueue_on_commit(deliver_task, delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- deliveries -----------------------------------------------------------------------------------------------


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def deliveries_for_event(event_id: int, agreement_id: int, action: str) -> list[int]:
    """The deliveries an agreement event makes, one per subscribed endpoint, created once (a second call finds
    them); their ids. Runs after the event's transaction committed; with no active endpoint it costs one indexed
    query."""
    endpoints = list(Endpoint.objects.filter(school__agreements__id=agreement_id, active=True))
    if not endpoints:
        return []
    event = AgreementEvent.objects.select_related(
        "agreement__school",
        "agreement__college",
        "agreement__student",
        "agreement__employer",
        "agreement__current_terms",
    ).get(pk=event_id)
    event_type = event_type_of(event)
    if event_type is None:
        return []
    created = []
    body = None
    for endpoint in endpoints:
        if event_type not in endpoint.events:
            continue
        body = body or payload(event, event_type)
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    endpoint=endpoint,
                    event=event,
                    event_type=event_type,
                    agreement_id=event.agreement_id,
                    sequence=event.sequence,
                    message_id=_message_id(),
                    body=body,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # made already
        created.append(delivery.pk)
        enqueue_on_commit(deliver_task, delivery.pk)
    return created


def _earlier(delivery: Delivery) -> Delivery | None:
    """The first delivery of the same agreement to the same endpoint still to go before this one, if any."""
    if delivery.agreement_id is None or delivery.sequence is None:
        return None
    before = Q(sequence__lt=delivery.sequence) | Q(sequence=delivery.sequence, pk__lt=delivery.pk)
    return (
        Delivery.objects.filter(before, endpoint_id=delivery.endpoint_id, agreement_id=delivery.agreement_id)
        .filter(state=Delivery.State.PENDING)
        .order_by("sequence", "pk")
        .first()
    )


def _wait_for_earlier(delivery: Delivery, earlier: Delivery, now: datetime.datetime, lease: datetime.datetime) -> None:
    """An earlier event of the agreement is still to reach the endpoint (being tried, or waiting for a retry):
    give the claim back, no attempt made. The earlier one wakes this one when it is done; until then the sweep
    looks again when the earlier one is next tried. Only the claim this worker holds is given back: if the
    earlier one finished meanwhile and woke it, the wake stands."""
    wake = max(earlier.next_attempt_at or now, now) + datetime.timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk, next_attempt_at=lease).update(
        next_attempt_at=wake, attempts=F("attempts") - 1, last_error=WAITING_FOR_EARLIER
    )


def _wake_next(delivery: Delivery, now: datetime.datetime) -> None:
    """This delivery is done (sent, or given up): the agreement's next one to the endpoint goes now."""
    if delivery.agreement_id is None:
        return
    following = (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id, agreement_id=delivery.agreement_id, state=Delivery.State.PENDING
        )
        .exclude(pk=delivery.pk)
        .order_by("sequence", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        Delivery.objects.filter(pk=following).update(next_attempt_at=now)
        enqueue_on_commit(deliver_task, following)


def _retry_delay(attempts: int) -> datetime.timedelta | None:
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    return datetime.timedelta(seconds=schedule[attempts - 1]) if attempts <= len(schedule) else None


def _pause(failures: int) -> datetime.timedelta:
    schedule = settings.WEBHOOK_RETRY_SCHEDULE or [60]
    return datetime.timedelta(seconds=schedule[min(failures, len(schedule)) - 1])


def _take_endpoint(endpoint: Endpoint, now: datetime.datetime, lease: datetime.datetime) -> bool:
    """May this worker post to the endpoint now? A healthy one, yes; a failing one only when its pause is over and
    no other worker is probing it (the probe holds the pause for the attempt's longest duration)."""
    if endpoint.consecutive_failures == 0:
        return True
    rested = Q(paused_until__isnull=True) | Q(paused_until__lte=now)
    return bool(Endpoint.objects.filter(rested, pk=endpoint.pk).update(paused_until=lease))


def _give_up_at(delivery: Delivery) -> datetime.datetime:
    return delivery.round_started_at + datetime.timedelta(seconds=settings.WEBHOOK_GIVE_UP_SECONDS)


def _wait_for_endpoint(delivery: Delivery, now: datetime.datetime) -> None:
    """The endpoint rests: give the claim back (no attempt made) and come again when its pause ends."""
    paused_until = Endpoint.objects.filter(pk=delivery.endpoint_id).values_list("paused_until", flat=True).get()
    wake = max(paused_until or now, now) + datetime.timedelta(seconds=1)
    with transaction.atomic():
        if wake > _give_up_at(delivery):
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.FAILED,
                attempts=F("attempts") - 1,
                next_attempt_at=None,
                completed_at=now,
                last_error="推送地址持续失败，超过重试期限，已放弃（可重新推送）",
            )
            _wake_next(delivery, now)
            return
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=wake, attempts=F("attempts") - 1)
        enqueue_on_commit(deliver_task, delivery.pk, delay=wake - now)


def deliver(delivery_id: int) -> Attempt | None:
    """One attempt, if the delivery is due, nobody else has claimed it and its endpoint is not resting; the logged
    attempt (None if none was made)."""
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    claimed = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=lease, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    earlier = _earlier(delivery)
    if earlier is not None:
        _wait_for_earlier(delivery, earlier, now, lease)
        return None
    if not endpoint.active:
        outcome = transport.Outcome(None, 0, "推送地址已停用，未推送")
    elif not _take_endpoint(endpoint, now, lease):
        _wait_for_endpoint(delivery, now)
        return None
    else:
        timestamp = int(time.time())
        headers = signing.headers(endpoint.secret, delivery.message_id, timestamp, delivery.body)
        outcome = transport.post(endpoint.url, delivery.body, headers)
    finished = timezone.now()
    retry = None if outcome.succeeded or not endpoint.active else _retry_delay(delivery.attempts)
    if retry is not None and finished + retry > _give_up_at(delivery):
        retry = None
    with transaction.atomic():
        attempt = Attempt.objects.create(
            delivery=delivery,
            succeeded=outcome.succeeded,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        )
        if outcome.succeeded:
            state, next_at, completed = Delivery.State.SUCCEEDED, None, finished
        elif retry is not None:
            state, next_at, completed = Delivery.State.PENDING, finished + retry, None
        else:
            state, next_at, completed = Delivery.State.FAILED, None, finished
        Delivery.objects.filter(pk=delivery.pk).update(
            state=state,
            next_attempt_at=next_at,
            completed_at=completed,
            last_status_code=outcome.status_code,
            last_duration_ms=outcome.duration_ms,
            last_error=outcome.error,
        )
        if endpoint.active and outcome.succeeded:
            Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0, paused_until=None)
        elif endpoint.active:
            failures = endpoint.consecutive_failures + 1
            Endpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=F("consecutive_failures") + 1, paused_until=finished + _pause(failures)
            )
        if retry is not None:
            enqueue_on_commit(deliver_task, delivery.pk, delay=retry)
        else:
            _wake_next(delivery, finished)
    return attempt


def deliver_due(limit: int = 500) -> int:
    """Queue every delivery whose time has come (retries, and attempts a dead worker left); how many."""
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        enqueue_on_commit(deliver_task, delivery_id)
    return len(due)


# Its own queue, served by its own worker (`run_worker --queue-name webhooks`): however slow the schools'
# endpoints, documents, e-mail and exports never wait behind a delivery.
@task(queue_name="webhooks")
def deliver_task(delivery_id: int) -> None:
    deliver(delivery_id)
