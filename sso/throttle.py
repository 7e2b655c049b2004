"""The 统一身份认证 sign-in's own failure budget per address.

A refused sign-in is no password guess, so it does not count against LOGIN_FAILURE_LIMIT_PER_ADDRESS (one
graduate not on the roster retrying behind a campus NAT must not lock everyone's password login there). A request
with no valid `state` of its session is not counted at all: nothing was asked of the school's server. What the
school's server or roster refused counts here, against SSO_FAILURE_LIMIT_PER_ADDRESS within LOGIN_COOLOFF_MINUTES;
past it, only sign-ins through 统一身份认证 from that address are refused. An address the password throttle refuses
is still refused here too (axes' backend runs first in authenticate()).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from core.client_address import client_address
from sso.backends import Refusal
from sso.models import SSOFailure
from sso.selectors import failures_since


def _address(request: HttpRequest) -> str:
    return client_address(request)  # as the password throttle reads it (TRUSTED_PROXY_COUNT)


def refusal(request: HttpRequest) -> Refusal | None:
    """The 429 refusal while this address is past its budget of refused sign-ins, else None."""
    now = timezone.now()
    count, last = failures_since(_address(request), now - settings.AXES_COOLOFF_TIME)
    if count < settings.SSO_FAILURE_LIMIT_PER_ADDRESS or last is None:
        return None
    until = last + settings.AXES_COOLOFF_TIME
    minutes = max(1, -int(-(until - now).total_seconds() // 60))
    request.sso_retry_after = max(1, math.ceil((until - now).total_seconds()))  # type: ignore[attr-defined]
    return Refusal(
        f"统一身份认证登录失败次数过多，请于{minutes}分钟后（{timezone.localtime(until):%H:%M}以后）再试，"
        "或使用账号密码登录。",
        429,
    )


def record_failure(request: HttpRequest) -> Refusal | None:
    """Counts one refused sign-in from this address; the 429 refusal when it reached the budget."""
    address = _address(request)
    now = timezone.now()
    SSOFailure.objects.filter(address=address, at__lte=now - settings.AXES_COOLOFF_TIME).delete()
    SSOFailure.objects.create(address=address, at=now)
    return refusal(request)
