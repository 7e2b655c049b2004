"""A graduate's acceptance through the API — start the 本人确认, prove the SMS code, accept — in a constant number of
queries, whatever the graduate's and the employer's history (the signing season's surge, benchmarks/surge.py, is a
thousand of these a minute)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import sms
from core.models import Agreement, AgreementEvent, Confirmation
from core.services.agreements import agreement_decline
from testsupport import ApiClient, World, invite

pytestmark = pytest.mark.django_db

# Start: the token; the agreement with its student (one join), refused as the act would be; the open 解约 of the
# binding; the graduate's own row; passkeys; the SMS budget; the confirmation written, then its code's hash (which
# needs its id).
START = 8
# Prove: the token; the confirmation read once, locked; its proof written (BEGIN/COMMIT included).
PROVE = 5
# Accept: the token; the id's visibility; the locked read and the workflow's writes (status, counters, event and its
# sequence, ledger, 消息, announcement, the evidence linked and chained); after commit the subscribers; the detail
# (the agreement with its student in one query).
# SQLite chains each ledger entry at once under the head (four queries more); PostgreSQL seals them at COMMIT.
ACCEPT = {"postgresql": 25, "sqlite": 29}


def _accept(api: ApiClient, agreement: Agreement) -> tuple[int, int, int]:
    """The three calls' query counts (the token's last use already written, as it is once a minute)."""
    api.get("/me")
    body = {"action": "accept", "object_id": agreement.pk, "method": "sms"}
    with CaptureQueriesContext(connection) as start:
        started = api.post("/auth/confirmations", body)
    assert started.status_code == 201, started.content
    assert started.json()["methods"] == ["sms"]
    code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert code is not None
    with CaptureQueriesContext(connection) as prove:
        proven = api.post(f"/auth/confirmations/{started.json()['id']}", {"code": code.group(1)})
    assert proven.status_code == 200, proven.content
    with CaptureQueriesContext(connection) as accept:
        accepted = api.post(f"/agreements/{agreement.pk}/accept", {"confirmation": proven.json()["confirmation"]})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "college_review"
    return len(start), len(prove), len(accept)


def test_accept_with_confirmation_in_constant_queries(api: ApiClient, world: World) -> None:
    api.login(world.student.user)
    first = _accept(api, world.reach("invited"))
    assert first == (START, PROVE, ACCEPT[connection.vendor]), first

    # More history on both sides: this graduate declined invitations from both employers, the employer's other
    # graduate accepted (above), its agreements have events and 消息.
    graduate = world.other_student
    for employer in (world.employer, world.other_employer, world.employer):
        (declined,) = invite(employer, graduate)
        agreement_decline(declined, acting_user=graduate.user)
    (agreement,) = invite(world.employer, graduate)
    api.login(graduate.user)
    assert _accept(api, agreement) == first


def test_the_acceptance_keeps_its_evidence_and_its_event(api: ApiClient, world: World) -> None:
    agreement = world.reach("invited")
    api.login(world.student.user)
    _accept(api, agreement)
    event = AgreementEvent.objects.get(agreement=agreement, action="accept")
    confirmation = Confirmation.objects.get(agreement_event=event)
    assert confirmation.used_at is not None and confirmation.method == "sms"
