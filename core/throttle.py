"""Throttling of logins, activations and password resets, on django-axes.

The login page and /auth/token go through `django.contrib.auth.authenticate`, where axes' backend refuses an
account or address in its cooling-off period and its signal handler counts failures. Activation and password
reset are no logins, so their services ask `guard` first and report a failure with `record_failure`, which
feeds the same counters. A refusal answers 429: JSON in the error shape under /api/, a Chinese page elsewhere.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from core.errors import DomainError

CODE = "too_many_attempts"


class TooManyAttempts(DomainError):
    status = 429
    code = CODE


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with its own limit for each lockout parameter.

    AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"]: one account is refused after AXES_FAILURE_LIMIT
    failures from anywhere, one address after LOGIN_FAILURE_LIMIT_PER_ADDRESS failures against any accounts.
    axes compares one number with one limit, so the address count is reported as reaching the account limit.
    """

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        if getattr(request, COUNTED_APART, False):
            return  # an app keeping its own budget (counted_apart): no password failure
        super().user_login_failed(sender, credentials, request, **kwargs)

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = _counts(self.get_user_attempts(request, credentials), _username(credentials))
        if by_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account


COUNTED_APART = "throttle_counted_apart"


def counted_apart(request: HttpRequest) -> None:
    """A failed authenticate() on this request is not counted as a failed password login: the caller keeps its own
    budget (sso/throttle.py). An account or address in its cooling-off period is still refused."""
    setattr(request, COUNTED_APART, True)


def _username(credentials: dict[str, Any] | None) -> str:
    return str((credentials or {}).get("username") or "")


def _counts(attempts: list[QuerySet[AccessAttempt]], username: str) -> tuple[int, int]:
    account, address = attempts
    by_account = (account.aggregate(n=Sum("failures_since_start"))["n"] or 0) if username else 0
    return by_account, address.aggregate(n=Sum("failures_since_start"))["n"] or 0


def retry_at(request: HttpRequest, username: str) -> datetime.datetime:
    """When the refusal ends at the latest: the cooling-off period after the last counted failure."""
    AxesProxyHandler.update_request(request)
    handler = ThrottleHandler()
    credentials = {"username": username}
    attempts = handler.get_user_attempts(request, credentials)
    by_account, by_address = _counts(attempts, username)
    latest: list[datetime.datetime] = []
    if by_account >= settings.AXES_FAILURE_LIMIT:
        latest.append(attempts[0].aggregate(t=Max("attempt_time"))["t"])
    if by_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
        latest.append(attempts[1].aggregate(t=Max("attempt_time"))["t"])
    last = max((t for t in latest if t is not None), default=timezone.now())
    return last + settings.AXES_COOLOFF_TIME


def refusal(request: HttpRequest, username: str) -> TooManyAttempts:
    when = retry_at(request, username)
    minutes = max(1, -int(-(when - timezone.now()).total_seconds() // 60))
    local = timezone.localtime(when)
    message = f"失败次数过多，请于{minutes}分钟后（{local:%H:%M}以后）再试"
    error = TooManyAttempts(message)
    error.retry_at = when  # type: ignore[attr-defined]
    return error


def guard(request: HttpRequest | None, username: str) -> None:
    """Refuse (TooManyAttempts) while this account or the request's address is cooling off."""
    if request is None:
        return
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        request.axes_locked_out = True  # type: ignore[attr-defined]  # so AxesMiddleware adds Retry-After
        request.axes_credentials = {"username": username}  # type: ignore[attr-defined]
        raise refusal(request, username)


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count a failed activation or reset as axes counts a failed login; must run outside a rolled-back atomic."""
    if request is None:
        return
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


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
