"""Second factor (两步验证) of the admins who approve: a passkey or an authenticator app (TOTP), with recovery codes.

A school requires it of its school and college admins when its 管理员两步验证 setting is on (on by default in
production: ADMIN_SECOND_FACTOR); province admins need it whenever ADMIN_SECOND_FACTOR is on. TOTP devices and
recovery codes are django-otp's (otp_totp, otp_static); passkeys are core.services.passkeys'.

A web session passes the second factor once after its sign-in (web.middleware.SecondFactorMiddleware asks for it
on every page until then); the API issues a token only after it (`login_challenge_*`, POST /auth/token then
/auth/token/second-factor). An account that needs one and has none enrols one at its first sign-in (the invitation
link leads there).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import Conflict, DomainError, InvalidInput
from core.models import ApiToken, LoginChallenge, Passkey, Role, User
from core.services.passkeys import get_passkey_for_user, passkey_authentication_options, passkey_verify_assertion

PASSKEY = "passkey"
TOTP = "totp"
RECOVERY = "recovery"
METHOD_LABELS = {PASSKEY: "通行密钥", TOTP: "验证器应用", RECOVERY: "恢复码"}
RECOVERY_CODES = 10
# Recovery codes are read aloud and typed: no 0/O, 1/l/I.
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_DEVICE_NAME = "验证器应用"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
WRONG_CODE = "验证码不正确或已过期，请重新输入"


class SecondFactorEnrollmentRequired(DomainError):
    """The account must use a second factor and has none yet: it enrols one on the web first."""

    status = 403
    code = "second_factor_enrollment_required"


class SecondFactorRequired(DomainError):
    """An API token issued without a second factor, to an account that now needs one: sign in again with it."""

    status = 401
    code = "second_factor_required"


ENROL_FIRST = "学校要求管理员使用两步验证：请先在网页登录，按提示设置通行密钥或验证器应用，再使用接口"


class LoginChallengeInvalid(DomainError):
    status = 401
    code = "challenge_invalid"


def second_factor_required(user: User) -> bool:
    """Whether this account signs in with a second factor."""
    if user.role in (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN):
        return user.school is not None and user.school.second_factor_required
    if user.role == Role.PROVINCE_ADMIN:
        return bool(settings.ADMIN_SECOND_FACTOR)
    return False


def refuse_token_without_second_factor(user: User, *, token_passed: bool) -> None:
    """An API token whose sign-in passed no second factor serves no account that needs one now (its school turned
    管理员两步验证 on after it was issued, or the account moved to such a school): 401, with the code a new
    POST /auth/token would meet (second_factor_enrollment_required without a factor, else second_factor_required)."""
    if token_passed or not second_factor_required(user):
        return
    if not has_second_factor(user):
        raise SecondFactorRequired(ENROL_FIRST, code=SecondFactorEnrollmentRequired.code)
    raise SecondFactorRequired("学校要求管理员使用两步验证：此令牌登录时未经两步验证，请重新登录并完成两步验证")


def may_use_authenticator_app(user: User) -> bool:
    """Authenticator apps and recovery codes are the staff's; everybody may register passkeys."""
    return user.role in (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN, Role.PROVINCE_ADMIN)


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def methods_of(user: User) -> list[str]:
    """The second factors this account can answer with now, in the order they are offered."""
    methods = []
    if Passkey.objects.filter(user=user).exists():
        methods.append(PASSKEY)
    if totp_device(user) is not None:
        methods.append(TOTP)
    if methods and recovery_codes_left(user):
        methods.append(RECOVERY)
    return methods


def has_second_factor(user: User) -> bool:
    """A passkey or a confirmed authenticator app (recovery codes alone are no factor to enrol)."""
    return Passkey.objects.filter(user=user).exists() or totp_device(user) is not None


# --- authenticator app ---------------------------------------------------------------------------------------


def totp_begin(user: User) -> TOTPDevice:
    """An unconfirmed authenticator-app secret for this user (a new one each time: a shown QR code is not reused)."""
    if not may_use_authenticator_app(user):
        raise Conflict("该账号不能使用验证器应用，请使用通行密钥")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_DEVICE_NAME, confirmed=False)


def pending_totp(user: User, device_id: int | None) -> TOTPDevice | None:
    if device_id is None:
        return None
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def _code(value: str) -> str:
    return re.sub(r"[\s-]", "", (value or "").translate(_FULL_WIDTH)).lower()


def totp_confirm(user: User, device_id: int | None, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app shown by totp_begin with a code it shows; it replaces any earlier app. Returns the device and,
    when the account had no recovery codes yet, its new ones (shown once)."""
    token = _code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, pk=device_id or 0, confirmed=False).first()
        if device is None:
            message = "二维码已失效，请重新扫描新的二维码"
            raise InvalidInput(message, code="totp_expired", errors={"code": message})
        if not re.fullmatch(r"[0-9]{6}", token) or not device.verify_token(token):
            raise InvalidInput(WRONG_CODE, code="wrong_code", errors={"code": WRONG_CODE})
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = [] if recovery_codes_left(user) else _recovery_codes_replace(user)
    return device, codes


def totp_remove(user: User) -> None:
    """Remove the account's authenticator app (not its last factor when it needs one)."""
    device = totp_device(user)
    if device is None:
        return
    refuse_removing_last_factor(user, removing_totp=True)
    device.delete()


def passkey_delete(passkey_id: int, *, acting_user: User) -> None:
    """Delete one of one's own passkeys (not the last factor of an account that needs one)."""
    passkey = get_passkey_for_user(acting_user, passkey_id)
    refuse_removing_last_factor(acting_user, passkey=passkey)
    passkey.delete()


def refuse_removing_last_factor(user: User, *, passkey: Passkey | None = None, removing_totp: bool = False) -> None:
    if not second_factor_required(user):
        return
    passkeys = Passkey.objects.filter(user=user)
    if passkey is not None:
        passkeys = passkeys.exclude(pk=passkey.pk)
    remains = passkeys.exists() or (not removing_totp and totp_device(user) is not None)
    if not remains:
        raise Conflict(
            "学校要求管理员登录时使用两步验证，不能删除最后一种验证方式；请先添加另一种",
            code="last_second_factor",
        )


# --- recovery codes ------------------------------------------------------------------------------------------


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def recovery_codes_generate(user: User) -> list[str]:
    """New recovery codes (the earlier ones stop working), shown once. Only for an account with a second factor."""
    if not has_second_factor(user):
        raise Conflict("请先设置通行密钥或验证器应用，再生成恢复码")
    with transaction.atomic():
        return _recovery_codes_replace(user)


# --- verification --------------------------------------------------------------------------------------------


def second_factor_verify(
    user: User, *, code: str = "", credential: Any = None, binding: str = "", purpose: str = "login"
) -> str:
    """Check one answer: a passkey's assertion (made for `purpose` and `binding`), an authenticator code or a recovery
    code (used up). Returns the method; a wrong answer raises InvalidInput. Both django-otp devices slow down after
    each wrong code (their own throttle), and the callers bound the attempts per sign-in."""
    if credential:
        passkey_verify_assertion(user, credential, purpose=purpose, binding=binding)
        return PASSKEY
    token = _code(code)
    if not token:
        message = "请输入验证码或使用通行密钥"
        raise InvalidInput(message, errors={"code": message})
    with transaction.atomic():
        if re.fullmatch(r"[0-9]{6}", token):
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is not None and device.verify_token(token):
                return TOTP
        elif re.fullmatch(r"[a-z0-9]{10}", token):
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if static is not None and static.verify_token(token):
                return RECOVERY
    raise InvalidInput(WRONG_CODE, code="wrong_code", errors={"code": WRONG_CODE})


def second_factors_clear(user: User) -> None:
    """Forget every second factor of the account (an accepted invitation starts its sign-in anew)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()


# --- the API's two-step sign-in ------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def login_challenge_create(user: User) -> tuple[str, LoginChallenge, dict[str, Any] | None]:
    """After the password: a challenge key the client answers with the second factor, and passkey options if the
    account has a passkey. Refused (403) when the account needs a second factor and has none yet."""
    if not has_second_factor(user):
        raise SecondFactorEnrollmentRequired(ENROL_FIRST)
    now = timezone.now()
    LoginChallenge.objects.filter(user=user, expires_at__lte=now).delete()
    key = "tfa_" + secrets.token_urlsafe(32)
    challenge = LoginChallenge.objects.create(
        user=user,
        key_hash=_key_hash(key),
        expires_at=now + datetime.timedelta(minutes=settings.SECOND_FACTOR_CHALLENGE_MINUTES),
    )
    options = None
    if Passkey.objects.filter(user=user).exists():
        options = passkey_authentication_options(user, purpose="login", binding=f"api:{challenge.pk}")
    return key, challenge, options


CHALLENGE_GONE = "两步验证已过期或已完成，请重新用用户名和密码登录"


def login_challenge_complete(key: str, *, code: str = "", credential: Any = None) -> User:
    """Answer a login challenge: the user whose token may now be issued. A challenge is used once; after
    SECOND_FACTOR_MAX_FAILURES wrong answers it is spent and the sign-in starts again with the password."""
    now = timezone.now()
    challenge = (
        LoginChallenge.objects.select_related("user", "user__school")
        .filter(key_hash=_key_hash(key or ""), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if challenge is None or not challenge.user.is_active:
        raise LoginChallengeInvalid(CHALLENGE_GONE)
    user = challenge.user
    try:
        second_factor_verify(user, code=code, credential=credential, binding=f"api:{challenge.pk}")
    except InvalidInput:
        LoginChallenge.objects.filter(pk=challenge.pk).update(failures=challenge.failures + 1)
        if challenge.failures + 1 >= settings.SECOND_FACTOR_MAX_FAILURES:
            LoginChallenge.objects.filter(pk=challenge.pk).update(used_at=now)
        raise
    spent = LoginChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=now)
    if spent != 1:
        raise LoginChallengeInvalid(CHALLENGE_GONE)
    return user


def tokens_revoke_all(user: User) -> None:
    ApiToken.objects.filter(user=user).delete()
