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
from core.errors import InvalidInput, NotFound
from core.fields import DISPATCH_FIELDS, Kind
from core.models import Agreement, Confirmation
from core.rules import Action, allowed_actions, shows_dispatch_fields
from core.selectors import open_return_of, student_for_user
from core.services import paper_agreements as paper
from core.services.confirmations import PAPER
from core.services.destinations import read_upload
from core.status_words import consequence
from student.access import own_agreement, page, portal, student_required
from web.actions import Question, Refusal, act, attempt, confirmed, settle
from web.confirmations import SEND_CODE, confirm_context, proven, send_code
from web.request import AuthenticatedRequest

_EMPLOYER_FIELDS = (("employer_name", "单位名称", 100), ("credit_code", "统一社会信用代码", 18))


# Headings of the form, at the first field of each part of the paper (the 邀请函's sections, core.fields).
_SECTIONS = {
    "paper_number": "协议书与单位",
    "position_category": "岗位信息",
    "archive_receiving": "档案信息",
    "dispatch_title": "报到证信息",
    "affiliation": "单位隶属",
    "hukou_receiving": "户口信息",
    "monthly_salary": "协议条款",
}


def _shown(name: str, dispatch: bool) -> bool:
    return dispatch or name not in DISPATCH_FIELDS


def _fields(values: dict[str, Any], errors: dict[str, object], *, dispatch: bool) -> list[dict[str, Any]]:
    """The form's fields in the order of the paper's first page, shaped as student/includes/destination_field.html
    reads them; the 报到证 fields only where the student's school still shows them (core.rules)."""
    employer: list[dict[str, Any]] = [
        {"name": name, "label": label, "required": True, "kind": "text", "max_length": size}
        for name, label, size in _EMPLOYER_FIELDS
    ]
    fields: list[dict[str, Any]] = []
    for name, spec in paper.PAPER_TERMS_FIELDS.items():
        if not _shown(name, dispatch):
            continue
        field: dict[str, Any] = {
            "name": name,
            "label": spec.label if name != "unit_name" else "协议书上的单位名称（与上面不同时填写）",
            "required": spec.required and name != "unit_name",
            "kind": spec.kind.value,
            "max_length": spec.max_length,
            "section": _SECTIONS.get(name, ""),
        }
        if spec.kind == Kind.CODE:
            field["options"] = codes.choices(spec.code_table)
        fields.append(field)
        if name == "paper_number":
            fields += employer  # the parties come right after the paper's number, as printed
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
    request: AuthenticatedRequest,
    *,
    values: dict[str, Any],
    errors: dict[str, object],
    agreement: Agreement | None,
    sent: Confirmation | None = None,
    status: int | None = None,
) -> HttpResponse:
    try:
        student = student_for_user(request.user)
        dispatch = shows_dispatch_fields(student.school, student.graduation_year)
        school = student.school
    except NotFound:
        dispatch = False  # the service refuses the registration with its own message
        school = None
    action = Action.RESUBMIT.value if agreement else PAPER
    context = {
        "fields": _fields(values, errors, dispatch=dispatch),
        "errors": errors,
        "agreement": agreement,
        "returned": open_return_of(agreement) if agreement else None,
        "max_mb": settings.WANGQIAN_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        **confirm_context(request, action, agreement.pk if agreement else 0, None, sent=sent),
        "act_label": "提交学校审核",
        "school": school,
        "sent_without_script": sent is not None,
    }
    title = "重新提交纸质协议" if agreement else "登记纸质协议"
    crumbs = [("我的协议", reverse("student:agreement")), (title, "")]
    if status is None:
        status = 200 if not errors else (409 if "form" in errors and len(errors) == 1 else 400)
    return page(request, "student/paper.html", context, menu="agreement", crumbs=crumbs, status=status)


def _code_sent(
    request: AuthenticatedRequest, values: dict[str, Any], agreement: Agreement | None
) -> HttpResponse | None:
    """Without the page's script, 发送短信验证码 posts the form: the code is sent and the form shown again (what was
    typed kept; a chosen file cannot be, so the page asks for it again)."""
    if SEND_CODE not in request.POST:
        return None
    action = Action.RESUBMIT.value if agreement else PAPER
    started = send_code(request, action, agreement.pk if agreement else 0)
    if isinstance(started, Refusal):
        return _form_page(
            request, values=values, errors=started.field_errors(), agreement=agreement, status=started.status
        )
    return _form_page(request, values=values, errors={}, agreement=agreement, sent=started)


def _posted() -> tuple[str, ...]:
    return (*(name for name, _, _ in _EMPLOYER_FIELDS), *paper.PAPER_TERMS_FIELDS)


@require_http_methods(["GET", "POST"])
@student_required
def paper_register(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, values={}, errors={}, agreement=None)
    values = {name: request.POST.get(name, "") for name in _posted()}
    if (shown := _code_sent(request, values, None)) is not None:
        return shown
    upload = request.FILES.get("scan")
    if upload is None:  # told together with the fields' errors
        errors: dict[str, object] = {}
        try:
            paper.clean_paper(values)
        except InvalidInput as exc:
            errors.update(exc.errors)
        errors["scan"] = "请上传协议书扫描件（PDF、JPG 或 PNG）"
        return _form_page(request, values=values, errors=errors, agreement=None)
    token = proven(request, PAPER, 0)
    created = (
        token
        if isinstance(token, Refusal)
        else attempt(
            paper.paper_agreement_register,
            values,
            scan_name=upload.name or "",
            scan=read_upload(upload),
            acting_user=request.user,
            confirmation=token,
        )
    )
    if isinstance(created, Refusal):
        errors = created.field_errors()
        return _form_page(request, values=values, errors=errors, agreement=None, status=created.status)
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
    if (shown := _code_sent(request, values, agreement)) is not None:
        return shown
    upload = request.FILES.get("scan")
    token = proven(request, Action.RESUBMIT.value, agreement.pk)
    outcome = (
        token
        if isinstance(token, Refusal)
        else act(
            request,
            agreement,
            Action.RESUBMIT,
            data=values,
            scan_name=(upload.name or "") if upload else "",
            scan=read_upload(upload) if upload else b"",
            confirmation=token,
        )
    )
    if isinstance(outcome, Refusal):
        errors = outcome.field_errors()
        return _form_page(request, values=values, errors=errors, agreement=agreement, status=outcome.status)
    messages.success(request, "已重新提交，等待学校审核。")
    return redirect("student:agreement_detail", pk=agreement.pk)


@require_POST
@student_required
def paper_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = own_agreement(request, pk)
    if not confirmed(request):  # 撤回 ends the registration for good: asked once (web.actions)
        question = Question(
            "撤回登记确认",
            f"确定撤回与{agreement.employer.name}的纸质协议登记吗？",
            consequence(agreement, Action.WITHDRAW, request.user),
            "确定撤回",
            reverse("student:agreement_detail", args=[agreement.pk]),
            danger=True,
        )
        crumbs = [("我的协议", reverse("student:agreement"))]
        return portal.ask(request, question, menu="agreement", crumbs=crumbs)
    outcome = act(request, agreement, Action.WITHDRAW)
    return settle(
        request,
        outcome,
        done="已撤回纸质协议登记。",
        then=reverse("student:agreement_detail", args=[agreement.pk]),
    )
