"""毕业去向审核: the reviewer's queue (学院 then 学校) with 批量通过, any 去向 in scope, one 去向 with 通过 / 退回;
学校代为登记: a college or school admin enters or changes a graduate's 去向 (the student's own form, by kind), which
then waits for the graduate's 本人确认 and counts nowhere until then."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import codes
from core.destination_fields import REPORTABLE_CODES, form_specs
from core.errors import DomainError
from core.inputs import parse_ids
from core.models import Destination, DestinationSource, DestinationStatus
from core.replicas import replica_reads
from core.rules import destination_enter_refusal, destination_review_status_for
from core.selectors import (
    DestinationFilters,
    destination_of_student,
    destinations_visible_to,
    filter_destinations,
    get_destination_for_user,
    get_student_for_admin,
    with_destination_relations,
)
from core.services import destinations as svc
from core.status_words import destination_approve_consequence
from school.access import admin_required
from school.views.common import page, portal
from web.actions import Question, Refusal, attempt, confirmed
from web.destination_detail import destination_context
from web.destination_form import REFRESH, form_fields
from web.navigation import safe_target
from web.request import AuthenticatedRequest

PAGE_SIZE = 20
ALL = "all"


@require_GET
@admin_required
@replica_reads
def destinations(request: AuthenticatedRequest) -> HttpResponse:
    """毕业去向审核: by default the reviewer's own queue (待学院审核 / 待学校审核); any status or kind on demand."""
    user = request.user
    queue = destination_review_status_for(user)
    status = request.GET.get("status", queue)
    if status != ALL and status not in DestinationStatus.values:
        status = queue
    code = request.GET.get("code", "")
    if not codes.is_valid("destination", code):
        code = ""
    name = request.GET.get("name", "").strip()[:50]
    filters = DestinationFilters(status="" if status == ALL else status, code=code, name=name)
    qs = filter_destinations(destinations_visible_to(user), filters)
    paged = Paginator(with_destination_relations(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": paged,
        "query": urlencode({"status": status, "code": code, "name": name}),
        "status": status,
        "code": code,
        "name": name,
        "queue": queue,
        "in_queue": status == queue,
        "statuses": [(ALL, "全部"), *DestinationStatus.choices],
        "batch_consequence": destination_approve_consequence(queue, user.school) if user.school else "",
        "kinds": codes.choices("destination"),
    }
    return page(request, "school/destinations.html", context, menu="destinations", crumbs=[("毕业去向审核", "")])


@require_POST
@admin_required
def destinations_approve_batch(request: AuthenticatedRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("ids"))
    back = safe_target(request, reverse("school:destinations"))
    if not ids:
        messages.error(request, "请先勾选要审核通过的毕业去向")
        return redirect(back)
    if not confirmed(request):
        user = request.user
        level = destination_review_status_for(user)
        question = Question(
            "批量通过确认",
            f"确定审核通过所选的{len(ids)}条毕业去向吗？",
            destination_approve_consequence(level, user.school) if user.school else "",
            "确定通过",
            back,
        )
        return portal.ask(request, question, menu="destinations", crumbs=[("毕业去向审核", back)])
    approved, refused = svc.destinations_approve_batch(ids, acting_user=request.user)
    if approved:
        messages.success(request, f"已审核通过{approved}条毕业去向")
    for message in refused:
        messages.error(request, f"未通过审核{message}")
    return redirect(back)


def _detail_page(
    request: AuthenticatedRequest, destination: Destination, *, errors: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    back = safe_target(request, reverse("school:destinations"))
    context = {
        **destination_context(destination, request.user),
        "approve_consequence": destination_approve_consequence(destination.status, destination.school),
        "student": destination.student,
        "errors": errors or {},
        "remark": request.POST.get("remark", "") if errors else "",
        "back": back,
        "can_enter": destination_enter_refusal(destination, request.user) is None,
    }
    crumbs = [("毕业去向审核", back), ("查看详情", "")]
    return page(request, "school/destination_detail.html", context, menu="destinations", crumbs=crumbs, status=status)


@require_GET
@admin_required
def destination_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail_page(request, get_destination_for_user(request.user, pk))


def _act(request: AuthenticatedRequest, pk: int, approve: bool) -> HttpResponse:
    user = request.user
    destination = get_destination_for_user(user, pk)  # 404 before anything when it is not the reviewer's
    if approve and not confirmed(request):
        back = safe_target(request, reverse("school:destinations"))
        detail = f"{reverse('school:destination', args=[destination.pk])}?next={quote(back)}"
        question = Question(
            "毕业去向审核通过确认",
            f"确定审核通过{destination.student.name}的毕业去向吗？",
            destination_approve_consequence(destination.status, destination.school),
            "确定通过",
            detail,
        )
        return portal.ask(request, question, menu="destinations", crumbs=[("毕业去向审核", back), ("查看详情", detail)])
    if approve:
        outcome = attempt(svc.destination_approve, destination, acting_user=user)
    else:
        outcome = attempt(svc.destination_return, destination, remark=request.POST.get("remark", ""), acting_user=user)
    if isinstance(outcome, Refusal):
        if not outcome.conflict:
            return _detail_page(request, destination, errors={"remark": outcome.detail}, status=400)
        messages.error(request, outcome.detail)
        return redirect("school:destination", pk=destination.pk)
    messages.success(request, f"{destination.student.name}的毕业去向：{'审核通过' if approve else '已退回'}")
    return redirect(safe_target(request, reverse("school:destinations")))


@require_POST
@admin_required
def destination_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, approve=True)


@require_POST
@admin_required
def destination_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, approve=False)


# What the graduate registered themselves; replacing it undoes their answer, so the page asks once (web.actions).
_GRADUATES_OWN = (DestinationStatus.DRAFT, DestinationStatus.RETURNED, DestinationStatus.APPROVED)


def _registered(destination: Destination) -> str:
    """What the graduate did with the 去向 the school would replace: registered it, or confirmed the school's entry."""
    return "已确认学校代为登记的毕业去向" if destination.source == DestinationSource.STAFF else "已自行登记了毕业去向"


@require_http_methods(["GET", "POST"])
@admin_required
def destination_enter(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """代为登记毕业去向 for one graduate of the admin's scope (another's answers 404): choose the kind (the page
    reloads with its fields, as the student's form does), fill them in, save. The 去向 is then 待本人确认."""
    user = request.user
    student = get_student_for_admin(user, pk)
    destination = destination_of_student(student)
    refusal: DomainError | None = destination_enter_refusal(destination, user)
    current = destination.current if destination is not None else None
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if not code and current is not None and current.code in REPORTABLE_CODES:
        code = current.code
    values: dict[str, Any] = {}
    if current is not None and current.code == code:
        values = {name: getattr(current, name) for name in form_specs(code)}
    errors: dict[str, Any] = {}
    status = 200 if refusal is None else refusal.status
    student_page = reverse("school:student", args=[student.pk])
    crumbs = [("生源名单", reverse("school:students")), (student.name, student_page), ("代为登记毕业去向", "")]
    if request.method == "POST" and refusal is None:
        values = {key: request.POST.get(key, "") for key in request.POST}
        # 刷新地区 without JavaScript answers the form again with the place lists filled in; nothing is saved.
        if REFRESH not in request.POST:
            if destination is not None and destination.status in _GRADUATES_OWN and not confirmed(request):
                question = Question(
                    "代为登记确认",
                    f"{student.name}{_registered(destination)}（{destination.get_status_display()}），确定改为学校代为登记吗？",
                    "保存后该去向为“待本人确认”，学生本人确认前不计入统计、就业方案和去向落实率；"
                    "学生原来登记的内容保留在流程追踪中，已上传的证明材料转为留存备查。",
                    "确定代为登记",
                    request.get_full_path(),
                )
                return portal.ask(request, question, menu="students", crumbs=crumbs[:-1])
            outcome = attempt(svc.destination_enter, student.pk, values, acting_user=user)
            if not isinstance(outcome, Refusal):
                messages.success(
                    request,
                    f"已代为登记{student.name}的毕业去向，待本人确认：学生本人确认后才计入统计；学生也可以提出异议。",
                )
                return redirect("school:destination", pk=outcome.pk)
            errors, status = outcome.field_errors(), outcome.status
    if code and code not in REPORTABLE_CODES:
        errors.setdefault("code", "毕业去向不在代码表中，请从列表中选择")
        code = ""
    context = {
        "student": student,
        "destination": destination,
        "refusal": refusal.detail if refusal is not None else "",
        "replaces_own": destination is not None and destination.status in _GRADUATES_OWN,
        "registered": _registered(destination) if destination is not None else "",
        "proofs": len(destination.attachments.all()) if destination is not None else 0,
        "code": code,
        "kinds": [(c, codes.label("destination", c)) for c in REPORTABLE_CODES],
        "fields": form_fields(code, values, errors) if code else [],
        "errors": errors,
        "regions_url": reverse("school:regions"),
        "refresh_places": True,
        "student_page": student_page,
    }
    return page(request, "school/destination_enter.html", context, menu="students", crumbs=crumbs, status=status)


@require_GET
@admin_required
def regions(request: AuthenticatedRequest) -> JsonResponse:
    """The 行政区划 cascade of the 代为登记 form: provinces, a province's cities, a city's counties ([] for others)."""
    return JsonResponse(codes.get_table("region", request.GET.get("parent") or None), safe=False)
