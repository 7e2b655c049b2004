"""单位中心 landing, 单位注册, 账号设置 (基本信息, 修改密码), 签约信息确认 and 网签信息维护."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import codes
from core.client_address import client_address
from core.errors import DomainError, InvalidInput, NotFound
from core.fields import PROFILE_FIELDS
from core.masking import mask_phone
from core.services.accounts import account_update_notifications, password_change
from core.services.employers import (
    BASIC_FIELDS,
    clean_basic_info,
    employer_register,
    employer_update_basic_info,
    employer_update_profile,
)
from core.services.licences import employer_upload_licence, read_licence, read_licence_upload
from core.services.sms_codes import PURPOSE_EMPLOYER_REGISTER, sms_code_send
from core.throttle import TooManyAttempts
from employer.access import current_employer, employer_required
from employer.fields import basic_fields, profile_fields
from employer.views.common import page
from web.actions import Refusal, attempt
from web.backends import ACCOUNT_BACKEND
from web.downloads import download
from web.forms import ProfileForm
from web.navigation import safe_target
from web.request import AuthenticatedRequest
from web.views import locked_out


@require_GET
@employer_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """单位中心: a verified employer goes straight to 单位签约中心; one awaiting verification sees why it cannot
    search yet."""
    employer = current_employer(request)
    if employer.is_verified:
        return redirect("employer:agreements")
    context = {"retention_years": settings.EVIDENCE_RETENTION_YEARS}
    return page(request, "employer/home.html", context, menu="", crumbs=[("资质审核", "")])


REGISTER_VALUES = (*BASIC_FIELDS, "username", "mobile")


def _register_page(
    request: AuthenticatedRequest,
    *,
    error: str = "",
    errors: dict[str, object] | None = None,
    sms_sent: str = "",
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    values = {name: request.POST.get(name, "") for name in REGISTER_VALUES}
    context = {
        "fields": basic_fields(values, errors),
        "values": values,
        "errors": errors,
        "error": error,
        "sms_sent": sms_sent,
        "licence_limit": f"{settings.WANGQIAN_LICENCE_MAX_BYTES / (1024 * 1024):g} MB",
        "demo_sms": settings.DEMO,
    }
    return render(request, "employer/register.html", context, status=status)


@require_http_methods(["GET", "POST"])
def register(request: AuthenticatedRequest) -> HttpResponse:
    """单位注册: 登录信息, the HR mobile proved by an SMS code, 单位基本信息 and the 营业执照 scan."""
    if request.user.is_authenticated:
        return redirect("web:home")
    if request.method == "GET":
        return _register_page(request)
    licence_name, licence = read_licence_upload(request.FILES.get("licence"))
    try:
        if request.POST.get("password", "") != request.POST.get("password2", ""):
            raise InvalidInput("两次输入的密码不一致", errors={"password2": "两次输入的密码不一致"})
        user = employer_register(
            username=request.POST.get("username", ""),
            password=request.POST.get("password", ""),
            data={name: request.POST.get(name, "") for name in BASIC_FIELDS},
            mobile=request.POST.get("mobile", ""),
            sms_code=request.POST.get("sms_code", ""),
            licence_name=licence_name,
            licence=licence,
        )
    except InvalidInput as exc:
        errors = dict(exc.errors)
        # Registration stops at its first problem; show the 基本信息 ones at the same time.
        try:
            clean_basic_info({name: request.POST.get(name, "") for name in BASIC_FIELDS})
        except InvalidInput as more:
            errors = {**more.errors, **errors}
        if "licence" not in errors:
            errors["licence"] = "请重新选择营业执照扫描件" if licence else ""
        return _register_page(request, error=exc.detail, errors=errors, status=400)
    login(request, user, backend=ACCOUNT_BACKEND)
    messages.success(request, "注册成功。单位资质须经学校审核，审核通过后即可使用网签系统。")
    return redirect("employer:home")


@require_POST
def register_code(request: AuthenticatedRequest) -> HttpResponse:
    """获取验证码 of 单位注册: with htmx only the line beside the button changes; without JavaScript the form comes
    back filled in (but for the password and the file, which a browser never sends back)."""
    try:
        row = sms_code_send(
            request.POST.get("mobile", ""), purpose=PURPOSE_EMPLOYER_REGISTER, address=client_address(request)
        )
    except DomainError as exc:
        if request.htmx:
            return render(request, "employer/includes/sms_status.html", {"error": exc.detail})
        return _register_page(request, error=exc.detail, errors={"mobile": exc.detail}, status=exc.status)
    sent = f"验证码已发送至{mask_phone(row.phone)}，{settings.WANGQIAN_SMS_CODE_TTL_SECONDS // 60}分钟内有效"
    if request.htmx:
        return render(request, "employer/includes/sms_status.html", {"sent": sent})
    return _register_page(request, sms_sent=sent)


@require_http_methods(["GET", "POST"])
@employer_required
def licence(request: AuthenticatedRequest) -> HttpResponse:
    """The employer's own 营业执照 scan (GET, shown inline); POST uploads one while 资质审核 waits."""
    employer = current_employer(request)
    if request.method == "GET":
        try:
            content = read_licence(employer)
        except NotFound:
            raise Http404("未上传营业执照扫描件")
        return download(content, employer.licence_name, employer.licence_type, inline=True)
    name, content = read_licence_upload(request.FILES.get("licence"))
    refused = attempt(employer_upload_licence, name=name, content=content, acting_user=request.user)
    if isinstance(refused, Refusal):
        messages.error(request, refused.errors.get("licence", refused.detail))  # type: ignore[arg-type]
    else:
        messages.success(request, "营业执照扫描件已上传，等待学校审核")
    return redirect("employer:home")


@require_http_methods(["GET", "POST"])
@employer_required
def account(request: AuthenticatedRequest) -> HttpResponse:
    """账号设置 / 基本信息. The 统一社会信用代码 is what the school verified, so it is shown, not edited."""
    employer = current_employer(request)
    values = {name: getattr(employer, name) for name in BASIC_FIELDS}
    errors: dict[str, object] = {}
    error = ""
    if request.method == "POST":
        posted = {name: request.POST.get(name, "") for name in BASIC_FIELDS if name != "credit_code"}
        values.update(posted)
        try:
            employer_update_basic_info(employer, posted, acting_user=request.user)
        except InvalidInput as exc:
            employer.refresh_from_db()
            error, errors = exc.detail, dict(exc.errors)
        else:
            messages.success(request, "基本信息已保存")
            return redirect("employer:account")
    return page(
        request,
        "employer/account.html",
        {
            "fields": basic_fields(values, errors, readonly=("credit_code",)),
            "error": error,
            "notify": _notify_values(request),
        },
        menu="account",
        crumbs=[("基本信息", "")],
    )


def _notify_values(request: AuthenticatedRequest, **typed: object) -> dict[str, object]:
    user = request.user
    return {"email": user.email, "email_notifications": user.email_notifications, "errors": {}, **typed}


@require_http_methods(["POST"])
@employer_required
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    """基本信息 / 消息提醒 of this HR account: its own receiving address and whether it wants e-mail."""
    email = request.POST.get("email", "")
    wanted = request.POST.get("email_notifications") == "on"
    try:
        account_update_notifications(request.user, email=email, email_notifications=wanted, acting_user=request.user)
    except InvalidInput as exc:
        request.user.refresh_from_db()
        employer = current_employer(request)
        values = {name: getattr(employer, name) for name in BASIC_FIELDS}
        return page(
            request,
            "employer/account.html",
            {
                "fields": basic_fields(values, {}, readonly=("credit_code",)),
                "error": "",
                "notify": _notify_values(request, email=email, email_notifications=wanted, errors=dict(exc.errors)),
            },
            menu="account",
            crumbs=[("基本信息", "")],
        )
    messages.success(request, "消息提醒设置已保存")
    return redirect("employer:account")


@require_http_methods(["GET", "POST"])
@employer_required
def password(request: AuthenticatedRequest) -> HttpResponse:
    """账号设置 / 修改密码, inside the portal's layout; the rules are core's password_change."""
    errors: dict[str, object] = {}
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("new_password") != request.POST.get("new_password2"):
                raise InvalidInput("两次输入的新密码不一致", errors={"new_password2": "两次输入的新密码不一致"})
            password_change(
                request.user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
                request=request,  # a wrong old password counts as a failed login (core.throttle)
            )
        except TooManyAttempts as exc:
            return locked_out(request, exc)
        except InvalidInput as exc:
            error, errors = exc.detail, dict(exc.errors)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "密码已修改")
            return redirect("employer:password")
    return page(
        request,
        "employer/password.html",
        {"errors": errors, "error": error},
        menu="password",
        crumbs=[("修改密码", "")],
    )


def _profile_values(request: AuthenticatedRequest) -> dict[str, str]:
    employer = current_employer(request)
    if request.method == "POST":
        return {name: request.POST.get(name, "") for name in PROFILE_FIELDS}
    return {name: getattr(employer, name) for name in PROFILE_FIELDS}


def _save_profile(request: AuthenticatedRequest) -> tuple[bool, str, dict[str, object]]:
    employer = current_employer(request)
    form = ProfileForm(data=_profile_values(request))
    if not form.is_valid():
        return False, form.detail, dict(form.field_errors())
    employer_update_profile(employer, form.cleaned_data, acting_user=request.user)
    return True, "", {}


def _safe_next(request: AuthenticatedRequest) -> str:
    return safe_target(request, reverse("employer:agreements"))


@require_http_methods(["GET", "POST"])
@employer_required
def confirm(request: AuthenticatedRequest) -> HttpResponse:
    """签约信息确认: the first-use form every 签约中心 item opens until the 签约信息 is complete."""
    employer = current_employer(request)
    if employer.profile_complete and request.method == "GET":
        return redirect(_safe_next(request))
    error, errors = "", {}  # type: tuple[str, dict[str, object]]
    if request.method == "POST":
        ok, error, errors = _save_profile(request)
        if ok:
            messages.success(request, "签约信息已确认，可以使用网签系统了")
            return redirect(_safe_next(request))
    return page(
        request,
        "employer/confirm.html",
        {
            "fields": profile_fields(_profile_values(request), errors, request.POST or None),
            "error": error,
            "next": _safe_next(request),
        },
        menu="",
        crumbs=[("签约信息确认", "")],
    )


@require_http_methods(["GET", "POST"])
@employer_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """网签信息维护: edit the 签约信息 later (first use goes through 签约信息确认)."""
    employer = current_employer(request)
    if not employer.profile_complete and request.method == "GET":
        return redirect(reverse("employer:confirm") + "?next=" + reverse("employer:profile"))
    error, errors = "", {}  # type: tuple[str, dict[str, object]]
    if request.method == "POST":
        ok, error, errors = _save_profile(request)
        if ok:
            messages.success(request, "网签信息已保存，之后发出的邀请函将使用新的信息")
            return redirect("employer:profile")
    return page(
        request,
        "employer/profile.html",
        {"fields": profile_fields(_profile_values(request), errors, request.POST or None), "error": error},
        menu="profile",
        crumbs=[("网签信息维护", "")],
    )


@require_GET
@employer_required
def regions(request: AuthenticatedRequest) -> JsonResponse:
    """The 行政区划 cascade: provinces without `parent`, then a province's cities, then a city's counties."""
    parent = request.GET.get("parent") or None
    return JsonResponse(codes.get_table("region", parent), safe=False)
