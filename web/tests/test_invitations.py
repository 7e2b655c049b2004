"""The staff invitation link: single use, valid STAFF_INVITATION_DAYS, sets the password and leads to the second
factor; accepting it ends what the account had (sessions, tokens, factors)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from core.models import ApiToken, Passkey, StaffChange, User
from core.services.passkeys import passkey_register, passkey_registration_options
from core.services.staff import staff_create
from testsupport import PASSWORD, ApiClient, LoginAs, World
from testsupport.webauthn import SoftAuthenticator

NEW_PASSWORD = "Jiuye-2027-neu"

CONFIRMED = {"confirmed": "1"}  # the step's dialog was answered (web.actions)


def _link(mail: Any) -> str:
    match = re.search(r"http://testserver(/invitation/[^\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def invited(world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> tuple[User, str]:
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        user, _ = staff_create(
            school=world.school,
            username="wfxy_zhang",
            display_name="张老师",
            email="zhang@neu.edu.cn",
            role="college_admin",
            college_id=world.college.pk,
            acting_user=world.school_admin,
        )
    return user, _link(mailoutbox[-1])


def _accept(client: Client, link: str, password: str = NEW_PASSWORD, again: str | None = None) -> Any:
    assert client.get(link)["Location"] == "/invitation/"
    return client.post("/invitation/", {"new_password": password, "new_password2": again or password})


def test_the_invitation_sets_the_password_and_signs_in(client: Client, invited: tuple[User, str]) -> None:
    user, link = invited
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/invitation/"
    page = client.get("/invitation/")
    body = page.content.decode()
    assert page.status_code == 200 and "wfxy_zhang" in body and "学院管理员" in body and "东北大学 · 文法学院" in body
    assert "两步验证" not in body, "this school does not require one"
    response = client.post("/invitation/", {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/school/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert StaffChange.objects.filter(target=user, action="accepted", actor=user).exists()


def test_the_link_works_once(client: Client, invited: tuple[User, str]) -> None:
    _, link = invited
    _accept(client, link)
    client.post("/logout/")
    client.get(link)
    page = client.get("/invitation/")
    assert "邀请链接无效、已使用或已过期" in page.content.decode()
    response = client.post("/invitation/", {"new_password": "Another-2027", "new_password2": "Another-2027"})
    assert response.status_code == 400


def test_the_link_expires_after_the_setting(
    client: Client, world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel("2027-03-01 09:00 +0800", tick=False):
        with (
            override_settings(SITE_URL="http://testserver", STAFF_INVITATION_DAYS=2),
            django_capture_on_commit_callbacks(execute=True),
        ):
            staff_create(school=world.school, username="late_li", display_name="李老师", email="li@neu.edu.cn",
                         role="school_admin", acting_user=world.school_admin)  # fmt: skip
        link = _link(mailoutbox[-1])
        assert "2027-03-03 09:00" in mailoutbox[-1].body
    with time_machine.travel("2027-03-03 08:59 +0800", tick=False):
        client.get(link)
        assert "设置密码" in client.get("/invitation/").content.decode()
    with time_machine.travel("2027-03-03 09:01 +0800", tick=False):
        assert _accept(client, link).status_code == 400
    assert not User.objects.get(username="late_li").has_usable_password()


@pytest.mark.parametrize("token", ["1-" + "0" * 40, "abc", "99999999999999999999999-x", "０-１", ""])
def test_a_wrong_link_is_refused(client: Client, invited: tuple[User, str], token: str) -> None:
    if token:
        client.get(f"/invitation/{token}/")
    page = client.get("/invitation/")
    assert "邀请链接无效" in page.content.decode()


def test_wrong_links_are_throttled_like_logins(client: Client, invited: tuple[User, str]) -> None:
    user, link = invited
    with override_settings(LOGIN_FAILURE_LIMIT_PER_ADDRESS=3):
        for n in range(3):
            client.get(f"/invitation/{n + 1}-{'0' * 40}/")
            client.post("/invitation/", {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        # Even the right link waits now: guessing links from one address is bounded.
        response = _accept(client, link)
    assert response.status_code == 429
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_tampered_link_never_sets_a_password(client: Client, invited: tuple[User, str]) -> None:
    user, link = invited
    number, mac = link.strip("/").split("/")[-1].split("-")
    forged = f"/invitation/{number}-{'0' if mac[0] != '0' else '1'}{mac[1:]}/"
    assert _accept(client, forged).status_code == 400
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_the_password_rules_and_the_confirmation_apply(client: Client, invited: tuple[User, str]) -> None:
    user, link = invited
    assert "两次输入的新密码不一致" in _accept(client, link, again="Other-2027-pass").content.decode()
    assert "密码太短" in _accept(client, link, password="short").content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_accepting_a_new_invitation_ends_the_old_sign_in(
    client: Client, api: ApiClient, world: World, login_as: LoginAs, mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    admin = world.college_admin
    admin.email = "law@neu.edu.cn"
    admin.save()
    with override_settings(SITE_URL="https://wangqian.example.edu.cn"):
        device = SoftAuthenticator("https://wangqian.example.edu.cn")
        passkey_register(admin, device.create(passkey_registration_options(admin)))
    api.login(admin)
    old_session = Client()
    old_session.post("/login/", {"username": admin.username, "password": PASSWORD})
    assert old_session.get("/school/").status_code == 200
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        school = login_as(world.school_admin)  # the school admin re-invites through the page
        assert school.post(f"/school/staff/{admin.pk}/invite/", CONFIRMED).status_code == 302
    link = _link(mailoutbox[-1])
    # Until accepted, the old password still works.
    assert old_session.get("/school/").status_code == 200
    fresh = Client()
    assert _accept(fresh, link).status_code == 302
    assert old_session.get("/school/")["Location"].startswith("/login/")
    assert api.get("/me").status_code == 401
    assert not ApiToken.objects.filter(user=admin).exists() and not Passkey.objects.filter(user=admin).exists()
