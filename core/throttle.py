"""Throttling of logins, activations, password resets and links: budgets that slow a guesser and lock nobody else.

The login page and /auth/token go through `django.contrib.auth.authenticate`, where axes' backend asks
`ThrottleHandler.is_locked` first and its signal handler counts a failure (axes also keeps its failure log for the
school's 登录失败记录). Activation, reset and links are no logins: their services ask `guard` first and report a
failure with `record_failure`. Every failure is a LoginFailure row of its kind, counted within LOGIN_COOLOFF_MINUTES
(a sliding window: a refusal ends when enough failures have left it; refused attempts are not counted).

A wrong password counts against
- the pair (account, address): LOGIN_FAILURE_LIMIT, so a guesser locks that account at their own address only;
- the address: LOGIN_FAILURE_LIMIT_PER_ADDRESS over all accounts (high: a campus NAT holds thousands of students);
- the account from all addresses: LOGIN_FAILURE_LIMIT_PER_ACCOUNT within LOGIN_ACCOUNT_WINDOW_HOURS, which bounds
  what a guesser with many addresses gets. Past it only new devices are refused: a device the account signed in
  on before (a signed cookie bound to the account's password, KNOWN_DEVICE_DAYS) has a budget of its own that only
  its holder can spend, and at an address it signed in from (KnownAddress, as long) only the pair's limits apply:
  LOGIN_FAILURE_LIMIT within LOGIN_COOLOFF_MINUTES and LOGIN_FAILURE_LIMIT_PER_ACCOUNT within the account's window.
A wrong activation code counts per pair and per address in a budget of its own (per 学号 only when
ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT is set; a fresh code, 学校重新生成, clears that count). Reset requests have
their own budget and never count against logging in. A school admin lifts an account's refusal
(core.services.locks); a successful sign-in clears that address's failures for the account, so a NAT's students who
mistype and then get in leave nothing counted against their address.
A refusal answers 429: JSON in the error shape under /api/, a Chinese page elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.client_address import client_address
from core.errors import DomainError
from core.models import KnownAddress, LoginFailure, User

CODE = "too_many_attempts"
Kind = LoginFailure.Kind


class TooManyAttempts(DomainError):
    status = 429
    code = CODE


@dataclasses.dataclass(frozen=True)
class Refused:
    reason: str  # pair | pair_day | address | account | device
    until: datetime.datetime
    kind: str


MESSAGES: dict[tuple[str, str], str] = {
    (Kind.LOGIN, "pair"): "失败次数过多，请于{wait}再试，或通过“忘记密码”重设密码",
    (Kind.LOGIN, "pair_day"): "失败次数过多，请于{wait}再试，或通过“忘记密码”重设密码",
    (Kind.LOGIN, "device"): "失败次数过多，请于{wait}再试，或通过“忘记密码”重设密码",
    (Kind.LOGIN, "address"): ("本网络的登录失败次数过多，请于{wait}再试；在曾经登录过的设备上可以直接登录"),
    (Kind.LOGIN, "account"): (
        "该账号近期在多处登录失败次数过多，为防止密码被猜测，暂停在新设备上登录，请于{wait}"
        "再试；在曾经登录过的设备上可以直接登录，也可通过“忘记密码”重设密码，或请学校就业部门（用人单位：审核本单位的学校）解除锁定"
    ),
    (Kind.ACTIVATION, "pair"): "激活失败次数过多，请于{wait}再试",
    (Kind.ACTIVATION, "address"): "本网络的激活失败次数过多，请于{wait}再试",
    (Kind.ACTIVATION, "account"): (
        "该学号的激活码错误次数过多，请于{wait}再试，或请学校重新生成激活码（新激活码立即可用）"
    ),
    (Kind.RESET, "pair"): "找回密码的请求次数过多，请于{wait}再试",
    (Kind.RESET, "address"): "本网络找回密码的请求次数过多，请于{wait}再试",
    (Kind.LINK, "address"): "链接无效的次数过多，请于{wait}再试",
}


# --- the name typed ------------------------------------------------------------------------------------------

# axes keeps the name typed in varchar(255) columns (AccessAttempt, AccessFailureLog): PostgreSQL refuses longer.
STORED_USERNAME_LENGTH = 255


def _username(credentials: dict[str, Any] | None) -> str:
    return str((credentials or {}).get("username") or "")


def stored_name(name: str) -> str:
    """The name typed, as it can be stored and counted whatever its length or content (no account has a name over
    150 characters, so cutting a longer one changes no account's count)."""
    name = name.replace("\x00", "")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return ""  # lone surrogates: no account's name, and PostgreSQL would refuse them
    return name[:STORED_USERNAME_LENGTH]


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE."""
    if credentials is not None:
        return stored_name(_username(credentials))
    data = getattr(request, "POST", None)
    return stored_name(str(data.get("username") or "") if data is not None else "")


# --- known devices -------------------------------------------------------------------------------------------

DEVICE_COOKIE = "wq_device"
DEVICE_SALT = "core.throttle.known-device"
DEVICES_PER_COOKIE = 5  # accounts remembered on one (shared) device
REMEMBER = "throttle_remember_device"


def _device_tag(user: User) -> str:
    # Bound to the password: a password change (or reset) forgets every device until it signs in again.
    return salted_hmac(DEVICE_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[:32]


def _device_entries(request: HttpRequest) -> list[tuple[int, str]]:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        entries = signing.loads(value, salt=DEVICE_SALT, max_age=datetime.timedelta(days=settings.KNOWN_DEVICE_DAYS))
    except (signing.BadSignature, ValueError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [(e[0], e[1]) for e in entries if isinstance(e, list) and len(e) == 2 and isinstance(e[0], int)][:10]


def known_device(request: HttpRequest | None, username: str) -> bool:
    """Whether this request comes from a device `username` signed in on before (its cookie, still valid)."""
    if request is None or not username:
        return False
    cache: dict[str, bool] = request.__dict__.setdefault("_throttle_known_device", {})
    if username not in cache:
        entries = _device_entries(request)
        user = User.objects.filter(username=username).only("pk", "password").first() if entries else None
        cache[username] = user is not None and any(
            pk == user.pk and constant_time_compare(str(tag), _device_tag(user)) for pk, tag in entries
        )
    return cache[username]


def remember_device(request: HttpRequest, user: User) -> None:
    """After a sign-in (or a password set by reset link or activation): KnownDeviceMiddleware sets the cookie."""
    setattr(request, REMEMBER, user)


class KnownDeviceMiddleware:
    """Writes the known-device cookie on the answer to a request that signed someone in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, REMEMBER, None)
        if isinstance(user, User) and not request.path.startswith("/api/"):
            user.refresh_from_db(fields=["password"])
            entries = [(pk, tag) for pk, tag in _device_entries(request) if pk != user.pk]
            entries = [(user.pk, _device_tag(user)), *entries][:DEVICES_PER_COOKIE]
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps([list(e) for e in entries], salt=DEVICE_SALT, compress=True),
                max_age=settings.KNOWN_DEVICE_DAYS * 86400,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# --- counting and deciding -----------------------------------------------------------------------------------


def _window_start(now: datetime.datetime) -> datetime.datetime:
    return now - settings.AXES_COOLOFF_TIME


def account_window() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.LOGIN_ACCOUNT_WINDOW_HOURS)


def _kept() -> datetime.timedelta:
    return max(settings.AXES_COOLOFF_TIME, account_window())


def _until(failures: QuerySet[LoginFailure], limit: int, window: datetime.timedelta) -> datetime.datetime | None:
    """While `failures` (within the window) reach `limit`: when the limit-th newest leaves the window, else None."""
    if limit <= 0:
        return None
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return times[limit - 1] + window


def known_address(username: str, address: str) -> bool:
    """Whether the account signed in from this address within KNOWN_DEVICE_DAYS."""
    since = timezone.now() - datetime.timedelta(days=settings.KNOWN_DEVICE_DAYS)
    return (
        bool(username)
        and KnownAddress.objects.filter(user__username=username, address=address, last_at__gt=since).exists()
    )


def _checks(
    kind: str, username: str, address: str, device: bool, at_home: bool
) -> list[tuple[str, dict[str, Any], int]]:
    """(reason, filter, limit) for one attempt, most particular first; "account" counts within account_window()."""
    if kind == Kind.LOGIN and device:
        return [("device", {"kind": kind, "username": username, "known_device": True}, settings.AXES_FAILURE_LIMIT)]
    if kind == Kind.LOGIN and at_home:
        pair = {"kind": kind, "username": username, "address": address, "known_device": False}
        day = settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
        return [("pair", pair, settings.AXES_FAILURE_LIMIT), ("pair_day", pair, day)]
    checks: list[tuple[str, dict[str, Any], int]] = []
    if kind == Kind.RESET:
        checks.append(("pair", {"kind": kind, "username": username, "address": address}, settings.PASSWORD_RESET_LIMIT))
        checks.append(("address", {"kind": kind, "address": address}, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS))
        return checks
    if kind == Kind.LINK:
        return [("address", {"kind": kind, "address": address}, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)]
    if username:
        pair = {"kind": kind, "username": username, "address": address, "known_device": False}
        checks.append(("pair", pair, settings.AXES_FAILURE_LIMIT))
    both = {"kind__in": [Kind.LOGIN, Kind.ACTIVATION], "address": address, "known_device": False}
    checks.append(("address", both, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    if username:
        limit = (
            settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
            if kind == Kind.LOGIN
            else settings.ACTIVATION_FAILURE_LIMIT_PER_ACCOUNT
        )
        checks.append(("account", {"kind": kind, "username": username, "known_device": False}, limit))
    return checks


def decision(request: HttpRequest, kind: str, username: str) -> Refused | None:
    """Why and until when this attempt is refused, or None."""
    now = timezone.now()
    username = stored_name(username)
    address = client_address(request)
    device = kind == Kind.LOGIN and known_device(request, username)
    at_home = kind == Kind.LOGIN and not device and known_address(username, address)
    for reason, where, limit in _checks(kind, username, address, device, at_home):
        window = account_window() if reason in ("account", "pair_day") else settings.AXES_COOLOFF_TIME
        until = _until(LoginFailure.objects.filter(at__gt=now - window, **where), limit, window)
        if until is not None and until > now:
            return Refused(reason, until, kind)
    return None


def count(request: HttpRequest, kind: str, username: str) -> None:
    """Count one failure (or reset request) of this request's client."""
    now = timezone.now()
    username = stored_name(username)
    LoginFailure.objects.filter(at__lte=now - _kept()).delete()  # nothing older is read
    LoginFailure.objects.create(
        kind=kind,
        username=username,
        address=client_address(request),
        known_device=kind == Kind.LOGIN and known_device(request, username),
        at=now,
    )


def count_for_account(kind: str, username: str) -> int:
    """How many of `kind` were counted for this account in the window (e.g. reset mails sent)."""
    since = _window_start(timezone.now())
    return LoginFailure.objects.filter(kind=kind, username=stored_name(username), at__gt=since).count()


def succeeded(request: HttpRequest | None, user: User) -> None:
    """A sign-in with the right password: its address's (and its device's) failures for the account are done, and
    the address is one the account signs in from."""
    if request is None:
        return
    name, address, now = stored_name(user.get_username()), client_address(request), timezone.now()
    LoginFailure.objects.filter(kind=Kind.LOGIN, username=name, address=address).delete()
    if known_device(request, name):
        LoginFailure.objects.filter(kind=Kind.LOGIN, username=name, known_device=True).delete()
    forgotten = now - datetime.timedelta(days=settings.KNOWN_DEVICE_DAYS)
    KnownAddress.objects.filter(user=user, last_at__lte=forgotten).delete()
    KnownAddress.objects.update_or_create(user=user, address=address, defaults={"last_at": now})


# --- axes ----------------------------------------------------------------------------------------------------

COUNTED_APART = "throttle_counted_apart"
KIND = "throttle_kind"
REFUSED = "throttle_refused"


def _kind(request: HttpRequest | None) -> str:
    return str(getattr(request, KIND, Kind.LOGIN))


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler deciding by core.throttle's budgets (axes keeps its failure log)."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        refused = decision(request, _kind(request), _username(credentials))
        if refused is not None:
            setattr(request, REFUSED, refused)
        return refused is not None

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Asked by axes right after it logged a failure: reaching the limit makes this failure's answer a refusal.
        return settings.AXES_FAILURE_LIMIT if self.is_locked(request, credentials) else 0

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        if request is None or getattr(request, COUNTED_APART, False):
            return  # an app keeping its own budget (counted_apart): no password failure
        if not getattr(request, "axes_locked_out", False):
            count(request, _kind(request), _username(credentials))
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        if request is not None and isinstance(user, User):
            succeeded(request, user)
            remember_device(request, user)


def counted_apart(request: HttpRequest) -> None:
    """A failed authenticate() on this request is not counted as a failed password login: the caller keeps its own
    budget (sso/throttle.py). An address in its cooling-off period is still refused."""
    setattr(request, COUNTED_APART, True)


# --- the services' side --------------------------------------------------------------------------------------


def refusal(request: HttpRequest, username: str, kind: str | None = None) -> TooManyAttempts:
    refused = getattr(request, REFUSED, None)
    if not isinstance(refused, Refused):
        refused = decision(request, kind or _kind(request), username) or Refused(
            "pair", timezone.now() + settings.AXES_COOLOFF_TIME, kind or _kind(request)
        )
    template = MESSAGES.get((refused.kind, refused.reason)) or MESSAGES[(Kind.LOGIN, "pair")]
    error = TooManyAttempts(template.format(wait=wait_words(refused.until)))
    error.retry_at = refused.until  # type: ignore[attr-defined]
    return error


def wait_words(until: datetime.datetime) -> str:
    """ "15分钟后（17:15以后）", or for a long wait "20小时后（3月2日 09:00以后）"."""
    minutes = max(1, -int(-(until - timezone.now()).total_seconds() // 60))
    local = timezone.localtime(until)
    if minutes <= 90:
        return f"{minutes}分钟后（{local:%H:%M}以后）"
    return f"{-(-minutes // 60)}小时后（{local.month}月{local.day}日 {local:%H:%M}以后）"


def guard(request: HttpRequest | None, username: str, kind: str = Kind.LOGIN) -> None:
    """Refuse (TooManyAttempts) while this attempt's budgets are spent."""
    if request is None:
        return
    setattr(request, KIND, kind)
    refused = decision(request, kind, username)
    if refused is not None:
        setattr(request, REFUSED, refused)
        request.axes_locked_out = True  # type: ignore[attr-defined]  # so AxesMiddleware adds Retry-After
        request.axes_credentials = {"username": username}  # type: ignore[attr-defined]
        raise refusal(request, username, kind)


def record_failure(request: HttpRequest | None, username: str, kind: str = Kind.LOGIN) -> None:
    """Count a failed activation, password change or link as axes counts a failed login (and log it); must run
    outside a rolled-back atomic."""
    if request is None:
        return
    setattr(request, KIND, kind)
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def record_request(request: HttpRequest | None, username: str) -> None:
    """Count a password-reset request in its own budget (never a login failure); refuses once it is spent."""
    if request is None:
        return
    guard(request, username, Kind.RESET)
    count(request, Kind.RESET, username)


def is_refused(request: HttpRequest | None) -> bool:
    """Whether the last authenticate() or record_failure() on this request ended in a refusal."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a throttled request answers."""
    error = refusal(request, _username(credentials))
    seconds = max(1, int((error.retry_at - timezone.now()).total_seconds()))  # type: ignore[attr-defined]
    response: HttpResponse
    if original_response is not None and original_response.status_code == 429:
        response = original_response  # the service or view already answered with its TooManyAttempts
    elif request.path.startswith("/api/"):
        response = JsonResponse({"detail": error.detail, "code": CODE, "errors": {}}, status=429)
    else:
        response = render(request, "web/locked_out.html", {"message": error.detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response
