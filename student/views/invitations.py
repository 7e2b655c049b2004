"""我的邀约: pending invitations, their full terms, and the student's answer (同意 / 拒绝)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.models import Agreement, Status
from core.rules import Action, shows_dispatch_fields
from core.selectors import active_agreement_of, open_invitations_of, open_return_of
from core.status_words import consequence
from student.access import own_agreement, page, student_required
from student.presenters import compared_version, invitation_summary, terms_changes, terms_groups
from web.actions import Refusal, act, confirmed
from web.confirmations import SEND_CODE, confirm_context, proven, send_code
from web.request import AuthenticatedRequest


def _shows_dispatch(agreement: Agreement) -> bool:
    return shows_dispatch_fields(agreement.school, agreement.student.graduation_year)


def _active_agreement(request: AuthenticatedRequest) -> Agreement | None:
    return active_agreement_of(request.user)


def _pending(agreement: Agreement, request: AuthenticatedRequest) -> HttpResponse | None:
    """An invitation that is no longer pending is shown as an agreement."""
    if agreement.status != Status.INVITED:
        return redirect("student:agreement_detail", pk=agreement.pk)
    return None


def _invitation_crumbs(agreement: Agreement) -> list[tuple[str, str]]:
    return [
        ("我的邀约", reverse("student:invitations")),
        ("邀请函", reverse("student:invitation_detail", args=[agreement.pk])),
    ]


@require_GET
@student_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The landing page: the agreement once signed, else the invitations."""
    if _active_agreement(request) is not None:
        return redirect("student:agreement")
    return redirect("student:invitations")


@require_GET
@student_required
def invitation_list(request: AuthenticatedRequest) -> HttpResponse:
    invitations = open_invitations_of(request.user)
    now = timezone.now()
    cards = [
        {
            "agreement": agreement,
            "summary": invitation_summary(agreement),
            "groups": terms_groups(agreement.current_terms, show_dispatch=_shows_dispatch(agreement)),
            "is_modification": agreement.accepted_terms_id is not None,
            "expired": agreement.expires_at <= now,
        }
        for agreement in invitations
    ]
    context = {"cards": cards, "active": _active_agreement(request)}
    return page(request, "student/invitations.html", context, menu="invitations")


def _invitation_context(request: AuthenticatedRequest, agreement: Agreement) -> dict[str, object]:
    compared, compared_label = compared_version(agreement)
    return {
        "agreement": agreement,
        "returned": open_return_of(agreement),
        "school": agreement.school,
        "employer": agreement.employer,
        "terms": agreement.current_terms,
        "groups": terms_groups(agreement.current_terms, show_dispatch=_shows_dispatch(agreement)),
        "is_modification": agreement.accepted_terms_id is not None,
        "compared_label": compared_label,
        "changes": terms_changes(compared, agreement.current_terms) if compared else None,
        "active": _active_agreement(request),
        "expired": agreement.expires_at <= timezone.now(),
    }


@require_GET
@student_required
def invitation_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    if (moved := _pending(agreement, request)) is not None:
        return moved
    return page(
        request,
        "student/invitation_detail.html",
        _invitation_context(request, agreement),
        crumbs=[("我的邀约", reverse("student:invitations")), ("邀请函", "")],
        menu="invitations",
    )


@require_http_methods(["GET", "POST"])
@student_required
def invitation_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """同意: this page is the question (accepting binds the student to this employer, web.actions) and asks for the
    graduate's 本人确认 (web.confirmations): its confirmed POST carries the proof (passkey answer or SMS code),
    verified, then spent by the acceptance; a POST without `confirmed` shows the page and changes nothing."""
    agreement = own_agreement(request, pk)
    error = ""
    status = 200
    sent = None
    if request.method == "POST" and SEND_CODE in request.POST:
        started = send_code(request, Action.ACCEPT.value, agreement.pk)
        if isinstance(started, Refusal):
            error, status = started.detail, started.status
        else:
            sent = started
    elif request.method == "POST" and confirmed(request):
        token = proven(request, Action.ACCEPT.value, agreement.pk)
        outcome = token if isinstance(token, Refusal) else act(request, agreement, Action.ACCEPT, confirmation=token)
        if isinstance(outcome, Refusal):
            error, status = outcome.detail, outcome.status
        else:
            messages.success(request, f"你已同意{agreement.employer.name}的邀约，协议已提交审核")
            return redirect("student:agreement_detail", pk=agreement.pk)
    elif (moved := _pending(agreement, request)) is not None:
        return moved
    terms = agreement.current_terms
    context = {
        **_invitation_context(request, agreement),
        **confirm_context(
            request, Action.ACCEPT.value, agreement.pk, terms.version if terms is not None else None, sent=sent
        ),
        "error": error,
        "consequence": consequence(agreement, Action.ACCEPT, request.user),
    }
    return page(
        request,
        "student/invitation_accept.html",
        context,
        crumbs=[*_invitation_crumbs(agreement), ("同意", "")],
        menu="invitations",
        status=status,
    )


@require_http_methods(["GET", "POST"])
@student_required
def invitation_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    errors: dict[str, object] = {}
    remark = ""
    status = 200
    remark = request.POST.get("remark", "")
    # This page is the question (拒绝 ends the invitation for good): its form sends `confirmed`.
    if request.method == "POST" and confirmed(request):
        outcome = act(request, agreement, Action.DECLINE, remark=remark)
        if isinstance(outcome, Refusal):
            errors, status = outcome.field_errors(), outcome.status
        else:
            messages.success(request, f"你已拒绝{agreement.employer.name}的邀约")
            return redirect("student:invitations")
    elif (moved := _pending(agreement, request)) is not None:
        return moved
    context = {
        **_invitation_context(request, agreement),
        "errors": errors,
        "remark": remark,
        "consequence": consequence(agreement, Action.DECLINE, request.user),
    }
    return page(
        request,
        "student/invitation_decline.html",
        context,
        crumbs=[*_invitation_crumbs(agreement), ("拒绝", "")],
        menu="invitations",
        status=status,
    )
