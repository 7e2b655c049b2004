"""Deliveries of agreement events to a school's endpoints: signed per Standard Webhooks, each once, retried."""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.errors import Forbidden, InvalidInput
from core.services import agreements as wf
from testsupport import TERMS, World, invite
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.tests.receiver import Receiver

ALL = list(EVENT_TYPES)


def register(world: World, url: str, events: list[str] | None = None, **fields: Any) -> Endpoint:
    return services.endpoint_create(url=url, events=events or ALL, acting_user=world.school_admin, **fields)


def received_types(receiver: Receiver) -> list[str]:
    return [json.loads(r.body)["type"] for r in receiver.requests]


def test_a_delivery_verifies_with_an_independent_implementation_and_not_after_one_byte_changes(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = register(world, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)

    (request,) = receiver.requests
    assert request.path == "/hooks/wangqian"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"] == "application/json"
    verified = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert verified["type"] == "agreement.invited"
    data = verified["data"]
    assert (data["agreement_id"], data["status"], data["status_label"]) == (agreement.pk, "invited", "待应约")
    assert (data["school_code"], data["student_number"]) == (world.school.code, world.student.student_no)
    assert data["employer_name"] == world.employer.employer.name

    tampered = bytearray(request.body)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(bytes(tampered), request.headers)
    other = register(world, receiver.url + "2")
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(request.body, request.headers)


def test_each_event_of_the_lifecycle_reaches_the_endpoint_once_and_never_carries_the_id_number(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    register(world, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        world.reach("terminated")

    # One event, one type: the school's approval that makes the agreement effective is `effective` alone.
    assert received_types(receiver) == [
        "agreement.invited",
        "agreement.accepted",
        "agreement.approved",
        "agreement.effective",
        "agreement.termination_requested",
        "agreement.termination_answered",
        "agreement.terminated",
    ]
    assert [json.loads(r.body)["data"]["sequence"] for r in receiver.requests] == [1, 2, 3, 4, 5, 6, 7]
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == len(ids)
    for request in receiver.requests:
        text = request.body.decode()
        assert world.student.id_number not in text
        assert world.student.phone not in text
        assert json.loads(text)["data"]["student_number"] == world.student.student_no
    assert Delivery.objects.filter(state=Delivery.State.SUCCEEDED).count() == 7


def test_only_subscribed_events_of_the_own_school_reach_an_active_endpoint(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with Receiver() as effective_only, Receiver() as inactive, Receiver() as other_school:
        register(world, effective_only.url, ["agreement.effective"])
        register(world, inactive.url, active=False)
        services.endpoint_create(url=other_school.url, events=ALL, acting_user=world.other_school_admin)
        with django_capture_on_commit_callbacks(execute=True):
            world.reach("effective")
            world.reach("declined", student=world.other_student)

    assert received_types(effective_only) == ["agreement.effective"]
    assert inactive.requests == []
    assert other_school.requests == []


def test_a_dead_endpoint_is_retried_with_backoff_logged_and_finally_failed(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status = 503
    register(world, receiver.url, ["agreement.invited"])
    schedule = [5, 300, 1800]
    with override_settings(WEBHOOK_RETRY_SCHEDULE=schedule), time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            invite(world.employer, world.student)
        delivery = Delivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
        assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(seconds=5)

        assert services.deliver_due() == 0  # not due yet: nothing is sent early
        assert len(receiver.requests) == 1
        for wait in schedule:
            clock.shift(datetime.timedelta(seconds=wait))
            with django_capture_on_commit_callbacks(execute=True):
                assert services.deliver_due() == 1
        delivery.refresh_from_db()

    assert len(receiver.requests) == 1 + len(schedule)
    assert (delivery.state, delivery.attempts) == ("failed", 4)
    assert delivery.completed_at is not None and delivery.next_attempt_at is None
    log = list(Attempt.objects.filter(delivery=delivery).values_list("succeeded", "status_code"))
    assert log == [(False, 503)] * 4
    # The same message every time: receivers deduplicate on webhook-id.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1


def test_an_unreachable_endpoint_is_logged_with_the_reason(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with Receiver() as gone:
        url = gone.url
    register(world, url, ["agreement.invited"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and not attempt.succeeded
    assert attempt.error.startswith("连接失败")


@override_settings(WEBHOOK_TIMEOUT_SECONDS=1)
def test_a_slow_endpoint_times_out_as_a_failed_attempt(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.delay = 3
    register(world, receiver.url, ["agreement.invited"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    attempt = Attempt.objects.get()
    assert (attempt.succeeded, attempt.error) == (False, "超过1秒未响应")
    assert Delivery.objects.get().state == "pending"


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}})
def test_the_workflow_only_queues_the_delivery_and_never_calls_the_endpoint(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.delay = 30  # were the workflow waiting for it, the test would hang
    register(world, receiver.url, ["agreement.invited"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)

    assert receiver.requests == []
    delivery = Delivery.objects.get()
    queued = DBTaskResult.objects.filter(task_path="webhooks.services.deliver_task", status="READY")
    assert [job.args_kwargs["args"] for job in queued] == [[delivery.pk]]
    # A queue of its own, which the general workers (documents, e-mail, exports) do not serve.
    assert [job.queue_name for job in queued] == ["webhooks"]


def test_redelivery_sends_the_same_message_again(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    register(world, receiver.url, ["agreement.invited"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.redeliver(delivery, acting_user=world.school_admin)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert Attempt.objects.filter(delivery=delivery, succeeded=True).count() == 2
    with pytest.raises(Forbidden):
        services.redeliver(delivery, acting_user=world.other_school_admin)


@override_settings(WEBHOOK_ALLOWED_NETWORKS=[])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://[::1]:8080/hook",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 written as one number
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://224.0.0.1/",
    ],
)
def test_an_address_inside_the_installation_is_refused_unless_its_network_is_allowed(world: World, url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(world, url)
    assert "url" in refused.value.errors
    assert "不允许推送" in str(refused.value.errors["url"])
    assert not Endpoint.objects.exists()


def test_a_url_that_turns_internal_after_registration_is_not_posted_to(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    register(world, receiver.url, ["agreement.invited"])
    with override_settings(WEBHOOK_ALLOWED_NETWORKS=[]), django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    assert receiver.requests == []
    assert "不允许推送" in Attempt.objects.get().error


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": ""}, "url", "请填写推送地址"),
        ({"url": "ftp://example.com/x"}, "url", "推送地址应以 http:// 或 https:// 开头"),
        ({"url": "https://user:pw@example.com/x"}, "url", "推送地址不能包含用户名或密码"),
        ({"url": "https://example.com/" + "x" * 500}, "url", "推送地址不能超过500个字符"),
        ({"url": "https://example.com:99999/x"}, "url", "推送地址的端口无效"),
        ({"events": []}, "events", "请至少选择一个推送的事件"),
        ({"events": ["agreement.exploded"]}, "events", "未知的事件：agreement.exploded"),
        ({"description": "说" * 101}, "description", "说明不能超过100个字符"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    world: World, receiver: Receiver, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {"url": receiver.url, "events": ALL, **fields}
    with pytest.raises(InvalidInput) as refused:
        services.endpoint_create(acting_user=world.school_admin, **values)
    assert str(refused.value.errors[field]).startswith(message)
    assert not Endpoint.objects.exists()


@override_settings(WEBHOOK_MAX_ENDPOINTS_PER_SCHOOL=2)
def test_the_number_of_endpoints_is_limited_by_a_setting(world: World, receiver: Receiver) -> None:
    register(world, receiver.url + "/1")
    register(world, receiver.url + "/2")
    with pytest.raises(InvalidInput, match="每所学校最多登记2个推送地址"):
        register(world, receiver.url + "/3")
    services.endpoint_create(url=receiver.url, events=ALL, acting_user=world.other_school_admin)


def test_only_a_school_admin_manages_endpoints(world: World, receiver: Receiver) -> None:
    for user in (world.college_admin, world.employer, world.student.user):
        with pytest.raises(Forbidden):
            services.endpoint_create(url=receiver.url, events=ALL, acting_user=user)
    endpoint = register(world, receiver.url)
    with pytest.raises(Forbidden):
        services.endpoint_delete(endpoint, acting_user=world.other_school_admin)
    with pytest.raises(Forbidden):
        services.endpoint_update(endpoint, active=False, acting_user=world.other_school_admin)


def test_rotating_the_secret_signs_from_then_on_with_the_new_one(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = register(world, receiver.url, ["agreement.invited"])
    old = endpoint.secret
    services.endpoint_rotate_secret(endpoint, acting_user=world.school_admin)
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    (request,) = receiver.requests
    Webhook(endpoint.secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once(world: World, receiver: Receiver) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("a real race needs two connections that run at once: PostgreSQL")
    receiver.delay = 0.5
    endpoint = register(world, receiver.url, ["agreement.invited"])
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type="agreement.invited",
        message_id="msg_race",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    results: list[object] = []

    def work() -> None:
        try:
            results.append(services.deliver(delivery.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(receiver.requests) == 1
    assert sum(result is not None for result in results) == 1
    assert Attempt.objects.filter(delivery=delivery).count() == 1


def test_modify_withdraw_and_expire_are_delivered_under_the_specs_names(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    register(world, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = invite(world.employer, world.student)
        wf.agreement_modify(first, terms={**TERMS, "position": "法务专员"}, acting_user=world.employer)
        wf.agreement_withdraw(first, acting_user=world.employer)
        (second,) = invite(world.employer, world.student)
        wf.invitations_expire(now=second.expires_at + datetime.timedelta(seconds=1))
        world.reach("returned", student=world.other_student)
    assert received_types(receiver) == [
        "agreement.invited",
        "agreement.modified",
        "agreement.withdrawn",
        "agreement.invited",
        "agreement.expired",
        "agreement.invited",
        "agreement.accepted",
        "agreement.returned",
    ]


def test_a_dead_endpoint_rests_so_its_queue_costs_one_attempt_per_pause(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status = 500
    endpoint = register(world, receiver.url, ["agreement.invited"])
    students = [world.student, world.other_student]
    with override_settings(WEBHOOK_RETRY_SCHEDULE=[60, 600]), time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            for student in students:
                invite(world.employer, student)
        # The first delivery failed; the second found the endpoint resting and waits, without an attempt.
        assert len(receiver.requests) == 1
        endpoint.refresh_from_db()
        assert endpoint.consecutive_failures == 1
        assert endpoint.paused_until == timezone.now() + datetime.timedelta(seconds=60)
        waiting = Delivery.objects.filter(attempts=0).get()
        assert waiting.next_attempt_at is not None and endpoint.paused_until is not None
        assert waiting.state == "pending" and waiting.next_attempt_at > endpoint.paused_until

        receiver.status = 204
        clock.shift(datetime.timedelta(seconds=62))
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deliver_due() == 2
        endpoint.refresh_from_db()
    # One probe found it back; both were then delivered, and the endpoint is healthy again.
    assert sorted(Delivery.objects.values_list("state", flat=True)) == ["succeeded", "succeeded"]
    assert (endpoint.consecutive_failures, endpoint.paused_until) == (0, None)
    assert len(receiver.requests) == 3


def test_a_delivery_waiting_past_the_give_up_time_fails_without_an_attempt(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status = 500
    register(world, receiver.url, ["agreement.invited"])
    settings_ = {"WEBHOOK_RETRY_SCHEDULE": [3600], "WEBHOOK_GIVE_UP_SECONDS": 1800}
    with override_settings(**settings_), django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
        invite(world.employer, world.other_student)
    first, second = Delivery.objects.order_by("id")
    assert (first.state, first.attempts) == ("failed", 1)  # its retry would come after the give-up time
    assert (second.state, second.attempts) == ("failed", 0)
    assert "已放弃" in second.last_error
    assert len(receiver.requests) == 1


@override_settings(WEBHOOK_TEST_INTERVAL_SECONDS=30)
def test_test_messages_are_limited_per_endpoint(world: World, receiver: Receiver) -> None:
    endpoint = register(world, receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        services.endpoint_send_test(endpoint, acting_user=world.school_admin)
        with pytest.raises(services.TooManyTests, match="30秒内只能发送一条测试消息"):
            services.endpoint_send_test(endpoint, acting_user=world.school_admin)
        clock.shift(datetime.timedelta(seconds=31))
        services.endpoint_send_test(endpoint, acting_user=world.school_admin)
    assert Delivery.objects.filter(event_type="webhook.test").count() == 2


def test_a_reason_phrase_in_chinese_is_logged_as_sent(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status, receiver.reason = 503, "系统维护中"
    register(world, receiver.url, ["agreement.invited"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    assert Attempt.objects.get().error == "系统维护中"
