"""A second factor for the admins who approve (issue 23 item 3): a school setting; enrolled at first sign-in; asked
once per session on every page; authenticator app (TOTP), passkeys and recovery codes; the API's token only after
it; the last factor of such an account stays."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import ApiToken, School, User
from core.services import mfa
from core.services.passkeys import passkey_register, passkey_registration_options
from testsupport import PASSWORD, ApiClient, LoginAs, World
from testsupport.webauthn import SoftAuthenticator

SITE = "https://wangqian.example.edu.cn"

CONFIRMED = {"confirmed": "1"}  # the step's dialog was answered (web.actions)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Time stands still unless a test moves it (a TOTP code is one 30-second step; a wrong code slows the next)."""
    with time_machine.travel("2027-03-01 09:00:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(world: World) -> School:
    School.objects.filter(pk=world.school.pk).update(second_factor_required=True)
    world.school.refresh_from_db()
    return world.school


def sign_in(user: User) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def code_of(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key).token():06d}"


def enrol_totp(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    page = client.get("/account/security/totp/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode())
    assert secret and secret.group(1).replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    response = client.post("/account/security/totp/", {"code": code_of(device)})
    assert response.status_code == 302, response.content.decode()
    security = client.get("/account/security/").content.decode()
    codes = re.findall(r"<li class=\"col\">([a-z0-9]{5}-[a-z0-9]{5})</li>", security)
    return TOTPDevice.objects.get(pk=device.pk), codes


def test_an_admin_without_a_factor_enrols_one_before_any_page(world: World, required: School) -> None:
    admin = world.college_admin
    client = sign_in(admin)
    response = client.get("/school/reviews/")
    assert response.status_code == 302 and response["Location"] == "/account/second-factor/?next=%2Fschool%2Freviews%2F"
    setup = client.get(response["Location"]).content.decode()
    assert "通行密钥" in setup and "验证器应用" in setup
    assert client.get("/api/v1/me").status_code == 401, "the API never reads the session"
    device, codes = enrol_totp(client, admin)
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/school/reviews/").status_code == 200
    # The codes are shown once.
    assert "恢复码（只显示这一次）" not in client.get("/account/security/").content.decode()


def test_each_sign_in_asks_for_the_factor_once(world: World, required: School, clock: Any) -> None:
    admin = world.college_admin
    device, codes = enrol_totp(sign_in(admin), admin)
    client = sign_in(admin)
    response = client.get("/school/agreements/")
    assert response["Location"] == "/login/second-factor/?next=%2Fschool%2Fagreements%2F"
    page = client.get(response["Location"]).content.decode()
    assert "验证器应用" in page and "恢复码" in page
    clock.shift(60)
    wrong = client.post("/login/second-factor/", {"code": "000000", "next": "/school/agreements/"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    clock.shift(60)
    device.refresh_from_db()
    right = client.post("/login/second-factor/", {"code": code_of(device), "next": "/school/agreements/"})
    assert right.status_code == 302 and right["Location"] == "/school/agreements/"
    assert client.get("/school/agreements/").status_code == 200
    # A recovery code works once, in another session.
    other = sign_in(admin)
    assert other.post("/login/second-factor/", {"code": codes[0].upper()}).status_code == 302
    assert other.get("/school/").status_code == 200
    third = sign_in(admin)
    assert third.post("/login/second-factor/", {"code": codes[0]}).status_code == 400
    assert mfa.recovery_codes_left(admin) == 9


def test_a_code_is_accepted_once(world: World, required: School, clock: Any) -> None:
    admin = world.college_admin
    device, _ = enrol_totp(sign_in(admin), admin)
    clock.shift(3600)
    code = code_of(device)
    assert sign_in(admin).post("/login/second-factor/", {"code": code}).status_code == 302
    assert sign_in(admin).post("/login/second-factor/", {"code": code}).status_code == 400


def test_too_many_wrong_codes_end_the_sign_in(world: World, required: School) -> None:
    admin = world.college_admin
    enrol_totp(sign_in(admin), admin)
    client = sign_in(admin)
    with override_settings(SECOND_FACTOR_MAX_FAILURES=3):
        for _ in range(2):
            assert client.post("/login/second-factor/", {"code": "123456"}).status_code == 400
        response = client.post("/login/second-factor/", {"code": "123456"})
    assert response["Location"] == "/login/"
    assert client.get("/school/")["Location"].startswith("/login/")


def test_an_unverified_session_cannot_add_a_factor(world: World, required: School) -> None:
    admin = world.college_admin
    enrol_totp(sign_in(admin), admin)
    thief = sign_in(admin)  # knows the password, not the phone
    for path in ("/account/security/passkeys/options/", "/account/security/passkeys/", "/account/security/totp/"):
        response = thief.post(path, {"code": "123456"})
        assert response.status_code == 302 and response["Location"].startswith("/login/second-factor/"), path
    assert thief.get("/account/security/")["Location"].startswith("/login/second-factor/")
    assert TOTPDevice.objects.filter(user=admin).count() == 1


@pytest.mark.parametrize(
    ("site_url", "page_host", "hint"),
    [
        ("http://localhost:8000", "127.0.0.1:8000", 'href="http://localhost:8000/"'),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", 'href="http://localhost:8000/"'),  # an old SITE_URL: the name
        (SITE, "[::1]:8000", f'href="{SITE}/"'),
        ("http://10.1.2.3:8000", "10.1.2.3:8000", "请用本站的网址名称（域名）打开本页。"),
        ("http://localhost:8000", "localhost:8000", ""),
    ],
)
def test_a_page_opened_at_an_ip_address_says_where_passkeys_work(
    world: World, required: School, login_as: LoginAs, site_url: str, page_host: str, hint: str
) -> None:
    """Browsers refuse an IP address as a passkey's relying party (outsider F4): the pages that add one say so, the
    first-sign-in setup of an admin and everybody's 账号安全."""
    admin, student = sign_in(world.college_admin), login_as(world.student)
    with override_settings(SITE_URL=site_url, ALLOWED_HOSTS=["*"]):
        for client, path in ((admin, "/account/second-factor/"), (student, "/account/security/")):
            response = client.get(path, HTTP_HOST=page_host)
            assert response.status_code == 200, (path, response.status_code)
            page = response.content.decode()
            if hint:
                assert 'id="passkey-address-hint"' in page and "不允许在以 IP 地址打开的网址上使用通行密钥" in page
                assert hint in page, path
            else:
                assert 'id="passkey-address-hint"' not in page, path


def test_turning_the_setting_on_asks_sessions_already_signed_in(world: World, login_as: LoginAs) -> None:
    client = login_as(world.school_admin)
    assert client.get("/school/").status_code == 200
    form = client.get("/school/settings/").content.decode()
    assert 'name="second_factor_required"' in form
    School.objects.filter(pk=world.school.pk).update(second_factor_required=True)
    assert client.get("/school/")["Location"].startswith("/account/second-factor/")


def test_students_employers_and_other_schools_are_never_asked(
    world: World, required: School, login_as: LoginAs
) -> None:
    assert login_as(world.student).get("/student/invitations/").status_code == 200
    assert login_as(world.employer).get("/employer/agreements/").status_code == 200
    assert login_as(world.other_school_admin).get("/school/").status_code == 200


def test_the_last_factor_stays_while_the_school_requires_one(world: World, required: School) -> None:
    admin = world.college_admin
    client = sign_in(admin)
    enrol_totp(client, admin)
    response = client.post("/account/security/totp/remove/", CONFIRMED, follow=True)
    assert "不能删除最后一种验证方式" in response.content.decode()
    assert mfa.totp_device(admin) is not None
    with override_settings(SITE_URL=SITE):
        device = SoftAuthenticator(SITE)
        passkey = passkey_register(admin, device.create(passkey_registration_options(admin)))
    assert client.post("/account/security/totp/remove/", CONFIRMED).status_code == 302
    assert mfa.totp_device(admin) is None
    response = client.post(f"/account/security/passkeys/{passkey.pk}/delete/", CONFIRMED, follow=True)
    assert "不能删除最后一种验证方式" in response.content.decode()


def test_security_page_for_everyone_and_someone_elses_passkey(world: World, login_as: LoginAs) -> None:
    with override_settings(SITE_URL=SITE):
        passkey = passkey_register(
            world.other_student.user,
            SoftAuthenticator(SITE).create(passkey_registration_options(world.other_student.user)),
        )
    client = login_as(world.student)
    page = client.get("/account/security/").content.decode()
    assert "通行密钥" in page and "验证器应用" not in page, "authenticator apps are the staff's"
    assert client.post(f"/account/security/passkeys/{passkey.pk}/delete/", CONFIRMED).status_code == 404
    assert client.post(f"/account/security/passkeys/{passkey.pk}/rename/", {"name": "x"}).status_code == 404
    assert client.get("/account/security/totp/")["Location"] == "/account/security/"
    assert login_as(world.employer).get("/account/security/").status_code == 200
    assert Client().get("/account/security/")["Location"].startswith("/login/")


# --- the API ---------------------------------------------------------------------------------------------------


def token_call(client: Client, user: User) -> Any:
    return client.post(
        "/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    )


def test_the_api_issues_a_token_only_after_the_second_factor(
    client: Client, world: World, required: School, clock: Any
) -> None:
    admin = world.college_admin
    refused = token_call(client, admin)
    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_enrollment_required"
    device, codes = enrol_totp(sign_in(admin), admin)
    clock.shift(3600)
    first = token_call(client, admin).json()
    assert first["second_factor_required"] is True and "token" not in first
    assert first["methods"] == ["totp", "recovery"] and first["passkey_options"] is None
    assert first["challenge"].startswith("tfa_") and not ApiToken.objects.filter(user=admin).exists()
    answer = client.post(
        "/api/v1/auth/token/second-factor", {"challenge": first["challenge"], "code": "000000"},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["code"] == "wrong_code"
    clock.shift(60)  # a wrong code makes the next one wait a moment (django-otp's throttle)
    device.refresh_from_db()
    answer = client.post(
        "/api/v1/auth/token/second-factor", {"challenge": first["challenge"], "code": code_of(device)},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["role"] == "college_admin"
    token = answer.json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    again = client.post(
        "/api/v1/auth/token/second-factor", {"challenge": first["challenge"], "code": codes[0]},
        content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 401 and again.json()["code"] == "challenge_invalid"


def test_a_token_issued_before_the_school_required_a_second_factor_is_refused(
    client: Client, world: World, clock: Any
) -> None:
    admin, college, student = world.school_admin, world.college_admin, world.student.user
    tokens = {user.pk: token_call(client, user).json()["token"] for user in (admin, college, student)}

    def call(user: User, path: str, method: str = "get", body: Any = None) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {tokens[user.pk]}"
        )

    turned_on = call(admin, "/school/settings", "patch", {"second_factor_required": True})
    assert turned_on.status_code == 200 and turned_on.json()["second_factor_required"] is True
    for user, path in ((admin, "/school/staff"), (admin, "/me"), (college, "/me")):
        refused = call(user, path)
        assert refused.status_code == 401, (path, refused.content.decode())
        assert refused.json()["code"] == "second_factor_enrollment_required" and "两步验证" in refused.json()["detail"]
    assert call(student, "/me").status_code == 200  # students are never asked
    assert call(admin, "/school/settings", "patch", {"second_factor_required": False}).status_code == 401

    device, _ = enrol_totp(sign_in(admin), admin)
    refused = call(admin, "/me")
    assert refused.status_code == 401 and refused.json()["code"] == "second_factor_required"
    assert "两步验证" in refused.json()["detail"]
    clock.shift(60)
    challenge = token_call(client, admin).json()["challenge"]
    answer = client.post(
        "/api/v1/auth/token/second-factor", {"challenge": challenge, "code": code_of(device)},
        content_type="application/json",
    )  # fmt: skip
    tokens[admin.pk] = answer.json()["token"]
    assert call(admin, "/school/staff").status_code == 200
    School.objects.filter(pk=world.school.pk).update(second_factor_required=False)
    assert call(college, "/me").status_code == 200  # with the setting off again, the old token serves again


def test_a_challenge_dies_after_the_allowed_wrong_answers(client: Client, world: World, required: School) -> None:
    admin = world.college_admin
    _, codes = enrol_totp(sign_in(admin), admin)
    challenge = token_call(client, admin).json()["challenge"]
    with override_settings(SECOND_FACTOR_MAX_FAILURES=2):
        for _ in range(2):
            wrong = client.post(
                "/api/v1/auth/token/second-factor", {"challenge": challenge, "code": "zzzzz-zzzzz"},
                content_type="application/json",
            )  # fmt: skip
            assert wrong.status_code == 400
        late = client.post(
            "/api/v1/auth/token/second-factor", {"challenge": challenge, "code": codes[0]},
            content_type="application/json",
        )  # fmt: skip
    assert late.status_code == 401
    assert mfa.recovery_codes_left(admin) == 10, "the right code was not spent on a dead challenge"


def test_the_api_second_factor_by_passkey(client: Client, world: World, required: School) -> None:
    admin = world.school_admin
    device = SoftAuthenticator(SITE)
    with override_settings(SITE_URL=SITE):
        passkey_register(admin, device.create(passkey_registration_options(admin)))
        first = token_call(client, admin).json()
        assert first["methods"] == ["passkey"]
        credential = device.get(first["passkey_options"])
        answer = client.post(
            "/api/v1/auth/token/second-factor", {"challenge": first["challenge"], "credential": credential},
            content_type="application/json",
        )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["role"] == "school_admin"


def test_accounts_without_the_requirement_get_their_token_at_once(
    api: ApiClient, world: World, required: School
) -> None:
    api.login(world.student.user)
    assert api.get("/me").status_code == 200
    api.login(world.other_school_admin)
    assert api.get("/me").json()["role"] == "school_admin"


def test_removals_ask_once_without_javascript(world: World, login_as: LoginAs) -> None:
    with override_settings(SITE_URL=SITE):
        passkey = passkey_register(
            world.student.user, SoftAuthenticator(SITE).create(passkey_registration_options(world.student.user))
        )
    client = login_as(world.student)
    page = client.post(f"/account/security/passkeys/{passkey.pk}/delete/")
    assert page.status_code == 200 and "删除通行密钥" in page.content.decode()
    assert 'name="confirmed" value="1"' in page.content.decode()
    assert mfa.Passkey.objects.filter(pk=passkey.pk).exists()
    assert client.post(f"/account/security/passkeys/{passkey.pk}/delete/", CONFIRMED).status_code == 302
    assert not mfa.Passkey.objects.filter(pk=passkey.pk).exists()
