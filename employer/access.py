"""Who may open the employer portal, and the first-use gate of 签约中心.

Anonymous visitors go to the login page; other roles get 403; an employer whose 签约信息 is not yet
confirmed is sent to the 签约信息确认 form from any 签约中心 page (the manual's first use).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.errors import DomainError, Forbidden, NotFound
from core.models import Employer, Role, User

View = Callable[..., HttpResponse]


def current_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def current_employer(request: HttpRequest) -> Employer:
    employer = current_user(request).employer
    assert employer is not None
    return employer


def employer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "role", "") != Role.EMPLOYER or getattr(user, "employer_id", None) is None:
            raise PermissionDenied("仅用人单位账号可以使用单位中心")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("对象不存在或无权访问")
        except Forbidden as exc:
            raise PermissionDenied(exc.detail)

    return wrapper


def signing_center(view: View) -> View:
    """A 签约中心 page: employers only, and only once the 签约信息 has been confirmed."""

    @employer_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not current_employer(request).profile_complete:
            after = request.get_full_path() if request.method == "GET" else reverse("employer:agreements")
            return redirect(reverse("employer:confirm") + "?" + urlencode({"next": after}))
        return view(request, *args, **kwargs)

    return wrapper


def error_context(exc: DomainError) -> dict[str, Any]:
    """A domain error as template context: the message, and each field's message beside its field."""
    return {"error": exc.detail, "errors": dict(exc.errors)}
