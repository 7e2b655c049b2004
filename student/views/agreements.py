"""我的协议: the active agreement with its progress, past agreements, and 解约 from the student's side."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.models import Agreement, Status, Termination, User
from core.rules import Action, allowed_actions
from core.selectors import (
    active_agreement_of,
    agreement_history_of,
    open_invitations_of,
    open_return_of,
    terminations_used_by,
)
from core.status_words import consequence
from student.access import own_agreement, page, portal, student_required
from student.presenters import format_term
from web.actions import Question, act, confirmed, settle
from web.agreement_detail import agreement_detail_context
from web.confirmations import SEND_CODE, Attempt, attempt_confirmed, confirm_context
from web.request import AuthenticatedRequest

REASON_MAX = 200


def _actions_context(agreement: Agreement, user: User) -> dict[str, Any]:
    """What the student may do on this agreement now, and the 解约 request it concerns."""
    termination: Termination | None = agreement.open_termination
    actions = allowed_actions(agreement, user)
    return {
        "termination": termination,
        "can_request_termination": Action.TERMINATION in actions,
        "can_withdraw_termination": Action.TERMINATION_WITHDRAW in actions,
        "can_answer_termination": Action.TERMINATION_ACCEPT in actions,
        "can_resubmit": Action.RESUBMIT in actions,
        "can_withdraw_paper": agreement.paper and Action.WITHDRAW in actions,
        "withdraw_consequence": consequence(agreement, Action.WITHDRAW, user) if agreement.paper else "",
        "scans": list(agreement.attachments.all()) if agreement.paper else [],
    }


def _page_context(agreement: Agreement, viewer: User) -> dict[str, Any]:
    return {
        "agreement": agreement,
        "returned": open_return_of(agreement),
        **agreement_detail_context(agreement, viewer),
        **_actions_context(agreement, viewer),
    }


def _agreement_crumbs(agreement: Agreement) -> list[tuple[str, str]]:
    return [
        ("我的协议", reverse("student:agreement")),
        ("协议详情", reverse("student:agreement_detail", args=[agreement.pk])),
    ]


@require_GET
@student_required
def my_agreement(request: AuthenticatedRequest) -> HttpResponse:
    """我的协议: the one active agreement (if any) in full, then the history."""
    user = request.user
    active = active_agreement_of(user)
    context: dict[str, Any] = {"history": agreement_history_of(user), "pending_count": 0}
    if active is not None:
        context.update(_page_context(own_agreement(request, active.pk), user))
    else:
        context["pending_count"] = open_invitations_of(user).count()
    return page(request, "student/agreement.html", context, menu="agreement")


@require_GET
@student_required
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    if agreement.status == Status.INVITED:
        return redirect("student:invitation_detail", pk=agreement.pk)
    context = _page_context(agreement, request.user)
    return page(
        request,
        "student/agreement_detail.html",
        context,
        crumbs=[("我的协议", reverse("student:agreement")), ("协议详情", "")],
        menu="agreement",
    )


def _limits_context(request: AuthenticatedRequest, agreement: Agreement) -> dict[str, Any]:
    school = agreement.school
    used = terminations_used_by(request.user)
    return {
        "school": school,
        "max_terminations": school.max_terminations,
        "terminations_used": used,
        "window_start": school.termination_window_start,
        "window_end": school.termination_window_end,
        "reason_max": REASON_MAX,
    }


def _confirming(
    request: AuthenticatedRequest,
    action: Action,
    agreement: Agreement,
    tried: Attempt,
    fields: list[tuple[str, str]],
) -> dict[str, Any]:
    """The page's 本人确认 section, open: the act's fields carried by its forms, the button's verb."""
    labels = {
        Action.TERMINATION: "提交解约申请",
        Action.TERMINATION_ACCEPT: "同意解约",
        Action.TERMINATION_DECLINE: "拒绝解约",
    }
    return {
        **confirm_context(request, action.value, agreement.pk, None, sent=tried.sent),
        "act_url": request.path,
        "act_label": labels[action],
        "act_fields": fields,
        "school": agreement.school,
    }


@require_http_methods(["GET", "POST"])
@student_required
def termination_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """申请解约, with the reason (at most 200 characters) and the school's limits spelled out first."""
    agreement = own_agreement(request, pk)
    errors: dict[str, object] = {}
    reason = ""
    status = 200
    tried = Attempt()
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        tried = attempt_confirmed(
            request,
            Action.TERMINATION.value,
            agreement.pk,
            lambda token: act(request, agreement, Action.TERMINATION, reason=reason, confirmation=token),
        )
        if (refused := tried.refusal) is not None:
            errors, status = refused.field_errors(), refused.status
        elif tried.sent is None:
            messages.success(request, "解约申请已提交，等待单位处理")
            return redirect("student:agreement_detail", pk=agreement.pk)
    context = {
        "agreement": agreement,
        "employer": agreement.employer,
        "can_request_termination": Action.TERMINATION in allowed_actions(agreement, request.user),
        "damages": format_term("liquidated_damages", getattr(agreement.current_terms, "liquidated_damages", None)),
        "errors": errors,
        "reason": reason,
        **_limits_context(request, agreement),
        **(_confirming(request, Action.TERMINATION, agreement, tried, [("reason", reason)]) if tried.asking else {}),
    }
    return page(
        request,
        "student/termination_request.html",
        context,
        crumbs=[*_agreement_crumbs(agreement), ("申请解约", "")],
        menu="agreement",
        status=status,
    )


@require_POST
@student_required
def termination_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Take back one's own 解约 request before the employer answers."""
    agreement = own_agreement(request, pk)
    outcome = act(request, agreement, Action.TERMINATION_WITHDRAW)
    then = reverse("student:agreement_detail", args=[agreement.pk])
    return settle(request, outcome, done="解约申请已撤回，协议恢复原状态", then=then)


@require_http_methods(["GET", "POST"])
@student_required
def termination_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Answer the employer's 解约 request: 同意 (remark optional) or 拒绝 (remark required)."""
    agreement = own_agreement(request, pk)
    errors: dict[str, object] = {}
    remark = ""
    status = 200
    confirming: dict[str, Any] = {}
    if request.method == "POST":
        remark = request.POST.get("remark", "")
        decision = request.POST.get("decision", "")
        action = {"accept": Action.TERMINATION_ACCEPT, "decline": Action.TERMINATION_DECLINE}.get(decision)
        if action is None:
            errors, status = {"decision": "请选择同意或拒绝"}, 400
        elif not confirmed(request) and SEND_CODE not in request.POST:
            # Either answer cannot be undone: asked once (web.actions), here without the page's script.
            agree = action == Action.TERMINATION_ACCEPT
            question = Question(
                "处理解约申请确认",
                f"确定{'同意' if agree else '拒绝'}{agreement.employer.name}的解约申请吗？",
                consequence(agreement, action, request.user),
                "确定同意解约" if agree else "确定拒绝解约",
                reverse("student:termination_answer", args=[agreement.pk]),
                danger=agree,
            )
            return portal.ask(request, question, menu="agreement", crumbs=_agreement_crumbs(agreement))
        else:
            chosen = action
            tried = attempt_confirmed(
                request,
                chosen.value,
                agreement.pk,
                lambda token: act(request, agreement, chosen, remark=remark, confirmation=token),
            )
            if (refused := tried.refusal) is not None:
                errors, status = refused.field_errors(), refused.status
            if tried.asking:
                fields = [("decision", decision), ("remark", remark)]
                confirming = _confirming(request, action, agreement, tried, fields)
            elif refused is None:
                agreed = action == Action.TERMINATION_ACCEPT
                messages.success(request, "你已同意解约" if agreed else "你已拒绝解约，协议恢复原状态")
                return redirect("student:agreement_detail", pk=agreement.pk)
    context = {
        "agreement": agreement,
        "employer": agreement.employer,
        "errors": errors,
        "remark": remark,
        "reason_max": REASON_MAX,
        "accept_consequence": consequence(agreement, Action.TERMINATION_ACCEPT, request.user),
        "decline_consequence": consequence(agreement, Action.TERMINATION_DECLINE, request.user),
        **_actions_context(agreement, request.user),
        **confirming,
    }
    return page(
        request,
        "student/termination_answer.html",
        context,
        crumbs=[*_agreement_crumbs(agreement), ("处理解约申请", "")],
        menu="agreement",
        status=status,
    )
