from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sso.config import SESSION_KEY as SSO_SESSION_KEY


class PasswordChangeRequiredMiddleware:
    """Until the initial password is changed, every portal page leads to the password form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            # Signed in through the school's 统一身份认证: no local password is needed (sso.views)
            and SSO_SESSION_KEY not in request.session
            and not request.path.startswith(("/api/", "/static/", "/verify/"))
        ):
            allowed = {reverse("web:password_change"), reverse("web:logout")}
            if request.path not in allowed:
                return redirect("web:password_change")
        return self.get_response(request)


class RefuseUnstorableInputMiddleware:
    """A NUL byte in the path, the query, a form field or a header answers 400 before any view runs: PostgreSQL
    cannot store or even compare such text, so one would otherwise surface as a 500 wherever it reached a query.
    (Percent-encoded lone surrogates never get this far: Django decodes them as U+FFFD; JSON bodies are checked
    by the API's parser.)"""

    FORM_TYPES = ("application/x-www-form-urlencoded",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            raise BadRequest("请求中含有不允许的字符")
        return self.get_response(request)

    def _has_nul(self, request: HttpRequest) -> bool:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return True
        if any("\x00" in str(value) for key, value in request.META.items() if key.startswith("HTTP_")):
            return True
        # Multipart bodies are left to the upload's own parser: reading them here would spend the stream.
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
        return False


class NotAllowedPageMiddleware:
    """A page opened with a method it does not take (a bookmarked 通过 or 删除 address) answers 405 with the site's
    Chinese page instead of Django's empty body; the API keeps its own JSON answer (api.middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith("/api/"):
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page
