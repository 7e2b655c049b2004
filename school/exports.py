"""The school's xlsx exports besides the agreement list: 统计 and 就业方案. Each is one row generator written out
by core.services.xlsx.write_xlsx (write-only openpyxl, formula-safe cells)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core import codes
from core.models import Agreement, School
from core.rules import STATS_COLUMNS, effective_q
from core.services.stats import SchoolStats, StatsRow
from core.services.xlsx import write_xlsx

# --- 统计 ------------------------------------------------------------------------------------------------

STATS_HEADERS = (
    "院系",
    "专业",
    "生源人数",
    *[label for _, label, _ in STATS_COLUMNS],
    "有效协议",
    "签约率",
)


def _stats_line(college: str, major: str, row: StatsRow) -> list[Any]:
    rate = "" if row.rate is None else round(row.rate * 100, 1)
    return [college, major, row.students, *row.columns, row.effective, rate]


def stats_rows(stats: SchoolStats) -> Iterator[list[Any]]:
    """Each college, then its majors, then the total; 签约率 in percent."""
    by_college: dict[int | None, list[StatsRow]] = {}
    for major in stats.majors:
        by_college.setdefault(major.college_id, []).append(major)
    for college in stats.colleges:
        yield _stats_line(college.name, "（全院）", college)
        for major in by_college.get(college.id, []):
            yield _stats_line(college.name, major.name, major)
    yield _stats_line(stats.total.name, "", stats.total)


def stats_xlsx(stats: SchoolStats) -> bytes:
    headers = [*STATS_HEADERS[:-1], "签约率（%）"]
    return write_xlsx(headers, stats_rows(stats), title=f"{stats.graduation_year}届签约统计")


# --- 就业方案 ---------------------------------------------------------------------------------------------

# (header, field of the terms, code table or None) for the 档案/报到证/单位隶属/户口 block.
_TERMS_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("档案接收类型", "archive_receiving", "archive_receiving"),
    ("档案转寄单位名称", "archive_unit_name", None),
    ("档案转寄地址", "archive_address", None),
    ("档案转寄邮编", "archive_postcode", None),
    ("档案转寄联系人", "archive_contact", None),
    ("档案转寄联系电话", "archive_phone", None),
    ("报到证抬头", "dispatch_title", None),
    ("报到证签发所在地", "dispatch_location", "region"),
    ("单位隶属", "affiliation", "affiliation"),
    ("户口接收类型", "hukou_receiving", "hukou_receiving"),
    ("户口接收地址", "hukou_address", None),
)
_DISPATCH = ("dispatch_title", "dispatch_location")
PLAN_HEADERS = (
    "学号",
    "姓名",
    "性别",
    "身份证号",
    "毕业年度",
    "院系",
    "专业",
    "学历",
    "单位名称",
    "统一社会信用代码",
    "单位性质",
    "单位所在地",
    "工作职位类别",
    "拟聘用职位",
    "工作地点",
    "协议书编号",
    "签约时间",
    "生效时间",
    "协议书状态",
)


def plan_columns(school: School) -> list[tuple[str, str, str | None]]:
    """The 档案/户口 columns; the 报到证 ones only when the school shows them."""
    return [c for c in _TERMS_COLUMNS if school.show_dispatch_fields or c[1] not in _DISPATCH]


def plan_headers(school: School) -> list[str]:
    return [*PLAN_HEADERS, *[header for header, _, _ in plan_columns(school)]]


def plan_queryset(school: School, graduation_year: int) -> QuerySet[Agreement]:
    """The year's effective agreements (those being terminated stay until the 解约 is approved)."""
    return (
        Agreement.objects.filter(effective_q(), school=school, student__graduation_year=graduation_year)
        .select_related("student", "student__college", "student__major", "employer", "current_terms")
        .order_by("student__college__name", "student__student_no", "id")
    )


def _label(table: str | None, value: str) -> str:
    if not value:
        return ""
    return codes.label(table, value, default=value) if table else value


def _date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def plan_rows(school: School, graduation_year: int) -> Iterator[list[Any]]:
    columns = plan_columns(school)
    for a in plan_queryset(school, graduation_year).iterator(chunk_size=2000):
        student, employer, terms = a.student, a.employer, a.current_terms
        yield [
            student.student_no,
            student.name,
            student.gender,
            student.id_number,
            student.graduation_year,
            student.college.name,
            student.major.name,
            student.get_degree_display(),
            terms.unit_name if terms else employer.name,
            employer.credit_code,
            _label("nature", employer.nature),
            _label("region", employer.location),
            _label("position_category", terms.position_category) if terms else "",
            terms.position if terms else "",
            _label("region", terms.work_location) if terms else "",
            a.number or "",
            _date(a.signed_at),
            _date(a.effective_at),
            a.get_status_display(),
            *[_label(table, getattr(terms, field)) if terms else "" for _, field, table in columns],
        ]


def plan_xlsx(school: School, graduation_year: int) -> bytes:
    return write_xlsx(plan_headers(school), plan_rows(school, graduation_year), title=f"{graduation_year}届就业方案")
