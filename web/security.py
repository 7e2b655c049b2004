"""账号安全 and the second factor on the web: passkeys for every user; for staff also an authenticator app and
recovery codes; the sign-in's second step; the enrolment an account that needs a factor makes at its first sign-in;
and the staff invitation link (set a password, then the second factor)."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, InvalidInput
from core.models import User
from core.services import mfa
from core.services.passkeys import (
    get_passkey_for_user,
    ip_address_hint,
    passkey_authentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_rename,
    passkeys_of,
)
from core.services.staff import invitation_accept, invitation_check
from core.throttle import TooManyAttempts
from web.actions import Question, confirmed
from web.backends import ACCOUNT_BACKEND
from web.navigation import safe_target
from web.pages import Portal
from web.request import AuthenticatedRequest
from web.second_factor import mark_verified, may_manage_factors, needs_second_factor, session_verified

# 账号安全 has no portal chrome (every role reaches it); its removals ask on web/confirm_step.html without JavaScript.
security_portal = Portal(chrome=lambda request: {}, confirm_page="web/confirm_step.html")
NEW_CODES = "recovery_codes_new"
PENDING_TOTP = "pending_totp"
FAILURES = "second_factor_failures"
INVITATION = "invitation_token"


def _home(request: HttpRequest) -> str:
    return safe_target(request, reverse("web:home"))


def _show_codes_next(request: HttpRequest, codes: list[str]) -> None:
    if codes:
        request.session[NEW_CODES] = codes


def _enrolled(request: AuthenticatedRequest, method: str) -> HttpResponse:
    """A factor was just added: a session that was waiting for its first one has now passed it, and staff get
    recovery codes with their first factor. New codes are shown on 账号安全 (once) before the page asked for."""
    user = request.user
    if not session_verified(request) and mfa.second_factor_required(user):
        mark_verified(request, method)
    if mfa.may_use_authenticator_app(user) and not mfa.recovery_codes_left(user):
        _show_codes_next(request, mfa.recovery_codes_generate(user))
    target = safe_target(request, "")
    if NEW_CODES in request.session:
        return redirect(reverse("web:security") + (f"?{urlencode({'next': target})}" if target else ""))
    return redirect(target or reverse("web:security"))


def _refuse_unverified(request: AuthenticatedRequest) -> HttpResponse | None:
    if may_manage_factors(request):
        return None
    messages.error(request, "请先完成两步验证")
    return redirect("web:second_factor")


# --- the sign-in's second step -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def second_factor(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not needs_second_factor(request):
        return redirect(_home(request))
    error = ""
    if request.method == "POST":
        try:
            method = mfa.second_factor_verify(
                user,
                code=request.POST.get("code", ""),
                credential=request.POST.get("credential") or None,
                purpose="login",
                binding="web",
            )
        except InvalidInput as exc:
            failures = int(request.session.get(FAILURES, 0)) + 1
            request.session[FAILURES] = failures
            if failures >= settings.SECOND_FACTOR_MAX_FAILURES:
                logout(request)
                messages.error(request, "两步验证失败次数过多，请重新登录")
                return redirect("web:login")
            error = exc.detail
        else:
            request.session.pop(FAILURES, None)
            mark_verified(request, method)
            return redirect(_home(request))
    methods = mfa.methods_of(user)
    labels = [mfa.METHOD_LABELS[m] for m in methods]
    context = {
        "methods": methods,
        "method_text": "或".join(["、".join(labels[:-1]), labels[-1]]) if len(labels) > 1 else "".join(labels),
        "error": error,
        "next": safe_target(request, ""),
    }
    return render(request, "web/second_factor.html", context, status=400 if error else 200)


@never_cache
@require_POST
@login_required
def second_factor_passkey_options(request: AuthenticatedRequest) -> HttpResponse:
    try:
        options = passkey_authentication_options(request.user, purpose="login", binding="web")
    except DomainError as exc:
        return JsonResponse({"detail": exc.detail, "code": exc.code}, status=exc.status)
    return JsonResponse(options)


@never_cache
@require_http_methods(["GET"])
@login_required
def second_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    """The first sign-in of an account that needs a second factor: choose a passkey or an authenticator app."""
    user = request.user
    if mfa.has_second_factor(user) or not mfa.second_factor_required(user):
        return redirect(_home(request))
    context = {"next": safe_target(request, ""), "ip_address_hint": ip_address_hint(request.get_host())}
    return render(request, "web/second_factor_setup.html", context)


# --- 账号安全 ------------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context = {
        "passkeys": list(passkeys_of(user)),
        "staff": mfa.may_use_authenticator_app(user),
        "totp": mfa.totp_device(user),
        "recovery_left": mfa.recovery_codes_left(user),
        "required": mfa.second_factor_required(user),
        "new_codes": request.session.pop(NEW_CODES, None),
        "next": safe_target(request, ""),
        "passkeys_max": settings.PASSKEYS_PER_USER,
        "ip_address_hint": ip_address_hint(request.get_host()),
    }
    return render(request, "web/security.html", context)


@never_cache
@require_POST
@login_required
def security_passkey_options(request: AuthenticatedRequest) -> HttpResponse:
    if not may_manage_factors(request):
        return JsonResponse({"detail": "请先完成两步验证", "code": "second_factor_required"}, status=403)
    try:
        options = passkey_registration_options(request.user)
    except DomainError as exc:
        return JsonResponse({"detail": exc.detail, "code": exc.code}, status=exc.status)
    return JsonResponse(options)


@never_cache
@require_POST
@login_required
def security_passkey_add(request: AuthenticatedRequest) -> HttpResponse:
    refused = _refuse_unverified(request)
    if refused:
        return refused
    try:
        passkey = passkey_register(request.user, request.POST.get("credential", ""), name=request.POST.get("name", ""))
    except DomainError as exc:
        messages.error(request, exc.detail)
        back = "web:second_factor_setup" if needs_second_factor(request) else "web:security"
        return redirect(back)
    messages.success(request, f"通行密钥“{passkey.name}”已添加")
    return _enrolled(request, mfa.PASSKEY)


@never_cache
@require_POST
@login_required
def security_passkey_rename(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        passkey_rename(pk, request.POST.get("name", ""), acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise _not_found() from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, "名称已修改")
    return redirect("web:security")


def _ask(request: AuthenticatedRequest, title: str, text: str, consequence: str, button: str) -> HttpResponse:
    """A removal asks once (web.actions): the page's dialog, or without JavaScript this confirmation page."""
    question = Question(title, text, consequence, button, reverse("web:security"), danger=True)
    return security_portal.ask(request, question, menu="security", crumbs=[("账号安全", reverse("web:security"))])


@never_cache
@require_POST
@login_required
def security_passkey_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if not confirmed(request):
        try:
            name = get_passkey_for_user(request.user, pk).name
        except DomainError:
            raise _not_found() from None
        return _ask(request, "删除通行密钥", f"删除通行密钥“{name}”吗？", "删除后不能再用它验证。", "确定删除")
    try:
        mfa.passkey_delete(pk, acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise _not_found() from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, "通行密钥已删除")
    return redirect("web:security")


def _not_found() -> Http404:
    return Http404("对象不存在或无权访问")


def _qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m", micro=False).svg_data_uri(scale=5, border=2))


def _grouped(secret: bytes) -> str:
    b32 = base64.b32encode(secret).decode().rstrip("=")
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def security_totp(request: AuthenticatedRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app: scan the QR code, type the code it shows."""
    user = request.user
    refused = _refuse_unverified(request)
    if refused:
        return refused
    if not mfa.may_use_authenticator_app(user):
        messages.error(request, "该账号不能使用验证器应用，请使用通行密钥")
        return redirect("web:security")
    error = ""
    device = mfa.pending_totp(user, request.session.get(PENDING_TOTP))
    if request.method == "POST":
        try:
            _, codes = mfa.totp_confirm(user, request.session.get(PENDING_TOTP), request.POST.get("code", ""))
        except InvalidInput as exc:
            error = exc.detail
            if exc.code == "totp_expired":
                device = None
        else:
            request.session.pop(PENDING_TOTP, None)
            _show_codes_next(request, codes)
            messages.success(request, "验证器应用已设置，以后登录时输入它显示的6位验证码")
            return _enrolled(request, mfa.TOTP)
    if device is None:
        device = mfa.totp_begin(user)
        request.session[PENDING_TOTP] = device.pk
    context = {
        "qr": _qr_data_uri(device.config_url),
        "secret": _grouped(device.bin_key),
        "error": error,
        "next": safe_target(request, ""),
        "enrolling": needs_second_factor(request),
    }
    return render(request, "web/security_totp.html", context, status=400 if error else 200)


@never_cache
@require_POST
@login_required
def security_totp_remove(request: AuthenticatedRequest) -> HttpResponse:
    if not confirmed(request):
        return _ask(request, "移除验证器应用", "移除验证器应用吗？", "移除后不能再用它的验证码登录。", "确定移除")
    try:
        mfa.totp_remove(request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "验证器应用已移除")
    return redirect("web:security")


@never_cache
@require_POST
@login_required
def security_recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    if not confirmed(request):
        return _ask(request, "生成新的恢复码", "生成新的恢复码吗？", "此前的恢复码将全部失效。", "确定生成")
    try:
        _show_codes_next(request, mfa.recovery_codes_generate(request.user))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "已生成新的恢复码，此前的恢复码全部失效")
    return redirect("web:security")


# --- the invitation link -------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: its token leaves the address bar for the session (no Referer carries it further)."""
    request.session[INVITATION] = token
    return redirect("web:invitation_accept")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest) -> HttpResponse:
    token = str(request.session.get(INVITATION, ""))
    if not token:
        return render(request, "web/invitation.html", {"invalid": True})
    try:
        found = invitation_check(token, request=request)
    except TooManyAttempts as exc:
        return render(request, "web/locked_out.html", {"message": exc.detail}, status=429)
    except InvalidInput:
        return render(request, "web/invitation.html", {"invalid": True}, status=400)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        new_password = request.POST.get("new_password", "")
        try:
            if new_password != request.POST.get("new_password2"):
                raise InvalidInput("两次输入的新密码不一致", errors={"new_password2": "两次输入的新密码不一致"})
            user = invitation_accept(token=token, new_password=new_password, request=request)
        except TooManyAttempts as exc:
            return render(request, "web/locked_out.html", {"message": exc.detail}, status=429)
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            request.session.pop(INVITATION, None)
            login(request, user, backend=ACCOUNT_BACKEND)
            if mfa.second_factor_required(user):
                messages.success(request, "密码已设置。学校要求管理员使用两步验证，请继续设置")
                return redirect("web:second_factor_setup")
            messages.success(request, "密码已设置，欢迎使用")
            return redirect("web:home")
    invited: User = found.user
    context = {
        "invited": invited,
        "organisation": invited.province or invited.college or invited.school,
        "school": invited.school,
        "expires_at": found.expires_at,
        "second_factor": mfa.second_factor_required(invited),
        "errors": errors,
    }
    return render(request, "web/invitation.html", context, status=400 if errors else 200)
