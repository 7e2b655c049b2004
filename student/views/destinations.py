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
from core.errors import DomainError
from core.fields import Kind
from core.rules import destination_actions
from core.selectors import own_destination
from core.services import destinations as svc
from student.access import page, student_required
from web.destination_detail import destination_context
from web.request import AuthenticatedRequest

CRUMBS_HOME = ("毕业去向", "")


@require_GET
@student_required
def destination_home(request: AuthenticatedRequest) -> HttpResponse:
    svc.destination_open(acting_user=request.user)
    destination = own_destination(request.user)
    assert destination is not None
    context = destination_context(destination, request.user)
    context.update(
        can_attach="attach" in context["actions"],
        max_mb=settings.WANGQIAN_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        max_files=settings.WANGQIAN_ATTACHMENT_MAX_FILES,
    )
    return page(request, "student/destination.html", context, menu="destination")


def _region_parts(code: str) -> tuple[str, str]:
    """(province, city) codes of a county code, to show the cascade's three selects filled in."""
    if len(code) != 6:
        return "", ""
    return code[:2] + "0000", code[:4] + "00"


def _form_fields(code: str, values: dict[str, Any], errors: dict[str, object]) -> list[dict[str, Any]]:
    fields = []
    for name, spec in form_specs(code).items():
        raw = values.get(name)
        value = f"{raw:%Y-%m-%d}" if spec.kind == Kind.DATE and raw and not isinstance(raw, str) else (raw or "")
        field: dict[str, Any] = {
            "name": name,
            "label": spec.label,
            "required": spec.required,
            "kind": spec.kind.value,
            "value": value,
            "error": errors.get(name, ""),
            "max_length": spec.max_length,
        }
        if spec.kind == Kind.CODE:
            field["options"] = codes.choices(spec.code_table)
        if spec.kind == Kind.REGION:
            province, city = _region_parts(str(value))
            field.update(
                provinces=codes.get_table("region"),
                cities=codes.get_table("region", province) if province else [],
                counties=codes.get_table("region", city) if city else [],
                province=province,
                city=city,
            )
        fields.append(field)
    return fields


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
        try:
            svc.destination_update(values, acting_user=request.user)
        except DomainError as exc:
            errors = exc.errors or {"form": exc.detail}
            status = 409 if exc.status == 409 else 400
        else:
            messages.success(request, "毕业去向已保存。请上传证明材料后提交审核。")
            return redirect("student:destination")
    if code and code not in REPORTABLE_CODES:
        errors.setdefault("code", "毕业去向不在代码表中，请从列表中选择")
        code = ""
    context = {
        "destination": destination,
        "can_edit": "update" in destination_actions(destination, request.user),
        "code": code,
        "kinds": [(c, codes.label("destination", c)) for c in REPORTABLE_CODES],
        "fields": _form_fields(code, values, errors) if code else [],
        "errors": errors,
        "needs_proof": code in NEEDS_PROOF,
    }
    crumbs = [("毕业去向", reverse("student:destination")), ("填写毕业去向", "")]
    return page(request, "student/destination_edit.html", context, menu="destination", crumbs=crumbs, status=status)


@require_POST
@student_required
def destination_submit(request: AuthenticatedRequest) -> HttpResponse:
    try:
        destination = svc.destination_submit(acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"已提交，{destination.get_status_display()}。")
    return redirect("student:destination")


@require_POST
@student_required
def attachment_upload(request: AuthenticatedRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return redirect("student:destination")
    try:
        svc.destination_attach(name=upload.name or "", content=svc.read_upload(upload), acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "附件已上传。")
    return redirect("student:destination")


@require_POST
@student_required
def attachment_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        svc.destination_detach(pk, acting_user=request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(request, "附件已删除。")
    return redirect("student:destination")


@require_GET
@student_required
def regions(request: AuthenticatedRequest) -> JsonResponse:
    """The 行政区划 cascade for the 去向 form: provinces, a province's cities, a city's counties."""
    parent = request.GET.get("parent") or None
    try:
        return JsonResponse(codes.get_table("region", parent), safe=False)
    except KeyError:
        return JsonResponse([], safe=False, status=404)
