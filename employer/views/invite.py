"""签约邀请: 流程简介, the exact search, 加入, the 签约发送列表, 导入拟签约名单, then 邀请函 → 确认发送."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.calendar import current_graduation_year
from core.errors import Conflict, InvalidInput, NotFound
from core.fields import DISPATCH_FIELDS, TERMS_FIELDS
from core.inputs import parse_id, parse_ids, parse_int
from core.masking import mask_id_number, mask_phone
from core.models import Employer, Job, Student
from core.rules import shows_dispatch_fields
from core.selectors import listed_student_ids, send_list_items, signed_elsewhere_ids
from core.selectors.jobs import active_job, job_of
from core.services.agreements import agreements_invite
from core.services.employers import employer_search_students, send_list_add, send_list_remove
from core.services.search_budget import SearchBudgetExhausted
from core.services.shortlist import ShortlistInvalid, employer_scope, shortlist_start, shortlist_template
from core.services.terms import clean_terms, default_terms
from employer.access import current_employer, signing_center
from employer.fields import OVERRIDE_FIELDS, override_fields, terms_sections
from employer.views.agreements import posted_terms
from employer.views.common import page
from web.downloads import xlsx_download
from web.forms import TermsForm
from web.navigation import safe_target
from web.request import AuthenticatedRequest

CRUMBS = [("签约邀请", "")]
SEND_LIST_PAGE_SIZE = 10
_PHONE = re.compile(r"1\d{10}")
SEARCH_PARAMS = ("year", "name", "keyword")


def _search(request: AuthenticatedRequest, employer: Employer) -> dict[str, Any]:
    """The exact search of the manual: 毕业年度 + 姓名 + (手机号 or 身份证号), all three required."""
    values = {key: request.GET.get(key, "").strip() for key in SEARCH_PARAMS}
    result: dict[str, Any] = {"values": values, "errors": {}, "results": None, "refused": ""}
    if not request.GET.get("search"):
        return result
    errors: dict[str, str] = {}
    year = parse_int(values["year"], minimum=1000, maximum=9999)
    if year is None:
        errors["year"] = "请选择毕业年度"
    if not values["name"]:
        errors["name"] = "请输入学生姓名"
    if not values["keyword"]:
        errors["keyword"] = "请输入手机号或身份证号"
    result["errors"] = errors
    if errors or year is None or not employer.is_verified:
        return result
    keyword = values["keyword"].replace(" ", "")
    by_phone = bool(_PHONE.fullmatch(keyword))
    try:
        found = employer_search_students(
            graduation_year=year,
            name=values["name"],
            id_number="" if by_phone else keyword,
            phone=keyword if by_phone else "",
            acting_user=request.user,
        )
    except SearchBudgetExhausted as exc:
        result["refused"] = exc.detail
        return result
    listed = listed_student_ids(employer, found)
    signed = signed_elsewhere_ids(employer, found)
    result["results"] = [
        {
            "student": s,
            "id_number": mask_id_number(s.id_number),
            "phone": mask_phone(s.phone),
            "listed": s.pk in listed,
            "signed_elsewhere": s.pk in signed,
        }
        for s in found
    ]
    return result


def _search_query(request: AuthenticatedRequest) -> str:
    query = QueryDict(mutable=True)
    for key in (*SEARCH_PARAMS, "search"):
        if request.GET.get(key):
            query[key] = request.GET[key]
    return query.urlencode()


def _invite_page(
    request: AuthenticatedRequest, extra: dict[str, Any] | None = None, *, status: int = 200
) -> HttpResponse:
    employer = current_employer(request)
    search = _search(request, employer)
    send_list = Paginator(send_list_items(employer), SEND_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    year = current_graduation_year()
    search_query = _search_query(request)
    return page(
        request,
        "employer/invite.html",
        {
            "search": search,
            "year_options": [str(y) for y in (year + 1, year, year - 1, year - 2)],
            "default_year": str(year),
            "send_list": send_list,
            "page": send_list,
            "query": search_query,
            "back": reverse("employer:invite") + (f"?{search_query}" if search_query else ""),
            "shortlist_job": active_job(request.user, Job.Kind.SHORTLIST, employer_scope(employer)),
            "shortlist_max_rows": settings.WANGQIAN_SHORTLIST_MAX_ROWS,
            "shortlist_sync_rows": settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS,
            **(extra or {}),
        },
        menu="invite",
        crumbs=CRUMBS,
        status=429 if search["refused"] else status,
    )


@require_GET
@signing_center
def invite(request: AuthenticatedRequest) -> HttpResponse:
    return _invite_page(request)


def _back(request: AuthenticatedRequest) -> str:
    invite_page = reverse("employer:invite")
    return safe_target(request, invite_page, param="back", within=invite_page)


@require_POST
@signing_center
def send_list_add_view(request: AuthenticatedRequest) -> HttpResponse:
    """加入: only a student the exact search found can be added (core checks it)."""
    student_id = parse_id(request.POST.get("student_id"))
    if student_id is None:
        raise NotFound()
    item = send_list_add(student_id, acting_user=request.user)
    messages.success(request, f"已将{item.student.name}加入签约发送列表")
    return redirect(_back(request))


@require_POST
@signing_center
def send_list_remove_view(request: AuthenticatedRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("ids"))
    if not ids:
        messages.warning(request, "请先勾选要移除的学生")
        return redirect(_back(request))
    for student_id in ids:
        send_list_remove(student_id, acting_user=request.user)
    messages.success(request, f"已从签约发送列表移除{len(ids)}名学生")
    return redirect(_back(request))


@require_POST
@signing_center
def send_list_import(request: AuthenticatedRequest) -> HttpResponse:
    """导入拟签约名单: all rows or none; every row's error is listed with its row and column. A large file is
    imported by a background job whose page shows its progress."""
    upload = request.FILES.get("file")
    if upload is None:
        return _invite_page(request, {"import_error": "请选择要导入的xlsx文件"}, status=400)
    try:
        started = shortlist_start(upload, acting_user=request.user)
    except ShortlistInvalid as exc:
        return _invite_page(request, {"import_error": exc.detail, "import_rows": exc.row_errors}, status=400)
    except (InvalidInput, Conflict) as exc:
        return _invite_page(request, {"import_error": exc.detail}, status=exc.status)
    if started.job is not None:
        return redirect("employer:shortlist_job", pk=started.job.pk)
    messages.success(request, f"已导入{started.imported}名学生到签约发送列表")
    return redirect("employer:invite")


@require_GET
@signing_center
def shortlist_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A large 导入拟签约名单's progress, then its outcome; htmx asks for the panel alone while it runs."""
    job = job_of(request.user, pk, Job.Kind.SHORTLIST)
    context = {"job": job, "errors": job.result.get("errors", []) if job.state == Job.State.FAILED else []}
    if request.htmx:
        return render(request, "includes/job_panel.html", context)
    crumbs = [("签约邀请", reverse("employer:invite")), ("导入拟签约名单", "")]
    return page(request, "employer/shortlist_job.html", context, menu="invite", crumbs=crumbs)


@require_GET
@signing_center
def send_list_template(request: AuthenticatedRequest) -> HttpResponse:
    return xlsx_download(shortlist_template(), "拟签约名单模板.xlsx")


# --- 邀请函 ---------------------------------------------------------------------------------------------


def _letter_students(request: AuthenticatedRequest, employer: Employer) -> list[Student]:
    """The students picked on the 签约发送列表 (a row's 邀约, or the ticked rows); only list members count."""
    data = request.POST if request.method == "POST" else request.GET
    raw = [data["one"]] if data.get("one") else data.getlist("ids")
    ids = parse_ids(raw)
    items = send_list_items(employer, student_ids=ids)
    by_id = {item.student_id: item.student for item in items}
    return [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]


def _overrides(data: QueryDict, students: list[Student]) -> dict[int, dict[str, Any]]:
    """Per-student changes to the shared terms: only for a ticked 单独设置, only fields actually filled in."""
    overrides: dict[int, dict[str, Any]] = {}
    for student in students:
        prefix = f"o{student.pk}-"
        if not data.get(prefix + "on"):
            continue
        changed = {name: data.get(prefix + name, "") for name in OVERRIDE_FIELDS}
        changed = {name: value for name, value in changed.items() if str(value).strip()}
        if changed:
            overrides[student.pk] = changed
    return overrides


def _validate(employer: Employer, terms: dict[str, Any], overrides: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Check the letter the way agreements_invite will, so errors show beside their fields before 确认发送."""
    form = TermsForm(employer, data=terms)
    errors: dict[str, Any] = {} if form.is_valid() else form.field_errors()
    for student_id, changed in overrides.items():
        form = TermsForm(employer, data={**terms, **changed})
        if not form.is_valid():
            for name, message in form.field_errors().items():
                if name in changed:
                    errors[f"o{student_id}-{name}"] = message
    return errors


def _letter_rows(employer: Employer, terms: dict[str, Any], show_dispatch: bool) -> list[tuple[str, str, str]]:
    cleaned = clean_terms(employer, terms)
    return [
        (name, spec.label, spec.display(cleaned.get(name)))
        for name, spec in TERMS_FIELDS.items()
        if show_dispatch or name not in DISPATCH_FIELDS
    ]


@require_http_methods(["GET", "POST"])
@signing_center
def letter(request: AuthenticatedRequest) -> HttpResponse:
    """邀请函: one set of terms for the batch, prefilled from 签约信息, with per-student overrides; 发送 leads to
    the 确认发送 step, which shows exactly what goes to whom, and only 确认发送 sends."""
    employer = current_employer(request)
    students = _letter_students(request, employer)
    if not students:
        messages.warning(request, "请先在签约发送列表中勾选要邀约的学生")
        return redirect("employer:invite")
    show_dispatch = any(shows_dispatch_fields(s.school, s.graduation_year) for s in students)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    terms: dict[str, Any] = default_terms(employer)
    overrides: dict[int, dict[str, Any]] = {}
    error, errors = "", {}
    if step:
        terms = posted_terms(request.POST, show_dispatch=show_dispatch)
        overrides = _overrides(request.POST, students)
        errors = _validate(employer, terms, overrides)
        if errors:
            error = f"邀请函有{len(errors)}项填写有误，请按提示修改"
        elif step == "preview":
            return _confirm_page(request, employer, students, terms, overrides, show_dispatch)
        elif step == "send":
            try:
                created = agreements_invite(
                    student_ids=[s.pk for s in students],
                    terms=terms,
                    overrides=overrides,
                    acting_user=request.user,
                )
            except (InvalidInput, Conflict) as exc:
                error, errors = exc.detail, dict(exc.errors)
            else:
                names = "、".join(a.student.name for a in created)
                messages.success(request, f"已向{len(created)}名学生（{names}）发送签约邀请，等待学生应约")
                return redirect(reverse("employer:agreements") + "?tab=pending")
    return page(
        request,
        "employer/letter.html",
        {
            "students": students,
            "sections": terms_sections(terms, errors, show_dispatch=show_dispatch, posted=request.POST or None),
            "overrides": [
                {
                    "student": s,
                    "on": s.pk in overrides or bool(request.POST.get(f"o{s.pk}-on")),
                    "fields": override_fields(
                        s.pk,
                        {name: request.POST.get(f"o{s.pk}-{name}", "") for name in OVERRIDE_FIELDS},
                        errors,
                        request.POST or None,
                    ),
                }
                for s in students
            ]
            if len(students) > 1
            else [],
            "error": error,
        },
        menu="invite",
        crumbs=[("签约邀请", reverse("employer:invite")), ("邀请函", "")],
    )


def _confirm_page(
    request: AuthenticatedRequest,
    employer: Employer,
    students: list[Student],
    terms: dict[str, Any],
    overrides: dict[int, dict[str, Any]],
    show_dispatch: bool,
) -> HttpResponse:
    shared = [s for s in students if s.pk not in overrides]
    own = [
        {
            "student": s,
            "rows": _letter_rows(employer, {**terms, **overrides[s.pk]}, show_dispatch),
            "changed": set(overrides[s.pk]),
        }
        for s in students
        if s.pk in overrides
    ]
    hidden = [(key, value) for key in request.POST for value in request.POST.getlist(key) if key not in ("step",)]
    hidden = [(k, v) for k, v in hidden if k != "csrfmiddlewaretoken"]
    return page(
        request,
        "employer/letter_confirm.html",
        {
            "students": students,
            "shared": shared,
            "shared_rows": _letter_rows(employer, terms, show_dispatch),
            "own": own,
            "hidden": hidden,
        },
        menu="invite",
        crumbs=[("签约邀请", reverse("employer:invite")), ("邀请函", ""), ("确认发送", "")],
    )
