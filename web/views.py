import functools
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core.errors import InvalidInput, NotFound
from core.models import LoginFailure, Role
from core.selectors import get_attachment_for_user
from core.selectors.accounts import login_username, schools_to_sign_in
from core.services.accounts import LOGIN_FAILED, password_set
from core.services.accounts import password_change as do_password_change
from core.services.activation import account_activate
from core.services.destinations import read_attachment
from core.services.password_reset import password_reset_request
from core.throttle import TooManyAttempts, guard, record_failure, remember_device
from web.backends import ACCOUNT_BACKEND
from web.downloads import download
from web.navigation import is_page_here
from web.request import AuthenticatedRequest

HOME_BY_ROLE: dict[str, str] = {
    Role.EMPLOYER: "employer:home",
    Role.STUDENT: "student:home",
    Role.COLLEGE_ADMIN: "school:home",
    Role.SCHOOL_ADMIN: "school:home",
    Role.PROVINCE_ADMIN: "province:home",
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


# The school a student signed in with, offered again on the sign-in pages of this browser.
SCHOOL_COOKIE = "wq_school"
SCHOOL_COOKIE_AGE = 365 * 24 * 3600


def _school_context(request: HttpRequest, chosen: str | None = None) -> dict[str, object]:
    """The school list and the one to show chosen: as posted, else the link's `?school=` (the school's 激活码 sheet
    links 激活账号 so), else the one this browser signed in with."""
    if chosen is None:
        chosen = request.GET.get("school") or request.COOKIES.get(SCHOOL_COOKIE, "")
    return {"schools": schools_to_sign_in(), "chosen": chosen}


def _remember_school(response: HttpResponse, user: Any, school_code: str) -> HttpResponse:
    if school_code and getattr(user, "role", "") == Role.STUDENT:
        response.set_cookie(
            SCHOOL_COOKIE, school_code, max_age=SCHOOL_COOKIE_AGE, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
    return response


class LoginForm(AuthenticationForm):
    """Django's form, with the student's school beside the name: the name is resolved to the account it names
    (core.selectors.accounts.login_username) before the password is checked."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": LOGIN_FAILED, "inactive": LOGIN_FAILED}
    school_code = forms.CharField(required=False, max_length=10)

    def clean(self) -> dict[str, Any]:
        typed = self.cleaned_data.get("username")
        if typed:
            try:
                self.cleaned_data["username"] = login_username(typed, self.cleaned_data.get("school_code", ""))
            except InvalidInput as exc:
                self.add_error("school_code", exc.detail)
                return self.cleaned_data
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        chosen = form.data.get("school_code") if form is not None and form.is_bound else None
        return {**context, **_school_context(self.request, chosen)}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        return _remember_school(response, form.get_user(), form.cleaned_data.get("school_code", ""))

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
    values = {k: request.POST.get(k, "").strip() for k in ("username", "code", "school_code")}
    if request.method == "POST":
        try:
            user = account_activate(
                username=values["username"],
                code=values["code"],
                new_password=_new_passwords(request),
                school_code=values["school_code"],
                request=request,
            )
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            login(request, user, backend=ACCOUNT_BACKEND)
            messages.success(request, "账号已激活，以后请选择学校、用学号和新密码登录")
            return _remember_school(redirect("web:home"), user, values["school_code"])
    chosen = values["school_code"] if request.method == "POST" else None
    context = {"errors": errors, "values": values, **_school_context(request, chosen)}
    return render(request, "web/activate.html", context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """忘记密码: the same answer whether or not the account exists."""
    if request.method == "POST":
        try:
            password_reset_request(
                username=request.POST.get("username", "").strip(),
                school_code=request.POST.get("school_code", "").strip(),
                request=request,
            )
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        return render(request, "web/password_reset_sent.html")
    return render(request, "web/password_reset.html", _school_context(request))


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
            guard(self.request, "", LoginFailure.Kind.LINK)
        except TooManyAttempts as exc:
            return locked_out(self.request, exc)
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and not isinstance(response, HttpResponseRedirect):
            record_failure(self.request, "", LoginFailure.Kind.LINK)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        remember_device(self.request, form.user)  # the mailbox is its own: this device signs in despite others' guesses
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
