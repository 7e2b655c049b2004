"""Who may open the employer portal, and the first-use gate of 签约中心.

Anonymous visitors go to the login page; other roles get 403; an employer whose 签约信息 is not yet
confirmed is sent to the 签约信息确认 form from any 签约中心 page (the manual's first use).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.models import Employer, Role
from web.access import View, role_required
from web.request import AuthenticatedRequest


def current_employer(request: AuthenticatedRequest) -> Employer:
    employer = request.user.employer
    assert employer is not None
    return employer


employer_required = role_required(
    (Role.EMPLOYER,),
    "仅用人单位账号可以使用单位中心",
    check=lambda user: None if user.employer_id is not None else "该账号未关联用人单位",
)


def signing_center(view: View) -> View:
    """A 签约中心 page: employers only, and only once the 签约信息 has been confirmed."""

    @employer_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not current_employer(request).profile_complete:
            after = request.get_full_path() if request.method == "GET" else reverse("employer:agreements")
            return redirect(reverse("employer:confirm") + "?" + urlencode({"next": after}))
        return view(request, *args, **kwargs)

    return wrapper
