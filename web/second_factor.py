"""A web session's second factor: asked once after each sign-in of an account that needs one.

Whatever signed the session in (the login page, 统一身份认证, an accepted invitation), an account that needs a second
factor (core.services.mfa.second_factor_required) reaches no page until the session has passed it: it is sent to
the second-factor page, or, with none enrolled yet, to enrol one. The session remembers the pass for this account
and password only; signing out, or a password change elsewhere, ends it with the session.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.models import User
from core.services.mfa import has_second_factor, second_factor_required

SESSION_KEY = "second_factor"
# Addresses a session waiting for its second factor may still open.
_ALWAYS = ("/static/", "/api/", "/verify/", "/healthz", "/readyz", "/favicon.ico", "/invitation/")


def session_verified(request: HttpRequest) -> bool:
    passed = request.session.get(SESSION_KEY)
    user = request.user
    return (
        isinstance(passed, dict)
        and isinstance(user, User)
        and passed.get("user") == user.pk
        and passed.get("hash") == user.get_session_auth_hash()
    )


def mark_verified(request: HttpRequest, method: str) -> None:
    user = request.user
    assert isinstance(user, User)
    request.session[SESSION_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "method": method,
        "at": timezone.now().isoformat(),
    }


def needs_second_factor(request: HttpRequest) -> bool:
    """Whether this signed-in session still has to pass (or enrol) a second factor."""
    user = request.user
    return isinstance(user, User) and second_factor_required(user) and not session_verified(request)


def may_manage_factors(request: HttpRequest) -> bool:
    """Adding or removing a factor needs a session that passed one; an account with none yet may enrol its first."""
    user = request.user
    if not isinstance(user, User):
        return False
    if session_verified(request):
        return True
    return not has_second_factor(user)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(_ALWAYS) and needs_second_factor(request):
            user = request.user
            assert isinstance(user, User)
            allowed: tuple[str, ...]
            if has_second_factor(user):
                allowed = (reverse("web:second_factor"), reverse("web:second_factor_passkey_options"))
                target = reverse("web:second_factor")
            else:
                allowed = (
                    reverse("web:second_factor_setup"),
                    reverse("web:security_totp"),
                    reverse("web:security_passkey_options"),
                    reverse("web:security_passkey_add"),
                )
                target = reverse("web:second_factor_setup")
            if request.path not in (*allowed, reverse("web:logout")):
                if request.method == "GET" and request.path != "/":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
