"""Passkeys: registration and assertion verified by py_webauthn against the relying party of SITE_URL, with user
verification required, each challenge used once and bound to its user, purpose and binding (the seam the
graduates' 本人确认 builds on)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Passkey, WebAuthnChallenge
from core.services.mfa import passkey_delete
from core.services.passkeys import (
    passkey_authentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_rename,
    passkey_verify_assertion,
    relying_party,
)
from testsupport import World
from testsupport.webauthn import SoftAuthenticator, b64url

SITE = "https://wangqian.example.edu.cn"


@pytest.fixture(autouse=True)
def _site() -> object:
    with override_settings(SITE_URL=SITE):
        yield


def _registered(world: World, device: SoftAuthenticator, name: str = "办公室电脑") -> Passkey:
    user = world.student.user
    return passkey_register(user, device.create(passkey_registration_options(user)), name=name)


def test_the_relying_party_is_site_url() -> None:
    assert relying_party() == ("wangqian.example.edu.cn", SITE)


def test_registration_options_require_user_verification_and_exclude_known_keys(world: World) -> None:
    device = SoftAuthenticator(SITE)
    options = passkey_registration_options(world.student.user)
    assert options["rp"] == {"id": "wangqian.example.edu.cn", "name": "就业协议书网签系统"}
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == world.student.user.username
    passkey_register(world.student.user, device.create(options))
    again = passkey_registration_options(world.student.user)
    assert [c["id"] for c in again["excludeCredentials"]] == [b64url(raw) for raw in device.credentials]


def test_a_student_registers_and_uses_a_passkey_once_per_challenge(world: World) -> None:
    device = SoftAuthenticator(SITE)
    passkey = _registered(world, device)
    assert passkey.name == "办公室电脑" and passkey.sign_count == 0 and passkey.transports == ["internal"]
    user = world.student.user
    options = passkey_authentication_options(user, purpose="confirm", binding="accept:1:v1")
    assert options["userVerification"] == "required"
    answer = device.get(options)
    used = passkey_verify_assertion(user, answer, purpose="confirm", binding="accept:1:v1")
    assert used.pk == passkey.pk and used.sign_count == 1 and used.last_used_at is not None
    # The same answer again: its challenge is spent.
    with pytest.raises(InvalidInput) as replay:
        passkey_verify_assertion(user, answer, purpose="confirm", binding="accept:1:v1")
    assert replay.value.code == "challenge_expired"


def test_an_assertion_verifies_only_for_its_purpose_binding_and_user(world: World) -> None:
    device = SoftAuthenticator(SITE)
    _registered(world, device)
    user = world.student.user
    answer = device.get(passkey_authentication_options(user, purpose="confirm", binding="accept:1:v1"))
    for purpose, binding in (("confirm", "accept:1:v2"), ("login", "accept:1:v1"), ("confirm", "")):
        with pytest.raises(InvalidInput):
            passkey_verify_assertion(user, answer, purpose=purpose, binding=binding)
    # Another account cannot present it (the passkey is not theirs).
    with pytest.raises(InvalidInput) as other:
        passkey_verify_assertion(world.other_student.user, answer, purpose="confirm", binding="accept:1:v1")
    assert other.value.code == "unknown_passkey"
    # Nothing above spent the challenge: the right call still verifies.
    passkey_verify_assertion(user, answer, purpose="confirm", binding="accept:1:v1")


def test_a_challenge_expires(world: World) -> None:
    device = SoftAuthenticator(SITE)
    _registered(world, device)
    user = world.student.user
    with time_machine.travel("2027-03-01 09:00 +0800", tick=False):
        answer = device.get(passkey_authentication_options(user))
    with time_machine.travel("2027-03-01 09:06 +0800", tick=False), pytest.raises(InvalidInput):
        passkey_verify_assertion(user, answer)


def test_without_user_verification_or_from_another_origin_nothing_verifies(world: World) -> None:
    user = world.student.user
    lazy = SoftAuthenticator(SITE, user_verified=False)
    with pytest.raises(InvalidInput):
        passkey_register(user, lazy.create(passkey_registration_options(user)))
    phishing = SoftAuthenticator("https://wangqian.example.com.evil.cn")
    with pytest.raises(InvalidInput):
        passkey_register(user, phishing.create(passkey_registration_options(user)))
    assert not Passkey.objects.filter(user=user).exists()
    device = SoftAuthenticator(SITE)
    _registered(world, device)
    device.user_verified = False
    with pytest.raises(InvalidInput):
        passkey_verify_assertion(user, device.get(passkey_authentication_options(user)))


@pytest.mark.parametrize(
    "answer",
    [
        {},
        "not json",
        {"id": "x", "rawId": "x", "response": {"clientDataJSON": 5}},
        {"id": "%%%", "rawId": "%%%", "type": "public-key", "response": {"clientDataJSON": "e30"}},
        "x" * 70_000,
    ],
)
def test_a_malformed_answer_is_refused_in_chinese(world: World, answer: object) -> None:
    user = world.student.user
    passkey_registration_options(user)
    with pytest.raises(InvalidInput) as refused:
        passkey_register(user, answer)
    assert "通行密钥" in refused.value.detail


def test_rename_delete_and_someone_elses_key(world: World) -> None:
    passkey = _registered(world, SoftAuthenticator(SITE))
    assert passkey_rename(passkey.pk, "手机", acting_user=world.student.user).name == "手机"
    with pytest.raises(NotFound):
        passkey_rename(passkey.pk, "x", acting_user=world.other_student.user)
    with pytest.raises(NotFound):
        passkey_delete(passkey.pk, acting_user=world.other_student.user)
    with pytest.raises(InvalidInput):
        passkey_rename(passkey.pk, "名" * 51, acting_user=world.student.user)
    passkey_delete(passkey.pk, acting_user=world.student.user)
    assert not Passkey.objects.exists()


def test_the_number_of_passkeys_is_a_setting(world: World) -> None:
    with override_settings(PASSKEYS_PER_USER=1):
        _registered(world, SoftAuthenticator(SITE))
        with pytest.raises(Conflict) as refused:
            passkey_registration_options(world.student.user)
    assert "最多登记1个" in refused.value.detail


def test_expired_challenges_are_cleared(world: World) -> None:
    user = world.student.user
    with time_machine.travel("2027-03-01 09:00 +0800", tick=False):
        passkey_registration_options(user)
    with time_machine.travel("2027-03-02 09:00 +0800", tick=False):
        passkey_registration_options(user)
    assert WebAuthnChallenge.objects.filter(user=user).count() == 1
