"""The login page's links, 忘记密码 by e-mail, and activation throttling on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.services.activation import activation_codes_issue
from testsupport import World

pytestmark = pytest.mark.django_db


def test_login_page_links_activation_and_reset(client: Client) -> None:
    page = client.get(reverse("web:login")).content.decode()
    assert reverse("web:activate") in page and "忘记密码" in page and reverse("web:password_reset") in page
    assert "身份证号后6位" not in page


def test_forgotten_password_by_email_link(world: World, client: Client) -> None:
    world.employer.employer.email = "hr@dingxin.example.com"
    world.employer.employer.save()
    sent = client.post(reverse("web:password_reset"), {"username": world.employer.username})
    unknown = client.post(reverse("web:password_reset"), {"username": "no-such-user"})

    def without_csrf(response: Any) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())

    assert sent.status_code == unknown.status_code == 200 and without_csrf(sent) == without_csrf(unknown)
    [message] = mail.outbox
    assert message.to == ["hr@dingxin.example.com"]
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", str(message.body)).group(1)  # type: ignore[union-attr]
    form = client.get(link, follow=True)
    assert 'name="new_password1"' in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Neu-2027-xyz", "new_password2": "Neu-2027-xyz"}, follow=True)
    assert "密码已重置" in done.content.decode()
    login = Client().post(reverse("web:login"), {"username": world.employer.username, "password": "Neu-2027-xyz"})
    assert login.status_code == 302
    again = Client().get(link)
    assert "重置链接无效、已使用或已过期" in again.content.decode()


def test_activation_page_is_throttled(world: World, client: Client) -> None:
    user = world.student.user
    user.password = make_password(None)
    user.save(update_fields=["password"])
    [issued] = activation_codes_issue(
        world.school, student_numbers=[world.student.student_no], acting_user=world.school_admin
    )
    data = {"username": user.username, "new_password": "Neu-2027-xyz", "new_password2": "Neu-2027-xyz"}
    statuses = [client.post(reverse("web:activate"), {**data, "code": f"WRONG{n}"}).status_code for n in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    refused = client.post(reverse("web:activate"), {**data, "code": issued.code})
    assert refused.status_code == 429 and "失败次数过多" in refused.content.decode()


def test_every_failed_login_names_the_activation_code_alike(world: World, client: Client) -> None:
    """Issue 18 bug 2: an imported student who tries a password is told where a first login starts, and the
    answer is the same for a wrong password, an unknown name and a student not yet activated (no enumeration)."""
    answers = []
    for username in (world.employer.username, "no-such-user", world.student.user.username):
        page = client.post(reverse("web:login"), {"username": username, "password": "wrong-password-1"})
        assert page.status_code == 200
        [alert] = re.findall(r'<div class="alert alert-danger[^"]*" role="alert">(.*?)</div>', page.content.decode())
        answers.append(alert)
        credentials = {"username": username, "password": "wrong-password-1"}
        api = client.post("/api/v1/auth/token", credentials, content_type="application/json")
        assert api.status_code == 401
        answers_api = api.json()["detail"]
        assert "激活码" in answers_api and "激活账号" in answers_api
    assert len(set(answers)) == 1
    assert "用户名或密码错误" in answers[0] and "激活码" in answers[0] and reverse("web:activate") in answers[0]


def test_roster_import_page_names_the_activation_code_not_an_initial_password(login_as: Any, world: World) -> None:
    page = login_as(world.school_admin).get(reverse("school:roster_import")).content.decode()
    assert "身份证号后6位" not in page and "初始密码" not in page
    assert "激活码" in page and "激活账号" in page


def test_the_activation_page_speaks_to_students_only(client: Client) -> None:
    """激活账号 is a student's page: its school list does not tell employers and admins to leave it empty (they have
    nothing to activate), while the login page, which they share, still does."""
    activate = client.get(reverse("web:activate")).content.decode()
    login = client.get(reverse("web:login")).content.decode()
    assert "用人单位、管理员不选" not in activate and "请选择你的学校" in activate
    assert "用人单位、管理员不选" in login
