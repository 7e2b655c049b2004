import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core.errors import InvalidInput, NotFound
from core.models import Role
from core.selectors import get_attachment_for_user
from core.services.accounts import password_change as do_password_change
from core.services.accounts import password_set
from core.services.activation import account_activate
from core.services.destinations import read_attachment
from core.services.password_reset import password_reset_request
from core.throttle import TooManyAttempts, guard, record_failure
from web.downloads import download
from web.navigation import is_page_here
from web.request import AuthenticatedRequest

HOME_BY_ROLE: dict[str, str] = {
    Role.EMPLOYER: "employer:home",
    Role.STUDENT: "student:home",
    Role.COLLEGE_ADMIN: "school:home",
    Role.SCHOOL_ADMIN: "school:home",
}


@functools.cache
def _favicon() -> bytes:
    path = finders.find("favicon.ico")
    assert isinstance(path, str), "static/favicon.ico is part of the checkout"
    with open(path, "rb") as f:
        return f.read()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico at the site's root, where browsers and feed readers ask for it whatever the page links."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    target = HOME_BY_ROLE.get(str(getattr(request.user, "role", "")))
    if target is None:
        return redirect("admin:index")
    return redirect(target)


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        # Django accepts any relative value (`?next=abc` lands on /login/abc, a 404): only a page of this site counts.
        target = super().get_redirect_url()
        return target if is_page_here(target) else ""


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    errors: dict[str, object] = {}
    if request.method == "POST":
        try:
            if request.POST.get("new_password") != request.POST.get("new_password2"):
                raise InvalidInput("两次输入的新密码不一致", errors={"new_password2": "两次输入的新密码不一致"})
            do_password_change(
                request.user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
                request=request,
            )
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改")
            return redirect("web:home")
    return render(request, "web/password_change.html", {"errors": errors})


def locked_out(request: HttpRequest, exc: TooManyAttempts) -> HttpResponse:
    return render(request, "web/locked_out.html", {"message": exc.detail}, status=429)


def _new_passwords(request: HttpRequest) -> str:
    new_password = request.POST.get("new_password", "")
    if new_password != request.POST.get("new_password2"):
        raise InvalidInput("两次输入的新密码不一致", errors={"new_password2": "两次输入的新密码不一致"})
    return new_password


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """激活账号: a student sets their password with the school's one-time code, and is logged in."""
    errors: dict[str, Any] = {}
    values = {"username": request.POST.get("username", "").strip(), "code": request.POST.get("code", "").strip()}
    if request.method == "POST":
        try:
            user = account_activate(
                username=values["username"], code=values["code"], new_password=_new_passwords(request), request=request
            )
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "账号已激活，以后请用学号和新密码登录")
            return redirect("web:home")
    return render(request, "web/activate.html", {"errors": errors, "values": values}, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """忘记密码: the same answer whether or not the account exists."""
    if request.method == "POST":
        try:
            password_reset_request(username=request.POST.get("username", "").strip(), request=request)
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        return render(request, "web/password_reset_sent.html")
    return render(request, "web/password_reset.html")


class PasswordResetForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's form, saving through core so every password change ends the account's API tokens."""

    def save(self, commit: bool = True) -> Any:
        password_set(self.user, self.cleaned_data["new_password1"])
        return self.user


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view (the token leaves the URL for the session before the form shows); a wrong link is
    counted towards the address's throttle like a failed login."""

    template_name = "web/password_reset_confirm.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("web:login")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            guard(self.request, "")
        except TooManyAttempts as exc:
            return locked_out(self.request, exc)
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            record_failure(self.request, "")
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "密码已重置，请用新密码登录")
        return response


@require_GET
@login_required
def attachment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A 去向 proof or a paper agreement's scan: its student and their reviewers only, everyone else 404."""
    try:
        found = get_attachment_for_user(request.user, pk)
        content = read_attachment(found)
    except NotFound:
        raise Http404("附件不存在或无权访问")
    return download(content, found.name, found.content_type, inline=True)
