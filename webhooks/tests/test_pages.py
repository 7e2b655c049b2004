"""学校设置 · 数据推送 pages: register, edit, the delivery log and 重新推送; only the school's own admin."""

from __future__ import annotations

from typing import Any

from django.test import Client

from testsupport import LoginAs, World, invite
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, Endpoint
from webhooks.tests.receiver import Receiver


def test_registering_an_endpoint_on_the_page_and_seeing_its_delivery_log(
    world: World, login_as: LoginAs, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    client = login_as(world.school_admin)
    assert "数据推送" in client.get("/school/settings/").content.decode()
    answer = client.post(
        "/school/settings/webhooks/",
        {"url": receiver.url, "description": "就业数据仓库", "events": ["agreement.invited"], "active": "on"},
    )
    endpoint = Endpoint.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/school/settings/webhooks/{endpoint.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert endpoint.secret in page and "暂无数据!" in page
    assert endpoint.secret not in client.get(answer["Location"]).content.decode()  # shown once

    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)
    page = client.get(f"/school/settings/webhooks/{endpoint.pk}/").content.decode()
    assert "单位发起邀约" in page and "推送成功" in page and "204" in page
    assert f"/school/agreements/{agreement.pk}/" in page

    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/school/settings/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/")
    assert answer.status_code == 302 and len(receiver.requests) == 2
    detail = client.get(answer["Location"]).content.decode()
    assert delivery.message_id in detail and detail.count("成功</td>") == 2
    assert "agreement.invited" in detail  # the body as sent


def test_bad_input_is_told_beside_the_field_and_nothing_is_registered(world: World, login_as: LoginAs) -> None:
    client = login_as(world.school_admin)
    answer = client.post("/school/settings/webhooks/", {"url": "ftp://x", "description": "说明"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "推送地址应以 http:// 或 https:// 开头" in page
    assert 'value="说明"' in page  # what was typed stays
    assert not Endpoint.objects.exists()


def test_edit_rotate_test_and_delete(
    world: World, login_as: LoginAs, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = services.endpoint_create(url=receiver.url, events=list(EVENT_TYPES), acting_user=world.school_admin)
    client = login_as(world.school_admin)
    base = f"/school/settings/webhooks/{endpoint.pk}/"
    client.post(base, {"url": receiver.url, "events": ["agreement.effective"], "description": "学工"})
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.description, endpoint.active) == (["agreement.effective"], "学工", False)
    old = endpoint.secret
    shown = client.get(client.post(base + "rotate/")["Location"]).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in shown and old not in shown
    client.post(base, {"url": receiver.url, "events": ["agreement.effective"], "active": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(base + "test/")
    assert [r.headers["webhook-id"] for r in receiver.requests] == [Delivery.objects.get().message_id]
    assert client.get(base + "?state=succeeded").content.decode().count("推送成功</span>") == 1
    assert client.get(base + "?state=failed").content.decode().count("推送成功</span>") == 0
    assert client.get(base + "delete/").status_code == 405
    assert client.post(base + "delete/").status_code == 302
    assert not Endpoint.objects.exists()


def test_another_schools_admin_gets_404_and_a_college_admin_is_refused(
    world: World, login_as: LoginAs, client: Client
) -> None:
    endpoint = services.endpoint_create(
        url="http://127.0.0.1:9/x", events=["agreement.invited"], acting_user=world.school_admin
    )
    delivery = services.endpoint_send_test(endpoint, acting_user=world.school_admin)
    other = login_as(world.other_school_admin)
    base = f"/school/settings/webhooks/{endpoint.pk}/"
    for path in (base, base + f"deliveries/{delivery.pk}/"):
        assert other.get(path).status_code == 404
    for path in (base, base + "rotate/", base + "test/", base + "delete/", base + f"deliveries/{delivery.pk}/"):
        assert other.post(path, {"url": "http://127.0.0.1/x", "events": ["agreement.invited"]}).status_code == 404
    assert endpoint.url not in other.get("/school/settings/webhooks/").content.decode()
    college = login_as(world.college_admin)
    assert college.get("/school/settings/webhooks/").status_code in (403, 404)
    assert Endpoint.objects.get().url == "http://127.0.0.1:9/x"


def test_a_resting_endpoint_says_so_on_its_page(
    world: World, login_as: LoginAs, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.status = 500
    endpoint = services.endpoint_create(url=receiver.url, events=list(EVENT_TYPES), acting_user=world.school_admin)
    client = login_as(world.school_admin)
    assert "暂停推送" not in client.get(f"/school/settings/webhooks/{endpoint.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    page = client.get(f"/school/settings/webhooks/{endpoint.pk}/").content.decode()
    assert "此地址已连续推送失败 1 次，暂停推送至" in page
