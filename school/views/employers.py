"""单位资质审核: employers awaiting verification with their 统一社会信用代码 checked, 通过 or 驳回 with a reason,
and the verified employers with their signing activity at this school."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import codes
from core.errors import InvalidInput, NotFound
from core.models import Employer
from core.replicas import replica_reads
from core.selectors import (
    employer_verifiable_by,
    employers_by_verification,
    get_employer_for_admin,
    recent_agreements_with,
    rejected_registrations,
    retired_licences_of,
    with_activity,
)
from core.services.employers import employer_verify
from core.services.licences import licence_preview_png
from core.validators import validate_credit_code
from school.access import school_admin_required, school_id_of
from school.lists import PAGE_SIZE
from school.views.common import page
from web.actions import Refusal, attempt
from web.licences import licence_response, retired_licence_response
from web.request import AuthenticatedRequest

TABS = {
    "pending": ("待审核", Employer.Verification.PENDING),
    "verified": ("已通过", Employer.Verification.VERIFIED),
    "rejected": ("已驳回", Employer.Verification.REJECTED),
}


def credit_check(code: str) -> tuple[bool, str]:
    """(valid, message) of a 统一社会信用代码 by GB 32100's check character."""
    try:
        validate_credit_code(code)
    except InvalidInput as exc:
        return False, exc.detail
    return True, "校验通过"


@require_GET
@school_admin_required
@replica_reads
def employers(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab", "pending")
    if tab not in TABS:
        tab = "pending"
    q = request.GET.get("q", "").strip()
    # The pending tab lists what this school verifies: a claim of students' paper agreements is their school's.
    verifier = school_id_of(user) if tab == "pending" else None
    qs = employers_by_verification(TABS[tab][1], q=q, verifier_school_id=verifier)
    if tab == "verified":
        qs = with_activity(qs, school_id_of(user)).order_by("-n_total", "name", "id")
    else:
        qs = qs.order_by("created_at", "id")
    employer_page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for employer in employer_page.object_list:
        employer.credit_ok, employer.credit_message = credit_check(employer.credit_code)  # type: ignore[attr-defined]
        employer.nature_label = (  # type: ignore[attr-defined]
            codes.label("nature", employer.nature, default=employer.nature) if employer.nature else "—"
        )
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in {"tab": tab, "q": q}.items() if v})
    context = {
        "tab": tab,
        "tabs": [(key, label) for key, (label, _) in TABS.items()],
        "q": q,
        "page": employer_page,
        "query": query.urlencode(),
    }
    return page(request, "school/employers.html", context, menu="employers", crumbs=[("单位资质审核", "")])


def _detail(
    request: AuthenticatedRequest, pk: int, *, errors: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    try:
        employer = get_employer_for_admin(user, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    ok, message = credit_check(employer.credit_code)
    recent = recent_agreements_with(employer, school_id_of(user))
    profile = [
        ("单位性质", codes.label("nature", employer.nature, default=employer.nature) if employer.nature else "—"),
        (
            "单位所在地",
            codes.label("region", employer.location, default=employer.location) if employer.location else "—",
        ),
    ]
    context = {
        "employer": employer,
        "credit_ok": ok,
        "credit_message": message,
        "profile": profile,
        "recent": recent,
        "rejected_before": list(rejected_registrations(employer)[:10]),
        "retired_licences": retired_licences_of(employer),
        "can_verify": employer_verifiable_by(user, employer),
        "errors": errors or {},
        "remark": request.POST.get("remark", "") if errors else "",
    }
    crumbs = [("单位资质审核", reverse("school:employers")), (employer.name, "")]
    return page(request, "school/employer_detail.html", context, menu="employers", crumbs=crumbs, status=status)


@require_GET
@school_admin_required
def employer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@school_admin_required
def employer_verify_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    approve = request.POST.get("approve") == "1"
    remark = request.POST.get("remark", "")
    employer = attempt(employer_verify, pk, approve=approve, remark=remark, acting_user=request.user)
    if isinstance(employer, Refusal):
        if employer.conflict:
            messages.error(request, employer.detail)
            return redirect("school:employer", pk=pk)
        return _detail(request, pk, errors={"remark": employer.errors.get("remark", employer.detail)}, status=400)
    if approve:
        messages.success(request, f"{employer.name}：资质审核通过")
    else:
        messages.success(request, f"{employer.name}：资质审核已驳回")
    return redirect(f"{reverse('school:employers')}?tab=pending")


def _employer_of(request: AuthenticatedRequest, pk: int) -> Employer:
    try:
        return get_employer_for_admin(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@require_GET
@school_admin_required
def employer_licence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The 营业执照 scan as uploaded, shown inline by the browser."""
    return licence_response(_employer_of(request, pk))


@require_GET
@school_admin_required
def employer_retired_licence(request: AuthenticatedRequest, pk: int, licence: int) -> HttpResponse:
    """A scan the employer replaced, kept as 佐证材料: shown inline as it was uploaded."""
    return retired_licence_response(_employer_of(request, pk), licence)


@require_GET
@school_admin_required
def employer_licence_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The scan as an image for 单位资质审核's page: an image as it is, a PDF's first page rendered."""
    employer = _employer_of(request, pk)
    try:
        image = licence_preview_png(employer)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if image is None:
        raise Http404("营业执照扫描件无法预览，请打开原件查看")
    content_type = employer.licence_type if employer.licence_type != "application/pdf" else "image/png"
    response = HttpResponse(image, content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    return response
