"""账号设置: each school or college admin's own 接收邮箱 and 邮件提醒, so the daily digest has an address."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import User
from core.services.reminders import send_reviewer_digests
from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db

NINE_IN_SHANGHAI = datetime.datetime(2026, 11, 28, 1, 0, tzinfo=datetime.UTC)


def test_college_admin_gives_an_address_and_gets_the_digest(
    world: World, client: Client, login_as: LoginAs, mailoutbox: list[Any]
) -> None:
    world.reach("college_review")  # waits on the 文法学院 admin
    mailoutbox.clear()
    assert send_reviewer_digests(now=NINE_IN_SHANGHAI) == 0  # nowhere to send it
    login_as(world.college_admin)
    page = client.get(reverse("school:account")).content.decode()
    assert f'href="{reverse("school:account")}" class="active" aria-current="page">账号设置</a>' in page
    assert 'name="email" value=""' in page and 'name="email_notifications" checked' in page

    form = {"email": " law@neu.example.edu.cn ", "email_notifications": "on"}
    response = client.post(reverse("school:account"), form)
    assert response.status_code == 302 and response["Location"] == reverse("school:account")
    assert "账号设置已保存" in client.get(response["Location"]).content.decode()
    world.college_admin.refresh_from_db()
    assert world.college_admin.email == "law@neu.example.edu.cn"
    assert send_reviewer_digests(now=NINE_IN_SHANGHAI) == 1
    (mail,) = mailoutbox
    assert mail.to == ["law@neu.example.edu.cn"] and "待学院审核的协议书：1份" in mail.body


def test_admin_turns_the_digest_off_and_bad_addresses_are_refused(
    world: World, client: Client, login_as: LoginAs, mailoutbox: list[Any]
) -> None:
    login_as(world.school_admin)
    response = client.post(reverse("school:account"), {"email": "not-an-address", "email_notifications": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "接收邮箱" in page and "is-invalid" in page and 'value="not-an-address"' in page
    world.school_admin.refresh_from_db()
    assert world.school_admin.email == ""
    too_long = "a" * 250 + "@x.cn"
    assert "接收邮箱不能超过254个字符" in client.post(reverse("school:account"), {"email": too_long}).content.decode()

    assert client.post(reverse("school:account"), {"email": "jyzx@neu.example.edu.cn"}).status_code == 302
    world.school_admin.refresh_from_db()
    assert (world.school_admin.email, world.school_admin.email_notifications) == ("jyzx@neu.example.edu.cn", False)
    assert 'name="email_notifications">' in client.get(reverse("school:account")).content.decode()


def test_only_admins_have_it(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.employer)
    assert client.get(reverse("school:account")).status_code in (302, 403, 404)
    login_as(world.student.user)
    assert client.post(reverse("school:account"), {"email": "x@neu.edu.cn"}).status_code in (302, 403, 404)
    world.student.user.refresh_from_db()
    assert world.student.user.email != "x@neu.edu.cn"


def test_demo_admins_get_the_digest(mailoutbox: list[Any]) -> None:
    call_command("load_demo", verbosity=0)
    admins = User.objects.filter(username__in=["school1", "college1", "college2"])
    assert all(admin.email and admin.email_notifications for admin in admins)
    mailoutbox.clear()
    assert send_reviewer_digests(now=NINE_IN_SHANGHAI) >= 1
    assert {"jyzd@neu.edu.cn"} <= {address for mail in mailoutbox for address in mail.to}
