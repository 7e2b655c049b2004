"""账号管理: the school admin lists, adds, disables, enables and re-invites the school's 学院管理员 and 学校管理员;
every change is recorded and shown (core.services.staff)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, InvalidInput
from core.inputs import parse_id
from core.models import Role, StaffChange
from core.selectors import (
    describe_change,
    open_invitation_of,
    staff_changes_of,
    staff_changes_of_school,
    staff_of_school,
    staff_state,
)
from core.services.staff import get_staff_for_admin, staff_create, staff_reinvite, staff_set_active
from school.access import current_school, school_admin_required, school_id_of
from school.views.common import page, portal
from web.actions import Question, confirmed
from web.request import AuthenticatedRequest

CHANGES_PER_PAGE = 30
HISTORY_SHOWN = 100
CRUMB = ("系统设置", "")
ROLE_CHOICES = ((Role.COLLEGE_ADMIN.value, "学院管理员"), (Role.SCHOOL_ADMIN.value, "学校管理员"))


def _summarised(changes: Iterable[StaffChange]) -> list[StaffChange]:
    rows = list(changes)
    for change in rows:
        change.summary = describe_change(change)  # type: ignore[attr-defined]
    return rows


@require_GET
@school_admin_required
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    school_id = school_id_of(request.user)
    accounts = list(staff_of_school(school_id))
    for account in accounts:
        account.state = staff_state(account)  # type: ignore[attr-defined]
    changes = Paginator(staff_changes_of_school(school_id), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    _summarised(changes.object_list)
    return page(
        request,
        "school/staff.html",
        {"accounts": accounts, "page": changes, "query": ""},
        menu="staff",
        crumbs=[CRUMB, ("账号管理", "")],
    )


@require_http_methods(["GET", "POST"])
@school_admin_required
def staff_add(request: AuthenticatedRequest) -> HttpResponse:
    school = current_school(request)
    values = {k: request.POST.get(k, "").strip() for k in ("username", "display_name", "email", "role", "college_id")}
    values["role"] = values["role"] or request.GET.get("role", Role.COLLEGE_ADMIN)
    errors: dict[str, object] = {}
    if request.method == "POST":
        try:
            staff, _ = staff_create(
                school=school,
                username=values["username"],
                display_name=values["display_name"],
                email=values["email"],
                role=values["role"],
                college_id=parse_id(values["college_id"]),
                acting_user=request.user,
            )
        except InvalidInput as exc:
            errors = exc.errors or {"form": exc.detail}
        else:
            added = f"已添加{staff.get_role_display()} {staff.username}"
            messages.success(request, f"{added}，邀请链接已发送到 {staff.email}")
            return redirect("school:staff_detail", pk=staff.pk)
    context = {
        "values": values,
        "errors": errors,
        "colleges": school.colleges.order_by("name"),
        "roles": ROLE_CHOICES,
        "invitation_days": settings.STAFF_INVITATION_DAYS,
    }
    crumbs = [CRUMB, ("账号管理", reverse("school:staff")), ("添加账号", "")]
    return page(request, "school/staff_add.html", context, menu="staff", crumbs=crumbs, status=400 if errors else 200)


@require_GET
@school_admin_required
def staff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    staff = get_staff_for_admin(request.user, pk)
    context = {
        "staff": staff,
        "state": staff_state(staff),
        "invitation": open_invitation_of(staff),
        "changes": _summarised(staff_changes_of(staff)[:HISTORY_SHOWN]),
        "is_self": staff.pk == request.user.pk,
    }
    crumbs = [CRUMB, ("账号管理", reverse("school:staff")), (staff.username, "")]
    return page(request, "school/staff_detail.html", context, menu="staff", crumbs=crumbs)


QUESTIONS = {
    "disable": (
        "停用账号",
        "停用账号 {username}（{name}）吗？",
        "停用后该账号立即在所有设备上退出登录，接口令牌全部失效，不能再登录；密码清除，再次启用时由本人通过邀请链接重新设置。",
        "确定停用",
        True,
    ),
    "enable": (
        "启用账号",
        "启用账号 {username}（{name}）吗？",
        "系统将向 {email} 发送邀请链接，由本人重新设置密码。",
        "确定启用",
        False,
    ),
    "invite": (
        "重新邀请",
        "向 {email} 重新发送邀请链接吗？",
        "此前未使用的邀请链接将失效；本人接受新邀请后，须重新设置密码和两步验证。",
        "确定发送",
        False,
    ),
}


def _act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    if not confirmed(request):
        staff = get_staff_for_admin(request.user, pk)
        title, text, consequence, button, danger = QUESTIONS[action]
        fill = {"username": staff.username, "name": staff.name, "email": staff.email}
        detail = reverse("school:staff_detail", args=[pk])
        question = Question(title, text.format(**fill), consequence.format(**fill), button, detail, danger=danger)
        crumbs = [CRUMB, ("账号管理", reverse("school:staff")), (staff.username, detail)]
        return portal.ask(request, question, menu="staff", crumbs=crumbs)
    try:
        if action == "invite":
            staff = get_staff_for_admin(request.user, pk)
            staff_reinvite(pk, acting_user=request.user)
            messages.success(request, f"已重新发送邀请到 {staff.email}，此前未使用的邀请链接已失效")
        else:
            staff = staff_set_active(pk, action == "enable", acting_user=request.user)
            if action == "enable":
                messages.success(request, f"账号 {staff.username} 已启用，邀请链接已发送到 {staff.email}")
            else:
                messages.success(request, f"账号 {staff.username} 已停用，已在所有设备上退出登录")
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
    if action == "disable" and pk == request.user.pk:
        return redirect("web:login")
    return redirect("school:staff_detail", pk=pk)


@require_POST
@school_admin_required
def staff_disable(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "disable")


@require_POST
@school_admin_required
def staff_enable(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "enable")


@require_POST
@school_admin_required
def staff_invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "invite")
