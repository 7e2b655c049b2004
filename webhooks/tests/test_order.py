"""One workflow event is one webhook type, and one agreement's events reach an endpoint in the order they happened,
each with its place in the agreement's history (`sequence`), through an outage and after it (issue 18 bug 3)."""

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
from standardwebhooks.webhooks import Webhook

from core.catalogue import AGREEMENT_EVENTS
from core.models import AgreementEvent
from core.services import agreements as wf
from testsupport import PAPER_FORM, World, confirm, invite, register_paper
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint
from webhooks.tests.receiver import Receiver


def register(world: World, url: str, events: list[str] | None = None) -> Endpoint:
    return services.endpoint_create(url=url, events=events or list(EVENT_TYPES), acting_user=world.school_admin)


def bodies(receiver: Receiver, endpoint: Endpoint | None = None) -> list[dict[str, Any]]:
    """What the receiver got, verified with the official Standard Webhooks implementation when a secret is given."""
    if endpoint is None:
        return [json.loads(r.body) for r in receiver.requests]
    return [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]


def test_every_catalogue_webhook_type_is_one_an_endpoint_can_subscribe_to_and_each_is_sent_by_some_event() -> None:
    sent = set()
    for kind in AGREEMENT_EVENTS.values():
        for status in [None, *kind.outcomes]:
            event_type = kind.webhook_type(status or "")
            if event_type is not None:
                sent.add(event_type)
    assert sent == set(EVENT_TYPES)


def test_a_declined_or_returned_termination_is_sent_as_itself_never_as_effective(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    assert world.student.user is not None
    endpoint = register(world, receiver.url)
    with Receiver() as effective_only:
        register(world, effective_only.url, ["agreement.effective"])
        with django_capture_on_commit_callbacks(execute=True):
            agreement = world.reach("effective")
        receiver.requests.clear()
        with django_capture_on_commit_callbacks(execute=True):
            wf.termination_request(
                agreement,
                reason="个人原因",
                acting_user=world.student.user,
                confirmation=confirm(world.student.user, "termination", agreement),
            )
            wf.termination_decline(agreement, remark="不同意", acting_user=world.employer)
            wf.termination_request(
                agreement,
                reason="个人原因",
                acting_user=world.student.user,
                confirmation=confirm(world.student.user, "termination", agreement),
            )
            wf.termination_accept(agreement, acting_user=world.employer)
            wf.termination_return(agreement, remark="材料不全", acting_user=world.school_admin)

        sent = bodies(receiver, endpoint)
        assert [b["type"] for b in sent] == [
            "agreement.termination_requested",
            "agreement.termination_answered",
            "agreement.termination_requested",
            "agreement.termination_answered",
            "agreement.termination_returned",
        ]
        assert [b["data"]["status"] for b in sent] == [
            "termination_requested",
            "effective",
            "termination_requested",
            "termination_review",
            "effective",
        ]
        assert [sent[1]["data"]["action"], sent[3]["data"]["action"]] == ["termination_decline", "termination_accept"]
        assert [b["data"]["sequence"] for b in sent] == [5, 6, 7, 8, 9]
        # The agreement became effective once, and that endpoint was told so once.
        assert [b["type"] for b in bodies(effective_only)] == ["agreement.effective"]


def test_after_an_outage_one_agreements_events_arrive_in_order_while_others_are_not_held(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    student = world.student.user
    assert student is not None
    receiver.status = 503
    endpoint = register(world, receiver.url)
    run = django_capture_on_commit_callbacks
    with (
        Receiver() as healthy,
        override_settings(WEBHOOK_RETRY_SCHEDULE=[60, 300, 1800]),
        time_machine.travel(timezone.now(), tick=False) as clock,
    ):
        other_endpoint = register(world, healthy.url)
        with run(execute=True):
            (agreement,) = invite(world.employer, world.student)
            wf.agreement_accept(agreement, acting_user=student, confirmation=confirm(student, "accept", agreement))
            wf.agreement_approve(agreement, acting_user=world.college_admin)
        assert len(receiver.requests) == 1  # the first failed; the others wait without an attempt
        waiting = Delivery.objects.filter(endpoint=endpoint, attempts=0)
        assert {d.last_error for d in waiting} == {services.WAITING_FOR_EARLIER}

        # The endpoint is back and its pause is over; the school approves before the sweep retries the first.
        receiver.status = 204
        clock.shift(datetime.timedelta(seconds=61))
        with run(execute=True):
            wf.agreement_approve(agreement, acting_user=world.school_admin)
            (other,) = invite(world.employer, world.other_student)
        # The effective agreement's message waits for the three before it; another agreement's goes at once.
        after_outage = bodies(receiver, endpoint)[1:]
        assert [(b["data"]["agreement_id"], b["type"]) for b in after_outage] == [(other.pk, "agreement.invited")]

        for _ in range(5):
            clock.shift(datetime.timedelta(seconds=61))
            with run(execute=True):
                services.deliver_due()

    delivered = [b for b in bodies(receiver, endpoint) if b["data"]["agreement_id"] == agreement.pk]
    assert [b["type"] for b in delivered] == [
        "agreement.invited",  # the failed attempt
        "agreement.invited",
        "agreement.accepted",
        "agreement.approved",
        "agreement.effective",
    ]
    assert [b["data"]["sequence"] for b in delivered] == [1, 1, 2, 3, 4]
    assert set(Delivery.objects.filter(endpoint=endpoint).values_list("state", flat=True)) == {"succeeded"}
    # The other endpoint never waited for this one.
    assert [(b["data"]["agreement_id"], b["data"]["sequence"]) for b in bodies(healthy, other_endpoint)] == [
        (agreement.pk, 1),
        (agreement.pk, 2),
        (agreement.pk, 3),
        (agreement.pk, 4),
        (other.pk, 1),
    ]


def test_each_event_has_its_place_in_its_agreements_history(world: World) -> None:
    first = world.reach("termination_review")
    second = world.reach("declined", student=world.other_student)
    assert list(AgreementEvent.objects.filter(agreement=first).values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert list(AgreementEvent.objects.filter(agreement=second).values_list("sequence", flat=True)) == [1, 2]


def test_a_paper_agreement_is_sent_with_its_own_number(
    world: World, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = register(world, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        agreement = register_paper(world.student)
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    (sent,) = bodies(receiver, endpoint)  # registering has no webhook type; the school's approval is `effective`
    assert sent["type"] == "agreement.effective"
    data = sent["data"]
    assert (data["paper"], data["paper_number"], data["number"]) == (True, PAPER_FORM["paper_number"], None)
    assert data["sequence"] == 2


@pytest.mark.django_db(transaction=True)
def test_workers_racing_over_one_agreements_deliveries_send_them_in_order(world: World, receiver: Receiver) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("a real race needs two connections that run at once: PostgreSQL")
    receiver.delay = 0.2
    (agreement,) = invite(world.employer, world.student)
    endpoint = register(world, receiver.url, ["agreement.invited"])
    deliveries = [
        Delivery.objects.create(
            endpoint=endpoint,
            event_type="agreement.invited",
            agreement=agreement,
            sequence=n,
            message_id=f"msg_order_{n}",
            body=json.dumps({"type": "agreement.invited", "data": {"sequence": n}}),
            next_attempt_at=timezone.now(),
        )
        for n in (1, 2, 3, 4)
    ]

    def work(delivery_id: int) -> None:
        try:
            services.deliver(delivery_id)
        finally:
            connection.close()

    # The latest first: each worker that finds an earlier one pending gives its claim back.
    workers = [threading.Thread(target=work, args=(d.pk,)) for d in reversed(deliveries)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for _ in range(4):  # what the sweep would pick up, had a wake been lost
        services.deliver_due()
    assert [b["data"]["sequence"] for b in bodies(receiver)] == [1, 2, 3, 4]
    assert set(Delivery.objects.filter(endpoint=endpoint).values_list("state", flat=True)) == {"succeeded"}
