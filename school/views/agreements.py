"""签约审核, 解约审核 and 签约查询: the queues, one agreement's detail with its actions, and the export."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.fields import TERMS_FIELDS
from core.inputs import parse_ids
from core.models import Agreement, Job, Status, User
from core.replicas import replica_reads
from core.rules import Action, allowed_actions, refusal, review_status_for, shows_review_draft
from core.selectors import get_agreement_for_user, paper_dispute_of, terms_versions_of
from core.services import agreements as wf
from core.services.terms import terms_diff
from core.status_words import after_college_review, approve_consequence, consequence
from documents.render import PAGES_PER_COPY
from documents.services import review_scans
from school import lists
from school.access import admin_required, school_admin_required
from school.views.common import page, portal
from web.actions import Question, Refusal, act, confirmed
from web.agreement_detail import agreement_detail_context
from web.exports import export_or_job, job_page
from web.navigation import safe_target
from web.request import AuthenticatedRequest

# --- 签约审核 -------------------------------------------------------------------------------------------


@require_GET
@admin_required
@replica_reads
def reviews(request: AuthenticatedRequest) -> HttpResponse:
    """待学院审核 (college admin, their college) or 待学校审核 (school admin)."""
    user = request.user
    status = review_status_for(user)
    state = lists.parse_filters(request.GET, user)
    qs = lists.filtered(user, state, statuses=(status,)).order_by("signed_at", "id")
    context = {
        "page": lists.paginate(qs, request.GET.get("page")),
        "state": state,
        "query": state.querystring(),
        "queue_label": status.label,
        "batch_consequence": approve_consequence(status, user.school) if user.school else "",
        "after_college_review": after_college_review(user.school) if user.school else "",
        **lists.filter_options(user),
    }
    return page(request, "school/reviews.html", context, menu="reviews", crumbs=[("签约审核", "")])


@require_POST
@admin_required
def reviews_approve_batch(request: AuthenticatedRequest) -> HttpResponse:
    """批量通过 of the selected rows; each is approved (or refused) on its own."""
    user = request.user
    ids = parse_ids(request.POST.getlist("ids"))
    back = safe_target(request, reverse("school:reviews"))
    if not ids:
        messages.error(request, "请先勾选要审核通过的协议书")
        return redirect(back)
    if not confirmed(request):
        level = review_status_for(user)
        question = Question(
            "批量通过确认",
            f"确定审核通过所选的{len(ids)}份协议书吗？",
            approve_consequence(level, user.school) if user.school else "",
            "确定通过",
            back,
        )
        return portal.ask(request, question, menu="reviews", crumbs=[("签约审核", back)])
    approved, refused = wf.agreements_approve_batch(ids, acting_user=user)
    if approved:
        messages.success(request, f"已审核通过{approved}份协议书")
    for message in refused:
        messages.error(request, f"未通过审核{message}")
    return redirect(back)


# --- one agreement ---------------------------------------------------------------------------------------


def _terms_versions(agreement: Agreement) -> list[dict[str, Any]]:
    """Every version of the terms, newest first, each with what it changed against the one before."""
    versions = terms_versions_of(agreement)
    rows: list[dict[str, Any]] = []
    previous: dict[str, str] | None = None
    for terms in versions:
        shown = {name: spec.display(getattr(terms, name)) for name, spec in TERMS_FIELDS.items()}
        rows.append(
            {
                "terms": terms,
                "changes": terms_diff(previous, shown) if previous is not None else [],
                "accepted": terms.pk == agreement.accepted_terms_id,
                "current": terms.pk == agreement.current_terms_id,
            }
        )
        previous = shown
    rows.reverse()
    return rows


def _detail_page(
    request: AuthenticatedRequest, agreement: Agreement, *, errors: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    back = safe_target(request, reverse("school:agreements"))
    actions = allowed_actions(agreement, user)
    versions = _terms_versions(agreement)
    context: dict[str, Any] = {
        **agreement_detail_context(agreement, user),
        "agreement": agreement,
        "versions": versions,
        # What the reviewer approves: the current version's changes against the one before, and the agreement
        # as it will print (第一联, both sides; the other copies are identical), watermarked 未生效.
        "latest": versions[0] if versions else None,
        "draft_pages": range(1, PAGES_PER_COPY + 1) if shows_review_draft(agreement, user) else (),
        # A paper agreement is checked against the student's scan, shown on the page (the latest first).
        "scans": review_scans(agreement) if agreement.paper else [],
        "paper_dispute": paper_dispute_of(agreement),
        "can_review": Action.APPROVE in actions,
        "can_review_termination": Action.TERMINATION_APPROVE in actions,
        # What each decision that cannot be undone will do, said by its confirmation (core.status_words).
        "consequences": {
            action.name.lower(): consequence(agreement, action, user)
            for action in (Action.APPROVE, *_TERMINATION_REVIEW)
            if action in actions
        },
        "errors": errors or {},
        "form": request.POST if errors else {},
        "back": back,
    }
    menu, label = _came_from(back)
    crumbs = [(label, back), ("查看详情", "")]
    return page(request, "school/agreement_detail.html", context, menu=menu, crumbs=crumbs, status=status)


def _came_from(back: str) -> tuple[str, str]:
    """The menu entry and breadcrumb of the list the detail was opened from."""
    for name, menu, label in (
        ("school:reviews", "reviews", "签约审核"),
        ("school:terminations", "terminations", "解约审核"),
        ("school:students", "students", "生源名单"),
        ("school:employers", "employers", "单位资质审核"),
    ):
        if back.startswith(reverse(name)):
            return menu, label
    return "agreements", "签约查询"


@require_GET
@admin_required
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    return _detail_page(request, agreement)


_DONE = {
    Action.APPROVE: "审核通过",
    Action.RETURN: "已退回",
    Action.TERMINATION_APPROVE: "解约审核通过",
    Action.TERMINATION_RETURN: "解约申请已退回",
}
_TERMINATION_REVIEW = (Action.TERMINATION_APPROVE, Action.TERMINATION_RETURN)


def _act(request: AuthenticatedRequest, pk: int, action: Action) -> HttpResponse:
    """Run one review action; a refused one is explained on the detail page, the typed remark kept."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)  # 404 before anything when it is not the admin's
    inputs = {} if action == Action.APPROVE else {"remark": request.POST.get("remark", "")}
    outcome = act(request, agreement.pk, action, **inputs)
    if isinstance(outcome, Refusal):
        if outcome.conflict:
            messages.error(request, outcome.detail)
            return redirect("school:agreement", pk=agreement.pk)
        errors = {("termination_remark" if action in _TERMINATION_REVIEW else "remark"): outcome.detail}
        return _detail_page(request, get_agreement_for_user(user, pk), errors=errors, status=400)
    messages.success(request, f"{agreement.student.name}与{agreement.employer.name}的协议书：{_DONE[action]}")
    fallback = reverse("school:terminations" if action in _TERMINATION_REVIEW else "school:reviews")
    return redirect(safe_target(request, fallback))


def _question(agreement: Agreement, action: Action, user: User, cancel: str) -> Question:
    parties = f"{agreement.student.name}与{agreement.employer.name}"
    if action == Action.APPROVE:
        version = agreement.current_terms.version if agreement.current_terms else 1
        title, text, button = "审核通过确认", f"确定审核通过{parties}的协议书（条款第{version}版）吗？", "确定通过"
    elif action == Action.TERMINATION_APPROVE:
        title, text, button = "解约审核通过确认", f"确定通过{parties}的解约申请吗？", "确定通过"
    else:
        title, text, button = "解约审核退回确认", f"确定退回{parties}的解约申请吗？", "确定退回"
    danger = action == Action.TERMINATION_APPROVE
    return Question(title, text, consequence(agreement, action, user), button, cancel, danger=danger)


def _confirmed_act(request: AuthenticatedRequest, pk: int, action: Action) -> HttpResponse:
    """A review decision that cannot be undone asks once (web.actions): the detail page's dialog sends
    `confirmed`; without the script the first POST answers with the confirmation page, changing nothing."""
    if confirmed(request):
        return _act(request, pk, action)
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    if refused := refusal(agreement, user, action):
        messages.error(request, refused.detail)
        return redirect("school:agreement", pk=agreement.pk)
    back = safe_target(request, reverse("school:terminations" if action in _TERMINATION_REVIEW else "school:reviews"))
    detail = f"{reverse('school:agreement', args=[agreement.pk])}?next={quote(back)}"
    menu, label = _came_from(back)
    question = _question(agreement, action, user, detail)
    return portal.ask(request, question, menu=menu, crumbs=[(label, back), ("查看详情", detail)])


@require_POST
@admin_required
def agreement_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _confirmed_act(request, pk, Action.APPROVE)


@require_POST
@admin_required
def agreement_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, Action.RETURN)


@require_POST
@school_admin_required
def termination_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _confirmed_act(request, pk, Action.TERMINATION_APPROVE)


@require_POST
@school_admin_required
def termination_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _confirmed_act(request, pk, Action.TERMINATION_RETURN)


# --- 解约审核 -------------------------------------------------------------------------------------------


@require_GET
@school_admin_required
@replica_reads
def terminations(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    state = lists.parse_filters(request.GET, user)
    qs = lists.filtered(user, state, statuses=(Status.TERMINATION_REVIEW,)).order_by("updated_at", "id")
    context = {
        "page": lists.paginate(qs, request.GET.get("page")),
        "state": state,
        "query": state.querystring(),
        **lists.filter_options(user),
    }
    return page(request, "school/terminations.html", context, menu="terminations", crumbs=[("解约审核", "")])


# --- 签约查询 -------------------------------------------------------------------------------------------


@require_GET
@admin_required
@replica_reads
def agreements(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    state = lists.parse_filters(request.GET, user)
    qs = lists.filtered(user, state)
    context = {
        "page": lists.paginate(qs, request.GET.get("page"), prepare=state.plannable_for(user)),
        "state": state,
        "query": state.querystring(),
        "export_query": state.querystring(),
        **lists.filter_options(user),
    }
    return page(request, "school/agreements.html", context, menu="agreements", crumbs=[("签约查询", "")])


@require_GET
@admin_required
@replica_reads
def agreements_export(request: AuthenticatedRequest) -> HttpResponse:
    """导出: exactly the filtered list, every page of it."""
    user = request.user
    state = lists.parse_filters(request.GET, user)
    if state.errors:
        messages.error(request, "；".join(state.errors.values()))
        return redirect(f"{reverse('school:agreements')}?{state.querystring()}")
    back = f"{reverse('school:agreements')}?{state.querystring()}"
    return export_or_job(
        request, lists.filtered(user, state), title="签约查询", job_page="school:export_job", back=back
    )


@require_GET
@admin_required
def export_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A large export's progress (签约查询 or 就业方案), then its download."""

    def render_page(context: dict[str, Any]) -> HttpResponse:
        if context["job"].kind == Job.Kind.PLAN:
            menu, crumbs = "plan", [("统计报表", ""), ("就业方案导出", reverse("school:plan")), ("导出", "")]
        else:
            menu, crumbs = "agreements", [("签约查询", reverse("school:agreements")), ("导出", "")]
        return page(request, "school/export_job.html", context, menu=menu, crumbs=crumbs)

    return job_page(request, pk, render_page)
