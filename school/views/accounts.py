"""Student accounts: one-time activation codes (for chosen students, or every student of the current list not
yet activated, as an xlsx to hand out; or one new code on screen for a student who lost access), the
登录失败记录 of the school's accounts (with 解除锁定 of the ones the throttle refuses), and each admin's
own 账号设置 (接收邮箱 and 邮件提醒 of the daily digest)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import InvalidInput, NotFound
from core.selectors import display_names, failed_logins_of_school, lock_lifts_of_school, locked_accounts_of_school
from core.services.accounts import account_update_notifications
from core.services.activation import IssuedCode, activation_codes_issue
from core.services.locks import lock_lift
from core.services.xlsx import write_xlsx
from school.access import admin_required, current_school, school_admin_required, school_id_of
from school.views.common import page
from school.views.roster import _student_for, filtered_students, student_filter_values
from web.downloads import xlsx_download
from web.request import AuthenticatedRequest

FAILURES_PER_PAGE = 50
# Where each throttled entrance is, in the admin's words.
ENTRANCES = {
    "/login/": "登录页",
    "/api/v1/auth/token": "接口登录",
    "/activate/": "账号激活",
    "/api/v1/auth/activate": "接口激活",
    "/password/": "修改密码",
    "/api/v1/auth/password": "接口修改密码",
}
LIFTS_SHOWN = 20
CODE_HEADERS = ("学号", "姓名", "院系", "专业", "激活码", "有效期至", "激活网址")


def _activate_url(request: AuthenticatedRequest) -> str:
    """激活账号 with the school already chosen: every school's 学号 space is its own."""
    query = urlencode({"school": current_school(request).code})
    return request.build_absolute_uri(reverse("web:activate")) + "?" + query


def _code_rows(request: AuthenticatedRequest, codes: list[IssuedCode]) -> list[list[str]]:
    url = _activate_url(request)
    return [
        [
            c.student_number,
            c.name,
            c.college,
            c.major,
            c.code,
            f"{timezone.localtime(c.expires_at):%Y-%m-%d %H:%M}",
            url,
        ]
        for c in codes
    ]


@require_POST
@never_cache
@school_admin_required
def activation_codes(request: AuthenticatedRequest) -> HttpResponse:
    """生成激活码 from 生源名单: the ticked students, or all not yet activated in the filtered list; an xlsx."""
    user = request.user
    back = reverse("school:students") + "?" + request.POST.get("query", "")
    try:
        if request.POST.get("scope") == "unactivated":
            within = filtered_students(user, student_filter_values(request.POST))
            codes = activation_codes_issue(
                current_school(request), all_unactivated=True, within=within, acting_user=user
            )
        else:
            codes = activation_codes_issue(
                current_school(request), student_numbers=request.POST.getlist("student_numbers"), acting_user=user
            )
    except InvalidInput as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    if not codes:
        messages.info(request, "当前筛选结果中没有未激活的学生")
        return redirect(back)
    content = write_xlsx(CODE_HEADERS, _code_rows(request, codes), title="激活码")
    return xlsx_download(content, f"学生账号激活码-{len(codes)}人.xlsx")


@require_POST
@never_cache
@school_admin_required
def student_activation_code(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new code for one student (e.g. one who lost access), shown once; their earlier codes stop working."""
    user = request.user
    student = _student_for(request, pk)
    [issued] = activation_codes_issue(current_school(request), student_numbers=[student.student_no], acting_user=user)
    crumbs = [
        ("生源管理", reverse("school:students")),
        (student.name, reverse("school:student", args=[student.pk])),
        ("生成激活码", ""),
    ]
    context = {
        "student": student,
        "issued": issued,
        "activate_url": _activate_url(request),
    }
    return page(request, "school/activation_code.html", context, menu="students", crumbs=crumbs)


@require_GET
@school_admin_required
def failed_logins(request: AuthenticatedRequest) -> HttpResponse:
    """登录失败记录: recent failed logins and activations of this school's accounts (students and admins), the
    accounts the throttle refuses now (解除锁定) and the locks lifted."""
    school_id = school_id_of(request.user)
    qs = failed_logins_of_school(school_id)
    failures = Paginator(qs, FAILURES_PER_PAGE).get_page(request.GET.get("page"))
    names = display_names([f.username for f in failures.object_list])
    for failure in failures.object_list:
        failure.display_name = names.get(failure.username, "")  # type: ignore[attr-defined]
        failure.entrance = ENTRANCES.get(failure.path_info, failure.path_info)  # type: ignore[attr-defined]
    return page(
        request,
        "school/failed_logins.html",
        {
            "page": failures,
            "query": "",
            "locked": locked_accounts_of_school(school_id),
            "lifts": lock_lifts_of_school(school_id)[:LIFTS_SHOWN],
        },
        menu="failed_logins",
        crumbs=[("系统设置", ""), ("登录失败记录", "")],
    )


@require_POST
@never_cache
@school_admin_required
def unlock(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """解除锁定 of one of the school's accounts: its counted failures are cleared, the lifting recorded."""
    try:
        lifted = lock_lift(current_school(request), pk, acting_user=request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    who = lifted.user.display_name or lifted.user.username
    messages.success(request, f"已解除{who}（{lifted.user.username}）的登录锁定，清除失败记录{lifted.failures}次")
    return redirect("school:failed_logins")


@require_http_methods(["GET", "POST"])
@admin_required
def account_settings(request: AuthenticatedRequest) -> HttpResponse:
    """账号设置 of this admin: the address the daily 待办 digest and other e-mail go to, and whether they go."""
    user = request.user
    values: dict[str, object] = {"email": user.email, "email_notifications": user.email_notifications}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        email = request.POST.get("email", "")
        wanted = request.POST.get("email_notifications") == "on"
        values = {"email": email, "email_notifications": wanted}
        try:
            account_update_notifications(user, email=email, email_notifications=wanted, acting_user=user)
        except InvalidInput as exc:
            user.refresh_from_db()
            errors, status = {k: str(v) for k, v in exc.errors.items()}, 400
        else:
            messages.success(request, "账号设置已保存")
            return redirect("school:account")
    return page(
        request,
        "school/account.html",
        {"notify": {**values, "errors": errors}},
        menu="account",
        crumbs=[("系统设置", ""), ("账号设置", "")],
        status=status,
    )
