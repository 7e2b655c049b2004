"""Passkeys (通行密钥, WebAuthn) for every role, on py_webauthn.

Two ceremonies, each in two calls: options (a challenge kept server-side in WebAuthnChallenge, so any worker may
receive the answer), then the browser's answer verified against it once. User verification (the device's PIN,
fingerprint or face) is required in both, so a passkey is "something you have" and "something you are/know".

The relying party is the host of SITE_URL and the origin SITE_URL itself: a passkey made for one deployment
never signs in to another.

The seam for acts that must be confirmed by their user (the graduates' 本人确认, SPEC §11): ask for
`passkey_authentication_options(user, purpose="confirm", binding="<action>:<object>:<version>")`, hand the
options to the browser (or the API client), and pass its answer to `passkey_verify_assertion(user, answer,
purpose="confirm", binding=<the same>)`. The assertion verifies only for that user, purpose and binding, once,
within SECOND_FACTOR_CHALLENGE_MINUTES; it returns the Passkey used (its credential id is the evidence).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import options_to_json_dict, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Passkey, User, WebAuthnChallenge

RP_NAME = "就业协议书网签系统"
REGISTER = "register"
LOGIN = "login"
NAME_MAX = 50
# Largest answer we parse: a registration with an attestation certificate chain is a few kilobytes.
ANSWER_MAX_CHARS = 64 * 1024
INVALID_ANSWER = "通行密钥验证失败，请重试"


def relying_party() -> tuple[str, str]:
    """(RP id, origin) from SITE_URL: the host name, and scheme://host[:port]."""
    parts = urlsplit(settings.SITE_URL)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def ip_address_hint(page_host: str) -> str:
    """What to tell someone who opened the site at an IP address (`request.get_host()`): browsers refuse passkeys
    there (an IP is no relying party), so they open it by its name — SITE_URL's, or `localhost` for this machine's
    own address. Empty when the page was opened by a name."""
    parts = urlsplit(f"//{page_host}")
    host = parts.hostname or ""
    if not _is_ip(host):
        return ""
    site = urlsplit(settings.SITE_URL)
    if site.hostname and not _is_ip(site.hostname):
        address = f"{site.scheme}://{site.netloc}"
    elif ipaddress.ip_address(host).is_loopback:
        address = f"http://localhost{f':{parts.port}' if parts.port else ''}"
    else:
        return "浏览器不允许在以 IP 地址打开的网址上使用通行密钥：请用本站的网址名称（域名）打开本页。"
    return f"浏览器不允许在以 IP 地址打开的网址上使用通行密钥：请改用网址名称打开本站，即 {address}/ 。"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _user_handle(user: User) -> bytes:
    """The WebAuthn user id: stable per account, and not the account's name or number (the spec asks for privacy)."""
    return salted_hmac("wangqian.passkeys.user-handle", str(user.pk)).digest()


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SECOND_FACTOR_CHALLENGE_MINUTES)


def _challenge_store(user: User, challenge: bytes, purpose: str, binding: str) -> None:
    now = timezone.now()
    WebAuthnChallenge.objects.filter(user=user, expires_at__lte=now).delete()
    WebAuthnChallenge.objects.create(
        user=user, challenge=_b64url(challenge), purpose=purpose, binding=binding, expires_at=now + _lifetime()
    )


def _answer(credential: Any) -> dict[str, Any]:
    """The browser's answer as a dict (a JSON text is accepted too), bounded before any parsing."""
    if isinstance(credential, str):
        if len(credential) > ANSWER_MAX_CHARS:
            raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER})
        try:
            credential = json.loads(credential)
        except ValueError:
            raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER}) from None
    if not isinstance(credential, dict) or len(json.dumps(credential)) > ANSWER_MAX_CHARS:
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER})
    return credential


def _challenge_take(user: User, answer: dict[str, Any], purpose: str, binding: str) -> bytes:
    """The stored challenge this answer was made for, marked used; refused when unknown, expired, used, or made
    for another user, purpose or binding."""
    try:
        client_data = answer["response"]["clientDataJSON"]
        if not isinstance(client_data, str):
            raise TypeError
        challenge = _b64url(parse_client_data_json(_decode(client_data)).challenge)
    except (KeyError, TypeError, ValueError, WebAuthnException):
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER}) from None
    used = WebAuthnChallenge.objects.filter(
        user=user,
        challenge=challenge,
        purpose=purpose,
        binding=binding,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(used_at=timezone.now())
    if used != 1:
        message = "通行密钥验证已过期或已使用，请重新操作"
        raise InvalidInput(message, code="challenge_expired", errors={"credential": message})
    return _decode(challenge)


def _decode(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER}) from None


def passkeys_of(user: User) -> QuerySet[Passkey]:
    return Passkey.objects.filter(user=user)


def passkey_registration_options(user: User) -> dict[str, Any]:
    """PublicKeyCredentialCreationOptions (WebAuthn JSON) for a new passkey of this user."""
    if passkeys_of(user).count() >= settings.PASSKEYS_PER_USER:
        raise Conflict(f"每个账号最多登记{settings.PASSKEYS_PER_USER}个通行密钥，请先删除不用的")
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.username,
        user_display_name=user.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=bytes(p.credential_id)) for p in passkeys_of(user)],
        timeout=_lifetime().seconds * 1000,
    )
    _challenge_store(user, options.challenge, REGISTER, "")
    return options_to_json_dict(options)


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) > NAME_MAX or not name.isprintable():
        message = f"名称应为{NAME_MAX}个字以内的文字"
        raise InvalidInput(message, errors={"name": message})
    return name


def passkey_register(user: User, credential: Any, *, name: str = "") -> Passkey:
    """Verify the browser's answer to passkey_registration_options and keep the new passkey."""
    label = _name(name)
    answer = _answer(credential)
    challenge = _challenge_take(user, answer, REGISTER, "")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError):
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER}) from None
    transports = [t for t in answer.get("response", {}).get("transports", []) if isinstance(t, str)]
    known = {t.value for t in AuthenticatorTransport}
    count = passkeys_of(user).count()
    try:
        with transaction.atomic():
            return Passkey.objects.create(
                user=user,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[t for t in transports if t in known],
                aaguid=str(verified.aaguid),
                backed_up=verified.credential_backed_up,
                name=label or f"通行密钥{count + 1}",
            )
    except IntegrityError:
        message = "这个通行密钥已经登记过了"
        raise Conflict(message, code="passkey_exists") from None


def passkey_authentication_options(user: User, *, purpose: str = LOGIN, binding: str = "") -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions (WebAuthn JSON) for one of this user's passkeys, bound to `purpose` and
    `binding` (see the module's note). Refused (409 no_passkey) when the user has none."""
    keys = list(passkeys_of(user))
    if not keys:
        raise Conflict("该账号还没有登记通行密钥", code="no_passkey")
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(
                id=bytes(p.credential_id),
                transports=[AuthenticatorTransport(t) for t in p.transports],
            )
            for p in keys
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
        timeout=_lifetime().seconds * 1000,
    )
    _challenge_store(user, options.challenge, purpose, binding)
    return options_to_json_dict(options)


def passkey_verify_assertion(user: User, credential: Any, *, purpose: str = LOGIN, binding: str = "") -> Passkey:
    """Verify an answer to passkey_authentication_options for the same user, purpose and binding (once); returns the
    passkey used, its sign count and last use updated."""
    answer = _answer(credential)
    raw_id = answer.get("rawId") or answer.get("id")
    if not isinstance(raw_id, str):
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER})
    passkey = passkeys_of(user).filter(credential_id=_decode(raw_id)).first()
    if passkey is None:
        message = "这个通行密钥不属于该账号或已被删除"
        raise InvalidInput(message, code="unknown_passkey", errors={"credential": message})
    challenge = _challenge_take(user, answer, purpose, binding)
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError):
        raise InvalidInput(INVALID_ANSWER, errors={"credential": INVALID_ANSWER}) from None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.backed_up = verified.credential_backed_up
    passkey.save(update_fields=["sign_count", "last_used_at", "backed_up"])
    return passkey


def get_passkey_for_user(user: User, passkey_id: int) -> Passkey:
    passkey = passkeys_of(user).filter(pk=passkey_id).first()
    if passkey is None:
        raise NotFound("通行密钥不存在或无权访问")
    return passkey


def passkey_rename(passkey_id: int, name: str, *, acting_user: User) -> Passkey:
    passkey = get_passkey_for_user(acting_user, passkey_id)
    label = _name(name)
    if not label:
        message = "请填写名称"
        raise InvalidInput(message, errors={"name": message})
    passkey.name = label
    passkey.save(update_fields=["name"])
    return passkey
