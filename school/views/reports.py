"""统计 and 就业方案导出 for one 毕业年度."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.calendar import current_graduation_year
from core.errors import Conflict
from core.inputs import parse_int
from core.models import College, School
from core.replicas import replica_reads
from core.rules import STATS_COLUMNS, shows_dispatch_fields
from core.selectors.paging import cached_choices
from core.services.export_jobs import needs_job, plan_job_start
from core.services.plan import plan_headers, plan_rows, plan_students
from core.services.stats import SchoolStats, school_stats, stats_for_user, stats_scope
from core.services.xlsx import write_xlsx
from school.access import admin_required, current_school, school_admin_required
from school.exports import stats_xlsx
from school.lists import year_options
from school.views.common import page
from web.downloads import xlsx_download
from web.request import AuthenticatedRequest


def _year(request: AuthenticatedRequest) -> tuple[int, str]:
    """The requested 毕业年度, or the current one; with an error message when the input was wrong."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return current_graduation_year(), ""
    year = parse_int(raw, minimum=2000, maximum=2100)
    if year is not None:
        return year, ""
    return current_graduation_year(), "毕业年度应为四位年份，如2027"


def _chart_data(stats: SchoolStats) -> dict[str, Any]:
    """What the two charts draw: counts per status column (stacked) and 签约率, per college for the whole
    school, per major for one college."""
    rows = stats.majors if stats.college else stats.colleges
    colleges = [row for row in rows if row.students or row.agreements]
    columns = [row.columns for row in colleges]  # each row's once (a property that sums)
    return {
        "labels": [row.name for row in colleges],
        "statuses": [label for _, label, _ in STATS_COLUMNS],
        "counts": [[row_columns[i] for row_columns in columns] for i in range(len(STATS_COLUMNS))],
        "rates": [None if row.rate is None else round(row.rate * 100, 1) for row in colleges],
        "placed_rates": [None if row.placed_rate is None else round(row.placed_rate * 100, 1) for row in colleges],
        "students": [row.students for row in colleges],
    }


def _figures(school: School, college: College | None, year: int) -> dict[str, Any]:
    """The page's figures rendered (summary, charts' data and table), kept STATS_CACHE_SECONDS for the school (or
    college) and 毕业年度: under load the page is its menu and this one cache read, not the counters' sum and some
    700 cells rendered per request. The page says when they were computed."""
    seconds = settings.STATS_CACHE_SECONDS
    key = f"school-stats:{school.pk}:{college.pk if college else 0}:{year}"
    figures: dict[str, Any] | None = cache.get(key) if seconds else None
    if figures is None:
        result = school_stats(school, year, college=college)
        by_college: dict[int | None, list[Any]] = {}
        for major in result.majors:
            by_college.setdefault(major.college_id, []).append(major)
        context = {
            "stats": result,
            "cache_seconds": seconds,
            "computed_at": timezone.now(),
            "columns": [label for _, label, _ in STATS_COLUMNS],
            "college_blocks": [(row, by_college.get(row.id, [])) for row in result.colleges],
            "chart": _chart_data(result),
            "chart_unit": "专业" if result.college else "院系",
        }
        figures = {
            "summary": render_to_string("school/includes/stats_summary.html", context),
            "details": render_to_string("school/includes/stats_details.html", context),
        }
        if seconds:
            cache.set(key, figures, seconds)
    return figures


@require_GET
@admin_required
@replica_reads
def stats(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    year, error = _year(request)
    school, college, year = stats_scope(user, year)
    context = {
        "year": str(year),
        "year_error": error,
        "year_options": cached_choices(f"stats-years:{school.pk}", lambda: year_options(user)),
        "scope_name": college.name if college else school.name,
        "figures": _figures(school, college, year),
    }
    return page(request, "school/stats.html", context, menu="stats", crumbs=[("统计报表", ""), ("签约统计", "")])


@require_GET
@admin_required
@replica_reads
def stats_export(request: AuthenticatedRequest) -> HttpResponse:
    year, _ = _year(request)
    result = stats_for_user(request.user, year)
    scope = result.college.name if result.college else result.school.name
    return xlsx_download(stats_xlsx(result), f"{year}届签约统计-{scope}.xlsx")


@require_GET
@school_admin_required
@replica_reads
def plan(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    school = current_school(request)
    year, error = _year(request)
    stats = stats_for_user(user, year)
    context = {
        "year": str(year),
        "year_error": error,
        "year_options": year_options(user),
        "stats": stats,
        "headers": plan_headers(school, year),
        "dispatch_shown": shows_dispatch_fields(school, year),
    }
    return page(request, "school/plan.html", context, menu="plan", crumbs=[("统计报表", ""), ("就业方案导出", "")])


@require_GET
@school_admin_required
@replica_reads
def plan_export(request: AuthenticatedRequest) -> HttpResponse:
    """One row per graduate; a year with more graduates than WANGQIAN_EXPORT_SYNC_MAX_ROWS is written by a job."""
    school = current_school(request)
    year, _ = _year(request)
    filename = f"{year}届就业方案-{school.name}.xlsx"
    if needs_job(plan_students(school, year)):
        try:
            job = plan_job_start(school, year, filename=filename, acting_user=request.user)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return redirect(f"{reverse('school:plan')}?year={year}")
        return redirect(reverse("school:export_job", args=[job.pk]))
    return xlsx_download(
        write_xlsx(plan_headers(school, year), plan_rows(school, year), title=f"{year}届就业方案"), filename
    )
