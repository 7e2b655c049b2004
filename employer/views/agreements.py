"""单位签约中心: the tabs, filters and list, 查看详情, 导出, 修改邀约 and 撤回."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.fields import DISPATCH_FIELDS, TERMS_FIELDS
from core.inputs import parse_ids
from core.models import Agreement, Status, User
from core.replicas import replica_reads
from core.rules import PAPER_DISPUTABLE, TABS, Action, allowed_actions, refusal, shows_dispatch_fields
from core.selectors import get_agreement_for_user, open_return_of, paper_dispute_of
from core.services import agreements as wf
from core.services.events import notifications_mark_read_for_agreement
from core.services.exports import list_date
from core.services.paper_agreements import paper_agreement_dispute
from core.status_words import consequence
from employer.access import signing_center
from employer.fields import terms_sections
from employer.lists import filter_options, filtered, paginate, parse_filters
from employer.views.common import dialog, page, portal
from web.actions import Question, Refusal, act, attempt, confirmed
from web.agreement_detail import agreement_detail_context
from web.exports import export_or_job, job_page
from web.navigation import safe_target
from web.request import AuthenticatedRequest

LIST_CRUMBS = [("签约管理", "")]


def _tab(request: AuthenticatedRequest) -> str:
    tab = request.GET.get("tab", "all")
    return tab if tab in TABS else "all"


@require_GET
@signing_center
@replica_reads
def agreement_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    tab = _tab(request)
    state = parse_filters(request.GET, tab=tab)
    agreements = paginate(filtered(user, state), request.GET.get("page"), prepare=state.plannable_for(user))
    return page(
        request,
        "employer/agreements.html",
        {
            "tab": tab,
            "tabs": [(key, label) for key, (label, _) in TABS.items()],
            "state": state,
            "page": agreements,
            "rows": agreements.object_list,
            "query": state.querystring(tab=tab),
            "filter_query": state.querystring(),
            "back": request.get_full_path(),
            **filter_options(user),
        },
        menu="agreements",
        crumbs=LIST_CRUMBS,
    )


def selected_one(request: AuthenticatedRequest) -> Agreement | None:
    """The single row a toolbar button acts on; None (with a message) when zero or several are ticked."""
    ids = request.GET.getlist("ids") or request.POST.getlist("ids")
    if len(ids) != 1:
        messages.warning(request, "请只勾选一条记录" if ids else "请先勾选一条记录")
        return None
    return get_agreement_for_user(request.user, ids[0])


GO_TARGETS = {
    "detail": "employer:agreement_detail",
    "termination": "employer:agreement_detail",
    "modify": "employer:agreement_modify",
    "withdraw": "employer:agreement_withdraw",
}


@require_GET
@signing_center
def agreement_go(request: AuthenticatedRequest) -> HttpResponse:
    """The toolbar's 查看详情 / 查看解约 / 修改邀约 / 撤回 for the ticked row (without JavaScript)."""
    action = request.GET.get("action", "detail")
    if action not in GO_TARGETS:
        action = "detail"
    agreement = selected_one(request)
    if agreement is None:
        return redirect(safe_target(request, reverse("employer:agreements"), param="back"))
    url = reverse(GO_TARGETS[action], args=[agreement.pk])
    return redirect(url + ("#termination" if action == "termination" else ""))


def export_response(request: AuthenticatedRequest, qs: Any, prefix: str, *, list_page: str) -> HttpResponse:
    """导出: the filtered list, or only the ticked rows of it; a large one as a job (web.exports). A refused job
    leads back to the list (URL name `list_page`) as it was filtered."""
    ids = parse_ids(request.GET.getlist("ids"))
    if ids:
        qs = qs.filter(pk__in=ids)
    query = request.GET.copy()
    query.pop("ids", None)
    back = reverse(list_page) + (f"?{query.urlencode()}" if query else "")
    return export_or_job(request, qs, title=prefix, job_page="employer:export_job", back=back)


@require_GET
@signing_center
def export_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A large export's progress, then its download."""

    def render_page(context: dict[str, Any]) -> HttpResponse:
        context["back"] = reverse("employer:agreements")
        crumbs = [*LIST_CRUMBS, ("导出", "")]
        return page(request, "employer/export_job.html", context, menu="agreements", crumbs=crumbs)

    return job_page(request, pk, render_page)


@require_GET
@signing_center
@replica_reads
def agreement_export(request: AuthenticatedRequest) -> HttpResponse:
    state = parse_filters(request.GET, tab=_tab(request))
    return export_response(request, filtered(request.user, state), "单位签约中心", list_page="employer:agreements")


def finish(request: AuthenticatedRequest, target: str) -> HttpResponse:
    """After a dialog's action: htmx follows HX-Redirect, a plain form a 302."""
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _actions(agreement: Agreement, user: User) -> dict[str, bool]:
    actions = allowed_actions(agreement, user)
    return {
        "can_modify": Action.MODIFY in actions,
        "can_withdraw": Action.WITHDRAW in actions,
        "can_terminate": Action.TERMINATION in actions,
        "can_answer": Action.TERMINATION_ACCEPT in actions,
    }


@require_GET
@signing_center
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    notifications_mark_read_for_agreement(agreement.pk, acting_user=user)
    return page(
        request,
        "employer/agreement_detail.html",
        {
            **agreement_detail_context(agreement, user),
            **_actions(agreement, user),
            "invited": list_date(agreement.invited_at),
            **_paper(agreement),
        },
        menu="agreements",
        crumbs=[("签约管理", reverse("employer:agreements")), ("查看详情", "")],
    )


def _paper(agreement: Agreement, *, reason: str = "", error: str = "") -> dict[str, Any]:
    """A paper agreement naming this (verified) employer: read-only, with its 异议 (made, or the form)."""
    if not agreement.paper:
        return {}
    dispute = paper_dispute_of(agreement)
    return {
        "paper_dispute": dispute,
        "can_dispute": dispute is None and agreement.status in PAPER_DISPUTABLE,
        "dispute_reason": reason,
        "dispute_error": error,
    }


@require_POST
@signing_center
def paper_dispute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """提出异议: the employer did not sign the paper agreement a student registered naming it."""
    agreement = get_agreement_for_user(request.user, pk)
    reason = request.POST.get("reason", "")
    outcome = attempt(paper_agreement_dispute, agreement, reason=reason, acting_user=request.user)
    if isinstance(outcome, Refusal):
        if outcome.conflict:
            messages.error(request, outcome.detail)
            return redirect("employer:agreement_detail", pk=agreement.pk)
        context = {
            **agreement_detail_context(agreement, request.user),
            **_actions(agreement, request.user),
            "invited": list_date(agreement.invited_at),
            **_paper(agreement, reason=reason, error=str(outcome.errors.get("reason", outcome.detail))),
        }
        crumbs = [("签约管理", reverse("employer:agreements")), ("查看详情", "")]
        return page(request, "employer/agreement_detail.html", context, menu="agreements", crumbs=crumbs, status=400)
    messages.success(request, "已提出异议，学校将予以核实。")
    return redirect("employer:agreement_detail", pk=agreement.pk)


def posted_terms(data: QueryDict, *, show_dispatch: bool, prefix: str = "", names: Any = None) -> dict[str, Any]:
    """The terms as typed; hidden 报到证 fields are left out so they keep their defaults."""
    fields = names or TERMS_FIELDS
    return {name: data.get(prefix + name, "") for name in fields if show_dispatch or name not in DISPATCH_FIELDS}


@require_http_methods(["GET", "POST"])
@signing_center
def agreement_modify(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """修改邀约: a new version of the terms; a signed agreement goes back to the student for consent."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    show_dispatch = shows_dispatch_fields(agreement.school, agreement.student.graduation_year)
    values: dict[str, Any] = wf.terms_as_dict(agreement.current_terms)
    error, errors = "", {}
    if request.method == "GET" and (refused := refusal(agreement, user, Action.MODIFY)):
        messages.warning(request, refused.detail)
        return redirect("employer:agreement_detail", pk=pk)
    signed = agreement.status != Status.INVITED
    if request.method == "POST" and signed and not confirmed(request) and not refusal(agreement, user, Action.MODIFY):
        # It cancels the student's acceptance: asked once (web.actions), here without the page's script.
        question = Question(
            "修改邀约确认",
            f"确定修改与{agreement.student.name}已签的协议吗？",
            consequence(agreement, Action.MODIFY, user),
            "确定修改",
            reverse("employer:agreement_detail", args=[pk]),
            danger=True,
        )
        return portal.ask(request, question, menu="agreements", crumbs=_modify_crumbs(pk)[:-1])
    if request.method == "POST":
        terms = posted_terms(request.POST, show_dispatch=show_dispatch)
        values.update(terms)
        outcome = act(request, agreement, Action.MODIFY, terms=terms)
        if isinstance(outcome, Refusal):
            error, errors = outcome.detail, outcome.errors
        else:
            messages.success(request, f"已修改对{agreement.student.name}的邀约，等待学生确认修改后的协议")
            return redirect("employer:agreement_detail", pk=pk)
    return page(
        request,
        "employer/agreement_modify.html",
        {
            "agreement": agreement,
            "returned": open_return_of(agreement),
            "sections": terms_sections(values, errors, show_dispatch=show_dispatch, posted=request.POST or None),
            "error": error,
            "signed": signed,
            "modify_consequence": consequence(agreement, Action.MODIFY, user) if signed else "",
        },
        menu="agreements",
        crumbs=_modify_crumbs(pk),
    )


def _modify_crumbs(pk: int) -> list[tuple[str, str]]:
    return [
        ("签约管理", reverse("employer:agreements")),
        ("查看详情", reverse("employer:agreement_detail", args=[pk])),
        ("修改邀约", ""),
    ]


@require_http_methods(["GET", "POST"])
@signing_center
def agreement_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """撤回: GET asks for confirmation (a dialog), POST withdraws."""
    user = request.user
    agreement = get_agreement_for_user(user, pk)
    error = ""
    # The dialog is the question (it says what 撤回 does and sends `confirmed`); a POST without it shows the dialog.
    if request.method == "POST" and confirmed(request):
        outcome = act(request, agreement, Action.WITHDRAW)
        if isinstance(outcome, Refusal):
            error = outcome.detail
        else:
            messages.success(request, f"已撤回对{agreement.student.name}的邀约")
            return finish(request, reverse("employer:agreement_detail", args=[pk]))
    elif refused := refusal(agreement, user, Action.WITHDRAW):
        error = refused.detail
    return dialog(
        request,
        "employer/includes/withdraw_dialog.html",
        {
            "agreement": agreement,
            "error": error,
            "can_withdraw": not error,
            "consequence": consequence(agreement, Action.WITHDRAW, user),
            "dialog_title": "撤回邀约",
        },
        menu="agreements",
        crumbs=[("签约管理", reverse("employer:agreements")), ("撤回邀约", "")],
    )
