"""解约办理: 学生提出解约待办理列表 and 已签约成功学生列表, with the 学生解约通知 and 单位解除协议申请 dialogs."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Agreement, Status, User
from core.replicas import replica_reads
from core.rules import Action, refusal
from core.selectors import asked_by_student, get_agreement_for_user, with_termination_history
from core.status_words import consequence
from employer.access import signing_center
from employer.lists import ListState, filter_options, filtered, paginate, parse_filters
from employer.views.agreements import export_response, finish, selected_one
from employer.views.common import dialog, page, portal
from web.actions import Question, Refusal, act, confirmed
from web.navigation import safe_target
from web.request import AuthenticatedRequest

TABS = {"student": "学生提出解约待办理列表", "signed": "已签约成功学生列表"}
CRUMBS = [("解约办理", "")]
REASON_LIMIT = 200
# 已签约成功学生列表's 解约状态 filter: whether a 解约 was ever tried on the agreement.
TERMINATION_HISTORY = {"none": "未申请过解约", "failed": "解约未成功（被拒绝或退回）"}


def _tab(request: AuthenticatedRequest) -> str:
    tab = request.GET.get("tab", "student")
    return tab if tab in TABS else "student"


def tab_queryset(user: User, state: ListState, tab: str, history: str = "") -> QuerySet[Agreement]:
    if tab == "student":
        return asked_by_student(filtered(user, state))
    return with_termination_history(filtered(user, state, statuses=(Status.EFFECTIVE,)), history)


def _history(request: AuthenticatedRequest) -> str:
    value = request.GET.get("history", "")
    return value if value in TERMINATION_HISTORY else ""


@require_GET
@signing_center
@replica_reads
def termination_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    tab = _tab(request)
    state = parse_filters(request.GET)
    history = _history(request) if tab == "signed" else ""
    agreements = paginate(tab_queryset(user, state, tab, history), request.GET.get("page"))
    extra = {"history": history} if history else {}
    return page(
        request,
        "employer/terminations.html",
        {
            "tab": tab,
            "tabs": list(TABS.items()),
            "state": state,
            "history": history,
            "history_options": list(TERMINATION_HISTORY.items()),
            "page": agreements,
            "rows": agreements.object_list,
            "query": state.querystring(tab=tab, **extra),
            "back": request.get_full_path(),
            **filter_options(user),
        },
        menu="terminations",
        crumbs=CRUMBS,
    )


@require_GET
@signing_center
@replica_reads
def termination_export(request: AuthenticatedRequest) -> HttpResponse:
    tab = _tab(request)
    state = parse_filters(request.GET)
    qs = tab_queryset(request.user, state, tab, _history(request) if tab == "signed" else "")
    return export_response(request, qs, TABS[tab], list_page="employer:terminations")


@require_GET
@signing_center
def termination_go(request: AuthenticatedRequest) -> HttpResponse:
    """查看签约详情 / 查看协议书 / the two dialogs as pages, for the ticked row (without JavaScript)."""
    agreement = selected_one(request)
    if agreement is None:
        return redirect(safe_target(request, reverse("employer:terminations"), param="back"))
    action = request.GET.get("action", "detail")
    if action == "answer":
        return redirect("employer:termination_answer", pk=agreement.pk)
    if action == "request":
        return redirect("employer:termination_request", pk=agreement.pk)
    if action == "document" and agreement.number:
        return redirect("documents:pdf", pk=agreement.pk)
    return redirect("employer:agreement_detail", pk=agreement.pk)


def _crumbs(label: str) -> list[tuple[str, str]]:
    return [("解约办理", reverse("employer:terminations")), (label, "")]


@require_http_methods(["GET", "POST"])
@signing_center
def termination_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """学生解约通知: the student's request, answered with 同意 or 拒绝 (a remark is required to refuse)."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    termination = getattr(agreement, "_open_termination", None)
    error, errors = "", {}
    remark = request.POST.get("remark", "")
    decision = request.POST.get("decision")
    action = {"agree": Action.TERMINATION_ACCEPT, "decline": Action.TERMINATION_DECLINE}.get(decision or "")
    if request.method == "POST" and action is None:
        error, errors = "请选择同意或拒绝", {"decision": "请选择同意或拒绝"}
    elif request.method == "POST" and action is not None and not confirmed(request):
        # Either answer cannot be undone: asked once (web.actions), here without the dialog's script.
        agree = action == Action.TERMINATION_ACCEPT
        question = Question(
            "处理解约申请确认",
            f"确定{'同意' if agree else '拒绝'}{agreement.student.name}的解约申请吗？",
            consequence(agreement, action, user),
            "确定同意" if agree else "确定拒绝",
            reverse("employer:terminations") + "?tab=student",
            danger=agree,
        )
        return portal.ask(request, question, menu="terminations", crumbs=_crumbs("处理解约申请")[:-1])
    elif request.method == "POST" and action is not None:
        outcome = act(request, agreement, action, remark=remark)
        if isinstance(outcome, Refusal):
            error, errors = outcome.detail, dict(outcome.errors)
            if action == Action.TERMINATION_DECLINE and "reason" in errors:
                errors["remark"] = errors.pop("reason")
        else:
            name = agreement.student.name
            if action == Action.TERMINATION_ACCEPT:
                messages.success(request, f"已同意{name}的解约申请，{_after_consent(outcome)}")
            else:
                messages.success(request, f"已拒绝{name}的解约申请，协议恢复原状态")
            return finish(request, reverse("employer:terminations") + "?tab=student")
    elif refusal(agreement, user, Action.TERMINATION_ACCEPT):
        error = "该协议书没有待处理的学生解约申请"
    return dialog(
        request,
        "employer/includes/termination_answer_dialog.html",
        {
            "agreement": agreement,
            "termination": termination,
            "remark": remark,
            "error": error,
            "errors": errors,
            "accept_consequence": consequence(agreement, Action.TERMINATION_ACCEPT, user),
            "decline_consequence": consequence(agreement, Action.TERMINATION_DECLINE, user),
            "dialog_title": "学生解约通知",
        },
        menu="terminations",
        crumbs=_crumbs("处理解约申请"),
    )


@require_http_methods(["GET", "POST"])
@signing_center
def termination_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """单位解除协议申请: 解除原因 (at most 200 characters); once sent it cannot be withdrawn."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    error, errors = "", {}
    reason = request.POST.get("reason", "")
    # The dialog is the question (its warning says the request cannot be withdrawn) and sends `confirmed`; a POST
    # without it shows the dialog again, the reason kept.
    if request.method == "POST" and confirmed(request):
        outcome = act(request, agreement, Action.TERMINATION, reason=reason)
        if isinstance(outcome, Refusal):
            error, errors = outcome.detail, dict(outcome.errors)
        else:
            messages.success(request, f"已向{agreement.student.name}发出解约申请，等待学生处理")
            return finish(request, reverse("employer:terminations") + "?tab=signed")
    elif refused := refusal(agreement, user, Action.TERMINATION):
        error = refused.detail
    return dialog(
        request,
        "employer/includes/termination_request_dialog.html",
        {
            "agreement": agreement,
            "reason": reason,
            "limit": REASON_LIMIT,
            "consequence": consequence(agreement, Action.TERMINATION, user),
            "error": error,
            "errors": errors,
            "dialog_title": "单位解除协议申请",
        },
        menu="terminations",
        crumbs=_crumbs("申请解约"),
    )


def _after_consent(agreement: Agreement) -> str:
    """What happens now that the employer agreed, as the workflow decided (the school's 解约 review or not)."""
    if agreement.status == Status.TERMINATED:
        return "解约已生效"
    return "学校审核通过后解约生效"
