"""本人确认 through the API (issue 20 item 1): POST /auth/confirmations, POST /auth/confirmations/{id}, then the act
with {"confirmation": "cfm_…"}; without it 403 confirmation_required."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from core import sms
from core.services import agreements as wf
from testsupport import ApiClient, World, invite
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db
SITE = "https://wangqian.example.edu.cn"


def test_accept_by_sms_code_and_every_refusal(api: ApiClient, world: World) -> None:
    first, second = invite(world.employer, world.student)[0], invite(world.other_employer, world.student)[0]
    api.login(world.student.user)
    refused = api.post(f"/agreements/{first.pk}/accept")
    assert refused.status_code == 403 and refused.json()["code"] == "confirmation_required"

    started = api.post("/auth/confirmations", {"action": "accept", "object_id": first.pk})
    assert started.status_code == 201, started.content
    body = started.json()
    assert (body["method"], body["methods"], body["passkey_options"]) == ("sms", ["sms"], None)
    assert body["sms_phone"].count("*") == 4 and "签约信息第1版" in body["description"]
    code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert code is not None
    wrong = api.post(f"/auth/confirmations/{body['id']}", {"code": "12"})
    assert wrong.status_code == 400 and "code" in wrong.json()["errors"]
    proven = api.post(f"/auth/confirmations/{body['id']}", {"code": code.group(1)})
    assert proven.status_code == 200, proven.content
    token = proven.json()["confirmation"]
    assert token.startswith("cfm_")

    other = api.post(f"/agreements/{second.pk}/accept", {"confirmation": token})  # another agreement
    assert other.status_code == 403 and other.json()["code"] == "confirmation_required"
    wf.agreement_modify(first, terms={"monthly_salary": 5000}, acting_user=world.employer)  # another version
    changed = api.post(f"/agreements/{first.pk}/accept", {"confirmation": token})
    assert changed.status_code == 403 and "签约信息已变更" in changed.json()["detail"]

    fresh = api.confirm("accept", first.pk)
    assert api.post(f"/agreements/{first.pk}/accept", {"confirmation": fresh}).status_code == 200
    again = api.post(f"/agreements/{first.pk}/accept", {"confirmation": fresh})
    assert again.status_code == 409  # already accepted; and the token is spent anyway


def test_confirmations_are_the_students_own(api: ApiClient, world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    api.login(world.other_student.user)
    assert api.post("/auth/confirmations", {"action": "accept", "object_id": agreement.pk}).status_code == 404
    bad = api.post("/auth/confirmations", {"action": "approve", "object_id": agreement.pk})
    assert bad.status_code == 400 and "action" in str(bad.json()["errors"])
    api.login(world.student.user)
    started = api.post("/auth/confirmations", {"action": "accept", "object_id": agreement.pk}).json()
    api.login(world.other_student.user)
    assert api.post(f"/auth/confirmations/{started['id']}", {"code": "123456"}).status_code == 404
    api.login(world.employer)
    assert api.post("/auth/confirmations", {"action": "accept", "object_id": agreement.pk}).status_code == 403


@override_settings(SITE_URL=SITE)
def test_accept_by_passkey_registered_through_the_api(api: ApiClient, world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    api.login(world.student.user)
    device = SoftAuthenticator(SITE)
    options = api.post("/auth/passkeys/options").json()
    assert api.post("/auth/passkeys", {"credential": device.create(options), "name": "我的手机"}).status_code == 201
    started = api.post("/auth/confirmations", {"action": "accept", "object_id": agreement.pk}).json()
    assert started["method"] == "passkey" and started["methods"] == ["passkey", "sms"]
    assert started["passkey_options"]["userVerification"] == "required"
    proven = api.post(f"/auth/confirmations/{started['id']}", {"assertion": device.get(started["passkey_options"])})
    assert proven.status_code == 200, proven.content
    accepted = api.post(f"/agreements/{agreement.pk}/accept", {"confirmation": proven.json()["confirmation"]})
    assert accepted.status_code == 200 and accepted.json()["status"] == "college_review"
