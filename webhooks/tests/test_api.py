"""/api/v1/school/webhooks: registering endpoints, the delivery log and redelivery, with the API's error rules."""

from __future__ import annotations

from typing import Any

from standardwebhooks.webhooks import Webhook

from testsupport import ApiClient, World, invite
from webhooks.events import EVENT_TYPES
from webhooks.models import Endpoint
from webhooks.tests.receiver import Receiver


def test_a_school_admin_registers_an_endpoint_and_reads_its_delivery_log(
    world: World, api: ApiClient, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    api.login(world.school_admin)
    created = api.post(
        "/school/webhooks", {"url": receiver.url, "events": ["agreement.invited"], "description": "就业数据仓库"}
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["events"] == ["agreement.invited"]

    listed = api.get("/school/webhooks").json()
    assert [e["id"] for e in listed["results"]] == [endpoint["id"]]
    # The secret is shown once, in the answer that made it.
    assert "secret" not in listed["results"][0]
    assert "secret" not in api.get(f"/school/webhooks/{endpoint['id']}").json()
    assert [row["code"] for row in listed["event_types"]] == list(EVENT_TYPES)

    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)
    (request,) = receiver.requests
    Webhook(endpoint["secret"]).verify(request.body, request.headers)

    log = api.get(f"/school/webhooks/{endpoint['id']}/deliveries").json()
    assert log["count"] == 1
    (row,) = log["results"]
    assert (row["event_type"], row["event_label"], row["agreement_id"]) == (
        "agreement.invited",
        "单位发起邀约",
        agreement.pk,
    )
    assert (row["state"], row["attempts"], row["last_status_code"]) == ("succeeded", 1, 204)
    assert row["message_id"] == request.headers["webhook-id"]

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/school/webhooks/{endpoint['id']}/deliveries/{row['id']}/redeliver")
    assert again.status_code == 202
    assert len(receiver.requests) == 2 and receiver.requests[1].headers["webhook-id"] == row["message_id"]
    assert api.get(f"/school/webhooks/{endpoint['id']}/deliveries", state="failed").json()["count"] == 0


def test_update_rotate_test_message_and_delete(
    world: World, api: ApiClient, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    api.login(world.school_admin)
    endpoint = api.post("/school/webhooks", {"url": receiver.url}).json()
    assert endpoint["events"] == list(EVENT_TYPES)
    changed = api.patch(f"/school/webhooks/{endpoint['id']}", {"active": False, "rotate_secret": True}).json()
    assert changed["active"] is False and changed["secret"] != endpoint["secret"]
    assert "secret" not in api.patch(f"/school/webhooks/{endpoint['id']}", {"active": True}).json()
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/school/webhooks/{endpoint['id']}/test")
    assert sent.status_code == 202 and sent.json()["event_type"] == "webhook.test"
    assert "agreement_id" not in sent.json()
    Webhook(changed["secret"]).verify(receiver.requests[0].body, receiver.requests[0].headers)

    assert api.delete(f"/school/webhooks/{endpoint['id']}").status_code == 200
    assert not Endpoint.objects.exists()
    assert api.get(f"/school/webhooks/{endpoint['id']}").status_code == 404


def test_bad_input_answers_400_naming_the_field(world: World, api: ApiClient) -> None:
    api.login(world.school_admin)
    answer = api.post("/school/webhooks", {"url": "gopher://x", "events": ["agreement.invited"]})
    assert answer.status_code == 400
    assert "url" in answer.json()["errors"]
    answer = api.post("/school/webhooks", {"url": "http://127.0.0.1/x", "events": []})
    assert answer.status_code == 400 and "events" in answer.json()["errors"]
    assert api.get("/school/webhooks/1/deliveries", state="bogus").status_code in (400, 404)
    assert not Endpoint.objects.exists()


def test_another_school_and_other_roles_get_404_and_403(world: World, api: ApiClient, client: Any) -> None:
    api.login(world.school_admin)
    endpoint = api.post("/school/webhooks", {"url": "http://127.0.0.1:9/x"}).json()
    other = ApiClient(client).login(world.other_school_admin)
    for answer in (
        other.get(f"/school/webhooks/{endpoint['id']}"),
        other.delete(f"/school/webhooks/{endpoint['id']}"),
        other.get(f"/school/webhooks/{endpoint['id']}/deliveries"),
        other.post(f"/school/webhooks/{endpoint['id']}/test"),
        other.patch(f"/school/webhooks/{endpoint['id']}", {"active": False}),
    ):
        assert answer.status_code == 404
    assert other.get("/school/webhooks").json()["results"] == []
    college = ApiClient(client).login(world.college_admin)
    assert college.get("/school/webhooks").status_code == 403
    assert college.post("/school/webhooks", {"url": "http://127.0.0.1/x"}).status_code == 403
    assert Endpoint.objects.get().active is True


def test_a_second_test_message_too_soon_answers_429(world: World, api: ApiClient) -> None:
    api.login(world.school_admin)
    endpoint = api.post("/school/webhooks", {"url": "http://127.0.0.1:9/x"}).json()
    assert api.post(f"/school/webhooks/{endpoint['id']}/test").status_code == 202
    again = api.post(f"/school/webhooks/{endpoint['id']}/test")
    assert again.status_code == 429 and again.json()["code"] == "too_many_attempts"
