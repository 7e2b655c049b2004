"""生源管理: roster import (template, dry-run preview, every error, the import job with its progress) and the
student list with search, detail and correction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import Conflict, InvalidInput, NotFound
from core.inputs import parse_id, parse_int
from core.models import Job, Status, Student, User
from core.replicas import replica_reads
from core.rules import destination_enter_refusal
from core.selectors import (
    RosterFilters,
    agreements_of_student,
    destination_of_student,
    get_student_for_admin,
    majors_of_school,
    roster,
)
from core.services import roster_jobs
from core.services.jobs import job_is_quiet, jobs_expire
from core.services.roster import ROSTER_HEADERS, roster_template
from core.services.students import STUDENT_EDIT_FIELDS, student_update
from core.services.xlsx import write_xlsx
from school import lists
from school.access import (
    admin_required,
    current_school,
    school_admin_required,
    school_id_of,
)
from school.selectors import get_roster_job_for_user, roster_jobs_of
from school.views.common import page
from web.downloads import xlsx_download
from web.request import AuthenticatedRequest

ERRORS_PER_PAGE = 50
STUDENTS_PER_PAGE = 20

# --- 生源导入 -------------------------------------------------------------------------------------------


def _import_crumbs(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("生源管理", reverse("school:students")), ("生源导入", reverse("school:roster_import")), *extra]


@require_http_methods(["GET", "POST"])
@school_admin_required
def roster_import(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            job = roster_jobs.roster_job_create(current_school(request), request.FILES.get("file"), acting_user=user)
        except InvalidInput as exc:
            errors = {"file": exc.errors.get("file", exc.detail)}
        else:
            return redirect("school:roster_job", pk=job.pk)
    recent = roster_jobs_of(user)[:10]
    context = {"errors": errors, "recent": recent, "headers": ROSTER_HEADERS}
    return page(
        request,
        "school/roster_import.html",
        context,
        menu="roster_import",
        crumbs=[("生源管理", reverse("school:students")), ("生源导入", "")],
        status=400 if errors else 200,
    )


@require_GET
@school_admin_required
def roster_template_download(request: AuthenticatedRequest) -> HttpResponse:
    return xlsx_download(roster_template(), "生源导入模板.xlsx")


def _job_for(request: AuthenticatedRequest, pk: int) -> Job:
    try:
        return get_roster_job_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


PANEL = "includes/job_panel.html"


def _job_context(request: AuthenticatedRequest, job: Job) -> dict[str, Any]:
    if job.is_running and jobs_expire(kind=Job.Kind.ROSTER, scope=job.scope)[0]:  # a silent job shows as failed
        job.refresh_from_db()
    return {
        "job": job,
        "stale": job_is_quiet(job),
        "errors_page": Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page")),
        "query": "",
    }


@require_GET
@school_admin_required
def roster_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The job's page; for htmx only the jobs' one panel, which polls itself while the job runs."""
    job = _job_for(request, pk)
    if request.htmx:
        return render(request, PANEL, _job_context(request, job))
    return page(
        request,
        "school/roster_job.html",
        _job_context(request, job),
        menu="roster_import",
        crumbs=_import_crumbs((f"导入任务 #{job.pk}", "")),
    )


@require_GET
@school_admin_required
def roster_job_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The job panel alone (the address the panel polled before it polled its page; kept for open pages)."""
    job = _job_for(request, pk)
    return render(request, PANEL, _job_context(request, job))


@require_POST
@school_admin_required
def roster_job_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        roster_jobs.roster_job_start(job, acting_user=request.user)
    except Conflict as exc:
        messages.error(request, exc.detail)
    return redirect("school:roster_job", pk=job.pk)


@require_GET
@school_admin_required
def roster_job_errors(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """下载错误清单: every error of the file, by row and column."""
    job = _job_for(request, pk)
    rows = ([e["row"], e["column"], e["message"]] for e in job.errors)
    content = write_xlsx(("行号", "列", "错误说明"), rows, title="错误清单")
    return xlsx_download(content, f"生源导入错误清单-{job.pk}.xlsx")


# --- 生源名单 -------------------------------------------------------------------------------------------


def _student_for(request: AuthenticatedRequest, pk: int) -> Student:
    try:
        return get_student_for_admin(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


STUDENT_FILTERS = ("year", "college", "major", "q")


def student_filter_values(data: QueryDict) -> dict[str, str]:
    return {key: data.get(key, "").strip() for key in STUDENT_FILTERS}


def filtered_students(user: User, values: dict[str, str]) -> QuerySet[Student]:
    """生源名单's filters; the activation codes for 当前筛选结果 use the same list."""
    return roster(
        user,
        RosterFilters(
            graduation_year=parse_int(values["year"]),
            college_id=parse_id(values["college"]),
            major=values["major"],
            q=values["q"],
        ),
    )


@require_GET
@admin_required
@replica_reads
def students(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    values = student_filter_values(request.GET)
    qs = filtered_students(user, values)
    student_page = Paginator(qs, STUDENTS_PER_PAGE).get_page(request.GET.get("page"))
    for student in student_page.object_list:
        status = getattr(student, "active_status", None)
        student.signing_label = Status(status).label if status else "未签约"  # type: ignore[attr-defined]
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in values.items() if v})
    context = {
        "page": student_page,
        "values": values,
        "query": query.urlencode(),
        **lists.filter_options(user),
    }
    return page(request, "school/students.html", context, menu="students", crumbs=[("生源管理", ""), ("生源名单", "")])


@require_GET
@admin_required
def student_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    student = _student_for(request, pk)
    agreements = agreements_of_student(user, student)
    changes = list(student.changes.select_related("actor")[:50])
    destination = destination_of_student(student)
    context = {
        "student": student,
        "agreements": agreements,
        "changes": changes,
        "destination": destination,
        "can_enter_destination": destination_enter_refusal(destination, user) is None,
    }
    crumbs = [("生源管理", reverse("school:students")), ("生源名单", reverse("school:students")), (student.name, "")]
    return page(request, "school/student_detail.html", context, menu="students", crumbs=crumbs)


def _major_groups(user: User) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for major in majors_of_school(school_id_of(user)):
        groups.setdefault(major.college.name, []).append((str(major.pk), major.name))
    return sorted((college, sorted(majors, key=lambda m: m[1])) for college, majors in groups.items())


@require_http_methods(["GET", "POST"])
@school_admin_required
def student_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    student = _student_for(request, pk)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data = {field: request.POST.get(field, "") for field in STUDENT_EDIT_FIELDS}
        try:
            student_update(student, data, acting_user=user)
        except InvalidInput as exc:
            errors = dict(exc.errors) or {"all": exc.detail}
        else:
            messages.success(request, f"已保存{data['name']}的生源信息")
            return redirect("school:student", pk=student.pk)
        values = data
    else:
        values = {
            "name": student.name,
            "gender": student.gender,
            "id_number": student.id_number,
            "phone": student.phone,
            "email": student.email,
            "graduation_year": str(student.graduation_year),
            "major": str(student.major_id),
            "degree": student.degree,
        }
    context = {
        "student": student,
        "values": values,
        "errors": errors,
        "major_groups": _major_groups(user),
        "degree_options": Student.Degree.choices,
    }
    crumbs = [
        ("生源管理", reverse("school:students")),
        (student.name, reverse("school:student", args=[student.pk])),
        ("修改生源信息", ""),
    ]
    return page(
        request, "school/student_edit.html", context, menu="students", crumbs=crumbs, status=400 if errors else 200
    )
