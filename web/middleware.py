from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """Until the initial password is changed, every portal page leads to the password form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/api/", "/static/", "/verify/"))
        ):
            allowed = {reverse("web:password_change"), reverse("web:logout")}
            if request.path not in allowed:
                return redirect("web:password_change")
        return self.get_response(request)
