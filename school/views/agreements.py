"""签约审核, 解约审核 and 签约查询: the queues, one agreement's detail with its actions, and the export."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, InvalidInput
from core.fields import TERMS_FIELDS
from core.inputs import parse_ids
from core.models import Agreement, ExportJob, Status
from core.rules import Action, allowed_actions, refusal, review_status_for, shows_review_draft
from core.selectors import get_agreement_for_user, terms_versions_of
from core.services import agreements as wf
from core.services.terms import terms_diff
from documents.render import PAGES_PER_COPY
from school import lists
from school.access import admin_required, school_admin_required
from school.views.common import page
from web.agreement_detail import agreement_detail_context
from web.exports import export_or_job, job_page
from web.navigation import safe_target
from web.request import AuthenticatedRequest

# --- 签约审核 -------------------------------------------------------------------------------------------


@require_GET
@admin_required
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
        "can_review": Action.APPROVE in actions,
        "can_review_termination": Action.TERMINATION_APPROVE in actions,
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


def _act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Run one review action; a refused one is explained on the detail page, the typed remark kept."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)  # 404 before anything when it is not the admin's
    remark = request.POST.get("remark", "")
    try:
        if action == "approve":
            wf.agreement_approve(agreement.pk, acting_user=user)
            done = "审核通过"
        elif action == "return":
            wf.agreement_return(agreement.pk, remark=remark, acting_user=user)
            done = "已退回"
        elif action == "termination_approve":
            wf.termination_approve(agreement.pk, remark=remark, acting_user=user)
            done = "解约审核通过"
        else:
            wf.termination_return(agreement.pk, remark=remark, acting_user=user)
            done = "解约申请已退回"
    except InvalidInput as exc:
        errors = {("termination_remark" if action.startswith("termination") else "remark"): exc.detail}
        return _detail_page(request, get_agreement_for_user(user, pk), errors=errors, status=400)
    except Conflict as exc:
        messages.error(request, exc.detail)
        return redirect("school:agreement", pk=agreement.pk)
    messages.success(request, f"{agreement.student.name}与{agreement.employer.name}的协议书：{done}")
    fallback = reverse("school:terminations" if action.startswith("termination") else "school:reviews")
    return redirect(safe_target(request, fallback))


@require_POST
@admin_required
def agreement_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """通过 asks first, as 批量通过 does: the page's script asks in a dialog and sends `confirmed`; without
    the script the first POST answers with a confirmation page whose button sends it."""
    if request.POST.get("confirmed") == "1":
        return _act(request, pk, "approve")
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    if refused := refusal(agreement, user, Action.APPROVE):
        messages.error(request, refused.detail)
        return redirect("school:agreement", pk=agreement.pk)
    back = safe_target(request, reverse("school:reviews"))
    detail = f"{reverse('school:agreement', args=[agreement.pk])}?next={quote(back)}"
    menu, label = _came_from(back)
    return page(
        request,
        "school/approve_confirm.html",
        {"agreement": agreement, "back": back, "detail": detail},
        menu=menu,
        crumbs=[(label, back), ("查看详情", detail), ("审核通过确认", "")],
    )


@require_POST
@admin_required
def agreement_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "return")


@require_POST
@school_admin_required
def termination_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "termination_approve")


@require_POST
@school_admin_required
def termination_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "termination_return")


# --- 解约审核 -------------------------------------------------------------------------------------------


@require_GET
@school_admin_required
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
def agreements(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    state = lists.parse_filters(request.GET, user)
    qs = lists.filtered(user, state)
    context = {
        "page": lists.paginate(qs, request.GET.get("page")),
        "state": state,
        "query": state.querystring(),
        "export_query": state.querystring(),
        **lists.filter_options(user),
    }
    return page(request, "school/agreements.html", context, menu="agreements", crumbs=[("签约查询", "")])


@require_GET
@admin_required
def agreements_export(request: AuthenticatedRequest) -> HttpResponse:
    """导出: exactly the filtered list, every page of it."""
    user = request.user
    state = lists.parse_filters(request.GET, user)
    if state.errors:
        messages.error(request, "；".join(state.errors.values()))
        return redirect(f"{reverse('school:agreements')}?{state.querystring()}")
    return export_or_job(request, lists.filtered(user, state), title="签约查询", job_page="school:export_job")


@require_GET
@admin_required
def export_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A large export's progress (签约查询 or 就业方案), then its download."""

    def render_page(context: dict[str, Any]) -> HttpResponse:
        if context["job"].kind == ExportJob.Kind.PLAN:
            menu, crumbs = "plan", [("统计报表", ""), ("就业方案导出", reverse("school:plan")), ("导出", "")]
        else:
            menu, crumbs = "agreements", [("签约查询", reverse("school:agreements")), ("导出", "")]
        return page(request, "school/export_job.html", context, menu=menu, crumbs=crumbs)

    return job_page(request, pk, render_page)
