"""毕业去向: the student's current 去向 with its proof and 流程追踪, the form whose fields follow the kind, submit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import codes
from core.destination_fields import NEEDS_PROOF, REPORTABLE_CODES, form_specs
from core.rules import destination_actions
from core.selectors import own_destination
from core.services import destinations as svc
from core.services.confirmations import DESTINATION_CONFIRM, DESTINATION_SUBMIT
from core.services.events import destination_notifications_mark_all_read
from student.access import page, portal, student_required
from web.actions import Question, Refusal, attempt, confirmed, settle
from web.confirmations import attempt_confirmed, confirm_context
from web.destination_detail import destination_context, destination_rows
from web.destination_form import REFRESH, form_fields
from web.request import AuthenticatedRequest

CRUMBS_HOME = ("毕业去向", "")


@require_GET
@student_required
def destination_home(request: AuthenticatedRequest) -> HttpResponse:
    svc.destination_open(acting_user=request.user)
    destination = own_destination(request.user)
    assert destination is not None
    destination_notifications_mark_all_read(acting_user=request.user)  # what they were told of is in front of them
    context = destination_context(destination, request.user)
    context.update(
        can_attach="attach" in context["actions"],
        max_mb=settings.WANGQIAN_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        max_files=settings.WANGQIAN_ATTACHMENT_MAX_FILES,
    )
    return page(request, "student/destination.html", context, menu="destination")


@require_http_methods(["GET", "POST"])
@student_required
def destination_edit(request: AuthenticatedRequest) -> HttpResponse:
    """填写毕业去向: choose the kind (the page reloads with its fields), fill them in, save (未提交)."""
    svc.destination_open(acting_user=request.user)
    destination = own_destination(request.user)
    assert destination is not None
    errors: dict[str, object] = {}
    status = 200
    current = destination.current
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if not code and current is not None and current.code in REPORTABLE_CODES:
        code = current.code
    values: dict[str, Any] = {}
    if current is not None and current.code == code:
        values = {name: getattr(current, name) for name in form_specs(code)}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in request.POST}
        # 刷新地区 without JavaScript answers the form again with the place lists filled in; nothing is saved.
        if REFRESH not in request.POST:
            outcome = attempt(svc.destination_update, values, acting_user=request.user)
            if not isinstance(outcome, Refusal):
                messages.success(request, "毕业去向已保存。请上传证明材料后提交审核。")
                return redirect("student:destination")
            errors, status = outcome.field_errors(), 409 if outcome.conflict else 400
    if code and code not in REPORTABLE_CODES:
        errors.setdefault("code", "毕业去向不在代码表中，请从列表中选择")
        code = ""
    context = {
        "destination": destination,
        "can_edit": "update" in destination_actions(destination, request.user),
        "code": code,
        "kinds": [(c, codes.label("destination", c)) for c in REPORTABLE_CODES],
        "fields": form_fields(code, values, errors) if code else [],
        "refresh_places": True,
        "errors": errors,
        "needs_proof": code in NEEDS_PROOF,
    }
    crumbs = [("毕业去向", reverse("student:destination")), ("填写毕业去向", "")]
    return page(request, "student/destination_edit.html", context, menu="destination", crumbs=crumbs, status=status)


@require_POST
@student_required
def destination_submit(request: AuthenticatedRequest) -> HttpResponse:
    """提交审核: the graduate declares the 去向 theirs, with 本人确认 (web.confirmations): the button's first POST
    answers with the confirmation page, whose forms post back here with the proof."""
    return _confirmed_step(request, DESTINATION_SUBMIT)


@require_POST
@student_required
def destination_confirm(request: AuthenticatedRequest) -> HttpResponse:
    """确认 a 去向 the school entered for the graduate (issue 20 item 2), with 本人确认, as 提交审核 is."""
    return _confirmed_step(request, DESTINATION_CONFIRM)


@require_POST
@student_required
def destination_dispute(request: AuthenticatedRequest) -> HttpResponse:
    """异议: the 去向 the school entered is not the graduate's; the reason stays with it for the province. It cannot
    be taken back, so it asks once (web.actions)."""
    if not confirmed(request):
        question = Question(
            "提出异议确认",
            "确定对学校代为登记的毕业去向提出异议吗？",
            "异议提交后由省级主管部门核查，学校不能自行撤销；该去向不计入统计。",
            "确定提出异议",
            reverse("student:destination"),
            danger=True,
        )
        return portal.ask(request, question, menu="destination", crumbs=[("毕业去向", reverse("student:destination"))])
    outcome = attempt(svc.destination_dispute, request.POST.get("reason", ""), acting_user=request.user)
    done = "已提出异议。该去向不计入统计，学校不能自行修改，将由省级主管部门核查。"
    return settle(request, outcome, done=done, then=reverse("student:destination"))


def _confirmed_step(request: AuthenticatedRequest, action: str) -> HttpResponse:
    service = svc.destination_confirm if action == DESTINATION_CONFIRM else svc.destination_submit
    tried = attempt_confirmed(
        request,
        action,
        0,
        lambda token: attempt(service, acting_user=request.user, confirmation=token),
    )
    if tried.asking:
        destination = own_destination(request.user)
        context = {
            "destination": destination,
            "label": codes.label("destination", destination.code, "") if destination and destination.code else "",
            "error": tried.refusal.detail if tried.refusal and "code" not in tried.refusal.errors else "",
            "code_error": tried.refusal.errors.get("code", "") if tried.refusal else "",
            **confirm_context(request, action, 0, None, sent=tried.sent),
            "act_url": request.path,
            "act_label": "提交审核",
            # 确认 a school's entry: "确认并确认" would not read.
            "act_button": "" if action == DESTINATION_SUBMIT else "确认是我的去向",
            # What the graduate binds themselves to: every field of the version and its proof files.
            "rows": destination_rows(destination) if destination is not None else [],
            "attachments": list(destination.attachments.all()) if destination is not None else [],
            "title": "提交毕业去向" if action == DESTINATION_SUBMIT else "确认学校代为登记的毕业去向",
            "school": request.user.student.school,
        }
        crumbs = [("毕业去向", reverse("student:destination")), ("本人确认", "")]
        status = tried.refusal.status if tried.refusal else 200
        return page(
            request, "student/destination_submit.html", context, menu="destination", crumbs=crumbs, status=status
        )
    outcome = tried.outcome
    done = "" if isinstance(outcome, Refusal) else f"已提交，{outcome.get_status_display()}。"
    return settle(request, outcome, done=done, then=reverse("student:destination"))


@require_POST
@student_required
def attachment_upload(request: AuthenticatedRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return redirect("student:destination")
    content = svc.read_upload(upload)
    outcome = attempt(svc.destination_attach, name=upload.name or "", content=content, acting_user=request.user)
    return settle(request, outcome, done="附件已上传。", then=reverse("student:destination"))


@require_POST
@student_required
def attachment_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = attempt(svc.destination_detach, pk, acting_user=request.user)  # not the student's: 404
    return settle(request, outcome, done="附件已删除。", then=reverse("student:destination"))


@require_GET
@student_required
def regions(request: AuthenticatedRequest) -> JsonResponse:
    """The 行政区划 cascade for the 去向 form: provinces, a province's cities, a city's counties."""
    parent = request.GET.get("parent") or None
    try:
        return JsonResponse(codes.get_table("region", parent), safe=False)
    except KeyError:
        return JsonResponse([], safe=False, status=404)
