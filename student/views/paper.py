"""纸质协议登记: a student who signed a paper 就业协议书 registers it (the employer, the terms, a scan) for the school's
review; a returned one is corrected and resubmitted, a registration may be withdrawn."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core import codes
from core.errors import DomainError, InvalidInput
from core.fields import Kind
from core.models import Agreement
from core.rules import Action, allowed_actions
from core.selectors import open_return_of
from core.services import agreements as wf
from core.services import paper_agreements as paper
from core.services.destinations import read_upload
from student.access import own_agreement, page, student_required
from web.request import AuthenticatedRequest

_EMPLOYER_FIELDS = (("employer_name", "单位名称", 100), ("credit_code", "统一社会信用代码", 18))


def _fields(values: dict[str, Any], errors: dict[str, object]) -> list[dict[str, Any]]:
    """The form's fields in the order of the paper's first page, shaped as student/includes/destination_field.html
    reads them."""
    fields: list[dict[str, Any]] = [
        {"name": name, "label": label, "required": True, "kind": "text", "max_length": size}
        for name, label, size in _EMPLOYER_FIELDS
    ]
    for name, spec in paper.PAPER_TERMS_FIELDS.items():
        field: dict[str, Any] = {
            "name": name,
            "label": spec.label if name != "unit_name" else "协议书上的单位名称（与上面不同时填写）",
            "required": spec.required and name != "unit_name",
            "kind": spec.kind.value,
            "max_length": spec.max_length,
        }
        if spec.kind == Kind.CODE:
            field["options"] = codes.choices(spec.code_table)
        fields.append(field)
    for field in fields:
        raw = values.get(field["name"])
        field["value"] = "" if raw is None else str(raw)
        field["error"] = errors.get(field["name"], "")
        if field["kind"] == "region":
            value = field["value"]
            province, city = (value[:2] + "0000", value[:4] + "00") if len(value) == 6 else ("", "")
            field.update(
                provinces=codes.get_table("region"),
                cities=codes.get_table("region", province) if province else [],
                counties=codes.get_table("region", city) if city else [],
                province=province,
                city=city,
            )
    return fields


def _form_page(
    request: AuthenticatedRequest, *, values: dict[str, Any], errors: dict[str, object], agreement: Agreement | None
) -> HttpResponse:
    context = {
        "fields": _fields(values, errors),
        "errors": errors,
        "agreement": agreement,
        "returned": open_return_of(agreement) if agreement else None,
        "max_mb": settings.WANGQIAN_ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    title = "重新提交纸质协议" if agreement else "登记纸质协议"
    crumbs = [("我的协议", reverse("student:agreement")), (title, "")]
    status = 200 if not errors else (409 if "form" in errors and len(errors) == 1 else 400)
    return page(request, "student/paper.html", context, menu="agreement", crumbs=crumbs, status=status)


def _posted() -> tuple[str, ...]:
    return (*(name for name, _, _ in _EMPLOYER_FIELDS), *paper.PAPER_TERMS_FIELDS)


@require_http_methods(["GET", "POST"])
@student_required
def paper_register(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, values={}, errors={}, agreement=None)
    values = {name: request.POST.get(name, "") for name in _posted()}
    upload = request.FILES.get("scan")
    if upload is None:  # told together with the fields' errors
        errors: dict[str, object] = {}
        try:
            paper.clean_paper(values)
        except InvalidInput as exc:
            errors.update(exc.errors)
        errors["scan"] = "请上传协议书扫描件（PDF、JPG 或 PNG）"
        return _form_page(request, values=values, errors=errors, agreement=None)
    try:
        created = paper.paper_agreement_register(
            values, scan_name=upload.name or "", scan=read_upload(upload), acting_user=request.user
        )
    except DomainError as exc:
        return _form_page(request, values=values, errors=exc.errors or {"form": exc.detail}, agreement=None)
    messages.success(request, "纸质协议已登记，等待学校审核。")
    return redirect("student:agreement_detail", pk=created.pk)


@require_http_methods(["GET", "POST"])
@student_required
def paper_resubmit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    if request.method == "GET":
        terms = agreement.current_terms
        values: dict[str, Any] = {
            "employer_name": agreement.employer.name,
            "credit_code": agreement.employer.credit_code,
        }
        if terms is not None:
            values.update({name: getattr(terms, name) for name in paper.PAPER_TERMS_FIELDS})
        if Action.RESUBMIT not in allowed_actions(agreement, request.user):
            messages.error(request, "该纸质协议当前不能重新提交")
            return redirect("student:agreement_detail", pk=agreement.pk)
        return _form_page(request, values=values, errors={}, agreement=agreement)
    values = {name: request.POST.get(name, "") for name in _posted()}
    upload = request.FILES.get("scan")
    try:
        paper.paper_agreement_resubmit(
            agreement,
            values,
            scan_name=(upload.name or "") if upload else "",
            scan=read_upload(upload) if upload else b"",
            acting_user=request.user,
        )
    except DomainError as exc:
        return _form_page(request, values=values, errors=exc.errors or {"form": exc.detail}, agreement=agreement)
    messages.success(request, "已重新提交，等待学校审核。")
    return redirect("student:agreement_detail", pk=agreement.pk)


@require_POST
@student_required
def paper_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    try:
        wf.agreement_withdraw(agreement, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "已撤回纸质协议登记。")
    return redirect("student:agreement_detail", pk=agreement.pk)
