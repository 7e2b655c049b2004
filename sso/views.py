"""统一身份认证 sign-in: to the school's CAS or OIDC server and back, then the same session as a password login.

`login()` rotates the session key and the CSRF token as the password login does; the backends go through
`authenticate()`, so an account or address that django-axes refuses after password failures is refused here too
(core.throttle); refused sign-ins count against their own budget per address (sso/throttle.py). Logout stays
web's: it ends the local session only (no single logout at the school's server).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cas import CASClient
from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from requests import RequestException

from core.models import School
from core.throttle import counted_apart, is_refused, refusal
from sso import throttle
from sso.backends import Refusal, oidc_settings, provider_metadata, refusal_of, unreachable
from sso.config import SESSION_KEY, SchoolSSO
from sso.selectors import school_by_code
from web.navigation import is_page_here

NEXT_KEY = "sso_next"


def _school(code: str, *, cas: bool) -> tuple[School, SchoolSSO]:
    config = settings.SSO_SCHOOLS.get(code)
    school = school_by_code(code) if config is not None else None
    if config is None or school is None or config.is_cas != cas:
        raise Http404("该学校未开通统一身份认证登录")
    return school, config


def _remember_next(request: HttpRequest) -> None:
    target = request.GET.get("next", "")
    request.session[NEXT_KEY] = target if is_page_here(target) else ""


def _next_page(request: HttpRequest) -> str:
    target = request.session.pop(NEXT_KEY, "") or ""
    return target if is_page_here(target) else reverse("web:home")


def refused(request: HttpRequest, school: School | None, why: Refusal) -> HttpResponse:
    context = {"school": school, "message": why.message}
    response = render(request, "sso/refused.html", context, status=why.status)
    retry_after = getattr(request, "sso_retry_after", None)
    if why.status == 429 and retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _throttled(request: HttpRequest, school: School | None) -> HttpResponse:
    return refused(request, school, Refusal(refusal(request, "").detail, 429))


def _signed_in(request: HttpRequest, school: School) -> None:
    # After login(): it keeps the session's data while rotating its key. The password-change prompt for an
    # initial password does not apply to someone the school's server vouched for (web.middleware reads this).
    request.session[SESSION_KEY] = school.code


CAS_STATES_KEY = "sso_cas_states"
CAS_STATES_KEPT = 10
REQUEST_INVALID = "登录请求无效或已使用，请回到登录页重新选择统一身份认证登录。"


def _service(request: HttpRequest, code: str, state: str) -> str:
    """Our service URL as the CAS server sees it; `state` ties the ticket to the browser that asked for it."""
    return request.build_absolute_uri(reverse("sso:cas", args=[code]) + "?" + urlencode({"state": state}))


def _invalid_request(request: HttpRequest, school: School | None) -> HttpResponse:
    # Not counted: without this session's state nothing is asked of the school's server, nothing is guessed, and a
    # count per address would let anyone lock a campus NAT out of its logins with forged links.
    return refused(request, school, Refusal(REQUEST_INVALID, 400))


def _over_budget(request: HttpRequest, school: School | None) -> HttpResponse | None:
    """Before asking the school's server: 429 while this address is past its budget of refused sign-ins; and a
    failed authenticate() will count there, not against the password logins (sso/throttle.py)."""
    counted_apart(request)
    why = throttle.refusal(request)
    return refused(request, school, why) if why is not None else None


def _failed(request: HttpRequest, school: School | None) -> HttpResponse:
    if is_refused(request):  # the address or account is cooling off after password failures
        return _throttled(request, school)
    why = refusal_of(request) or Refusal("统一身份认证登录失败，请重新登录。", 400)
    if why.status < 500:  # the server or roster said no; an unreachable server is nobody's failure
        why = throttle.record_failure(request) or why
    return refused(request, school, why)


@require_GET
def cas_login(request: HttpRequest, code: str) -> HttpResponse:
    """Without a ticket: off to the school's CAS login. With one: validated at the CAS server, then signed in.

    A ticket is accepted only back in the session that started the login, once (its `state` is removed): a link
    carrying somebody else's ticket cannot sign a victim into that account (login CSRF), as the CSRF token does
    for the password form and the `state` does for OIDC."""
    school, config = _school(code, cas=True)
    states = request.session.get(CAS_STATES_KEY)
    states = states if isinstance(states, dict) else {}
    ticket = request.GET.get("ticket", "")
    if not ticket:
        if request.user.is_authenticated:
            return redirect("web:home")
        _remember_next(request)
        state = secrets.token_urlsafe(24)
        kept = list(states.items())[-(CAS_STATES_KEPT - 1) :]
        request.session[CAS_STATES_KEY] = {**dict(kept), state: code}
        client = CASClient(
            version=config.cas_version, server_url=config.server_url, service_url=_service(request, code, state)
        )
        return HttpResponseRedirect(client.get_login_url())
    state = request.GET.get("state", "")
    if states.get(state) != code:
        return _invalid_request(request, school)
    del states[state]
    request.session[CAS_STATES_KEY] = states
    over = _over_budget(request, school)
    if over is not None:
        return over
    service = _service(request, code, state)
    user = authenticate(request, sso_school=school, cas_ticket=ticket, cas_service=service)
    if user is None:
        return _failed(request, school)
    login(request, user)
    _signed_in(request, school)
    return redirect(_next_page(request))


class OIDCLoginView(OIDCAuthenticationRequestView):
    """mozilla-django-oidc's authorization request, for the school in the URL.

    The library reads one provider's endpoint and client from global settings in __init__; here they are the
    school's (its discovery document gives the endpoint), and the school is bound to the request's `state` in
    the session, so the callback knows which server answered and nobody can swap it.
    """

    http_method_names = ["get"]

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)
        self.config: SchoolSSO | None = None

    def get_settings(self, attr: str, *args: Any) -> Any:  # type: ignore[override]
        assert self.config is not None
        return oidc_settings(self.config, attr, *args)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:  # type: ignore[override]
        school, self.config = _school(code, cas=False)
        if request.user.is_authenticated:
            return redirect("web:home")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_metadata(self.config)["authorization_endpoint"]
        except (RequestException, ValueError):
            return refused(request, school, Refusal(unreachable(school), 502))
        self.OIDC_RP_CLIENT_ID = self.config.client_id
        response: HttpResponseRedirect = super().get(request)
        state = parse_qs(urlsplit(response.url).query)["state"][0]
        request.session["oidc_states"][state]["school"] = code
        request.session.modified = True
        return response


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback: checks the state (once: it is removed from the session), asks the backend,
    logs in. Here an unknown or used state, a provider's error or a refused identity gets a Chinese page instead
    of the library's redirect or 400, and the page after login is one of this site's."""

    def get(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        states = request.session.get("oidc_states")
        states = states if isinstance(states, dict) else {}
        state = request.GET.get("state", "")
        entry = states.get(state)
        code = entry.get("school", "") if isinstance(entry, dict) else ""
        school = school_by_code(code) if code in settings.SSO_SCHOOLS else None
        self.school = school
        if school is None or "code" not in request.GET:
            if school is not None:  # the provider's error (the person cancelled): forget the state
                del states[state]
                request.session.modified = True
                return refused(request, school, Refusal("统一身份认证未完成登录，请重新登录。", 400))
            return _invalid_request(request, None)
        request.sso_oidc_school = school  # type: ignore[attr-defined]  # what the backend answers for
        over = _over_budget(request, school)
        if over is not None:
            return over
        return super().get(request)

    @property
    def success_url(self) -> str:
        target = self.request.session.get("oidc_login_next") or ""
        return target if is_page_here(target) else reverse("web:home")

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        assert self.school is not None
        _signed_in(self.request, self.school)
        return response

    def login_failure(self) -> HttpResponse:
        return _failed(self.request, self.school)
