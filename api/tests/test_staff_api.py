"""账号管理 over the API (SPEC §6): GET, POST /school/staff; PATCH /school/staff/{id} {active};
POST /school/staff/{id}/invite. Another school's staff answer 404; a disabled account's token answers 401 at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings

from core.models import Passkey, User
from core.services.passkeys import passkey_register, passkey_registration_options
from testsupport import ApiClient, World
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


def test_the_list_is_the_schools_staff(api: ApiClient, world: World) -> None:
    rows = api.login(world.school_admin).get("/school/staff").json()
    assert sorted(r["username"] for r in rows) == ["college_info", "college_law", "school_neu"]
    law = next(r for r in rows if r["username"] == "college_law")
    assert law["role"] == "college_admin" and law["college"] == {"id": world.college.pk, "name": "文法学院"}
    assert law["state"] == "active" and law["active"] and law["second_factor"] is False
    assert law["invitation_expires_at"] is None


def test_adding_a_college_admin_invites_them(
    api: ApiClient, world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    api.login(world.school_admin)
    body = {
        "username": "xxxy_li", "display_name": "李老师", "email": "li@neu.edu.cn", "role": "college_admin",
        "college_id": world.other_college.pk,
    }  # fmt: skip
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        response = api.post("/school/staff", body)
    assert response.status_code == 201
    created = response.json()
    assert created["state"] == "invited" and created["college"]["name"] == "信息科学与工程学院"
    assert created["invitation_expires_at"] and not created["second_factor"]
    assert "password" not in created
    assert re.search(r"/invitation/\d+-[0-9a-f]{40}/", mailoutbox[-1].body)
    again = api.post("/school/staff", body)
    assert again.status_code == 400 and again.json()["errors"]["username"].endswith("请换一个")
    bad = api.post("/school/staff", {**body, "username": "x", "email": "nope", "college_id": None})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"username", "email", "college_id"}


def test_disabling_ends_the_accounts_token_at_once_and_enabling_reinvites(
    api: ApiClient, client: Any, world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    target_api = ApiClient(type(client)()).login(world.college_admin)
    assert target_api.get("/me").status_code == 200
    api.login(world.school_admin)
    answer = api.patch(f"/school/staff/{world.college_admin.pk}", {"active": False})
    assert answer.status_code == 200 and answer.json()["state"] == "disabled" and not answer.json()["active"]
    refused = target_api.get("/me")
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    world.college_admin.email = "law@neu.edu.cn"
    world.college_admin.save(update_fields=["email"])
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        answer = api.patch(f"/school/staff/{world.college_admin.pk}", {"active": True})
    assert answer.json()["state"] == "invited" and mailoutbox[-1].to == ["law@neu.edu.cn"]
    assert target_api.get("/me").status_code == 401, "an old token never comes back"


def test_the_last_school_admin_answers_409(api: ApiClient, world: World) -> None:
    answer = api.login(world.school_admin).patch(f"/school/staff/{world.school_admin.pk}", {"active": False})
    assert answer.status_code == 409 and answer.json()["code"] == "last_school_admin"
    assert api.get("/me").status_code == 200


def test_reinvite(api: ApiClient, world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    world.college_admin.email = "law@neu.edu.cn"
    world.college_admin.save(update_fields=["email"])
    api.login(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/school/staff/{world.college_admin.pk}/invite")
    assert answer.status_code == 200 and answer.json()["detail"] == "邀请链接已发送到 law@neu.edu.cn"
    assert mailoutbox[-1].to == ["law@neu.edu.cn"]
    no_address = api.post(f"/school/staff/{world.other_college_admin.pk}/invite")
    assert no_address.status_code == 409 and no_address.json()["code"] == "no_email"


def test_another_schools_staff_and_other_roles(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    for user in (world.other_school_admin, world.employer, world.student.user):
        assert api.patch(f"/school/staff/{user.pk}", {"active": False}).status_code == 404
        assert api.post(f"/school/staff/{user.pk}/invite").status_code == 404
    assert api.patch("/school/staff/abc", {"active": False}).status_code == 404
    world.other_school_admin.refresh_from_db()
    assert world.other_school_admin.is_active
    for user in (world.college_admin, world.employer, world.student.user):
        api.login(user)
        assert api.get("/school/staff").status_code == 403
        assert (
            api.post("/school/staff", {"username": "a", "display_name": "a", "email": "a", "role": "x"}).status_code
            == 403
        )


# --- /auth/passkeys ---------------------------------------------------------------------------------------------

SITE = "https://wangqian.example.edu.cn"


def test_passkeys_over_the_api(api: ApiClient, world: World) -> None:
    device = SoftAuthenticator(SITE)
    api.login(world.student.user)
    with override_settings(SITE_URL=SITE):
        options = api.post("/auth/passkeys/options").json()
        assert options["rp"]["id"] == "wangqian.example.edu.cn"
        created = api.post("/auth/passkeys", {"credential": device.create(options), "name": "我的手机"})
    assert created.status_code == 201 and created.json()["name"] == "我的手机"
    listed = api.get("/auth/passkeys").json()
    assert [p["name"] for p in listed] == ["我的手机"] and listed[0]["transports"] == ["internal"]
    key_id = listed[0]["id"]
    assert api.patch(f"/auth/passkeys/{key_id}", {"name": "旧手机"}).json()["name"] == "旧手机"
    other = ApiClient(api.client.__class__()).login(world.other_student.user)
    assert other.get("/auth/passkeys").json() == []
    assert other.delete(f"/auth/passkeys/{key_id}").status_code == 404
    bad = api.post("/auth/passkeys", {"credential": {"id": "x"}})
    assert bad.status_code == 400 and bad.json()["errors"] == {"credential": "通行密钥验证失败，请重试"}
    assert api.delete(f"/auth/passkeys/{key_id}").status_code == 200
    assert not Passkey.objects.exists()


def test_the_last_factor_of_an_admin_who_needs_one_stays(api: ApiClient, world: World) -> None:
    admin: User = world.school_admin
    with override_settings(SITE_URL=SITE):
        device = SoftAuthenticator(SITE)
        passkey = passkey_register(admin, device.create(passkey_registration_options(admin)))
        world.school.second_factor_required = True
        world.school.save()
        first = api.client.post(
            "/api/v1/auth/token", {"username": admin.username, "password": "test-pass-2026"},
            content_type="application/json",
        ).json()  # fmt: skip
        answer = api.client.post(
            "/api/v1/auth/token/second-factor",
            {"challenge": first["challenge"], "credential": device.get(first["passkey_options"])},
            content_type="application/json",
        )
    api.token = answer.json()["token"]
    refused = api.delete(f"/auth/passkeys/{passkey.pk}")
    assert refused.status_code == 409 and refused.json()["code"] == "last_second_factor"
