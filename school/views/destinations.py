"""毕业去向审核: the reviewer's queue (学院 then 学校) with 批量通过, any 去向 in scope, one 去向 with 通过 / 退回."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import codes
from core.errors import Conflict, InvalidInput
from core.inputs import parse_ids
from core.models import Destination, DestinationStatus
from core.rules import destination_review_status_for
from core.selectors import (
    DestinationFilters,
    destinations_visible_to,
    filter_destinations,
    get_destination_for_user,
    with_destination_relations,
)
from core.services import destinations as svc
from school.access import admin_required
from school.views.common import page
from web.destination_detail import destination_context
from web.navigation import safe_target
from web.request import AuthenticatedRequest

PAGE_SIZE = 20
ALL = "all"


@require_GET
@admin_required
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
        "student": destination.student,
        "errors": errors or {},
        "remark": request.POST.get("remark", "") if errors else "",
        "back": back,
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
    try:
        if approve:
            svc.destination_approve(destination, acting_user=user)
        else:
            svc.destination_return(destination, remark=request.POST.get("remark", ""), acting_user=user)
    except InvalidInput as exc:
        return _detail_page(request, destination, errors={"remark": exc.detail}, status=400)
    except Conflict as exc:
        messages.error(request, exc.detail)
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
