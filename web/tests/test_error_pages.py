"""With DEBUG off every refusal a person can meet is the site's Chinese page, not Django's stock one."""

from __future__ import annotations

from django.test import Client

from testsupport import LoginAs, World


def test_an_expired_form_gets_the_sites_page(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    answer = client.post("/login/", {"username": "x", "password": "y"})
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "页面已过期，请重新提交" in page and "DEBUG" not in page


def test_a_get_of_a_post_only_address_gets_the_sites_page(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    client = login_as(world.college_admin)
    answer = client.get(f"/school/agreements/{agreement.pk}/approve/")
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert "不支持此操作（405）" in answer.content.decode()


def test_the_api_keeps_its_json_answer(client: Client, db: None) -> None:
    answer = client.get("/api/v1/auth/token")
    assert answer.status_code == 405 and answer["Content-Type"].startswith("application/json")
