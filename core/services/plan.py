"""就业方案 / 毕业去向 export: one row per graduate of a 毕业年度, the standard codes beside the labels.

Every student of the year has a row, with or without an agreement, ready for the provincial 上报: the
毕业去向代码 (national table, core/codes/data/destination.json), 单位性质代码, 单位所在地 (GB/T 2260),
工作职位类别代码, 单位隶属 and the 档案/户口 codes, each beside its label. Where the 去向 comes from:
- an effective agreement (online or on paper: 签约方式) → 10 签就业协议形式就业 with the employer and terms (a
  paper one's 单位性质, 单位所在地 and 协议书编号 are those the student read off the paper);
- otherwise the graduate's 毕业去向登记 once approved → its code and the unit or school it names;
- otherwise no code, and 去向登记状态 says why (未登记, 待学院审核, …).

Rows stream from `values_list` in chunks of students (three queries a chunk), in constant memory.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core import codes
from core.models import Agreement, College, Major, School, Status, Student
from core.models.destinations import Destination, DestinationStatus
from core.rules import effective_q, shows_dispatch_fields

# The 毕业去向 an effective 就业协议书 stands for.
AGREEMENT_DESTINATION = "10"
_CHUNK = 2000

# (header of the code, header of the label, field of the terms, code table) for the 档案/报到证/单位隶属/户口 block;
# a None code table means a plain text column.
_TERMS_COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    ("档案接收类型代码", "档案接收类型", "archive_receiving", "archive_receiving"),
    ("", "档案转寄单位名称", "archive_unit_name", None),
    ("", "档案转寄地址", "archive_address", None),
    ("", "档案转寄邮编", "archive_postcode", None),
    ("", "档案转寄联系人", "archive_contact", None),
    ("", "档案转寄联系电话", "archive_phone", None),
    ("", "报到证抬头", "dispatch_title", None),
    ("报到证签发所在地代码", "报到证签发所在地", "dispatch_location", "region"),
    ("单位隶属代码", "单位隶属", "affiliation", "affiliation"),
    ("户口接收类型代码", "户口接收类型", "hukou_receiving", "hukou_receiving"),
    ("", "户口接收地址", "hukou_address", None),
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
    "毕业去向代码",
    "毕业去向",
    "去向登记状态",
    "签约方式",
    "单位名称",
    "统一社会信用代码",
    "单位性质代码",
    "单位性质",
    "单位所在地代码",
    "单位所在地",
    "工作职位类别代码",
    "工作职位类别",
    "拟聘用职位",
    "工作地点代码",
    "工作地点",
    "协议书编号",
    "签约时间",
    "生效时间",
    "协议书状态",
    "升学/出国（境）学校",
    "升学专业",
    "国家（地区）",
)

_AGREEMENT_FIELDS = (
    "student_id",
    "number",
    "signed_at",
    "effective_at",
    "status",
    "paper",
    "employer__name",
    "employer__credit_code",
    "employer__nature",
    "employer__location",
    "current_terms__unit_name",
    "current_terms__position_category",
    "current_terms__position",
    "current_terms__work_location",
    "current_terms__unit_nature",
    "current_terms__unit_location",
    "current_terms__paper_number",
)
_DESTINATION_FIELDS = (
    "student_id",
    "status",
    "code",
    "current__unit_name",
    "current__unit_credit_code",
    "current__unit_nature",
    "current__unit_location",
    "current__position",
    "current__school_name",
    "current__programme",
    "current__country",
)
_DEGREES = dict(Student.Degree.choices)
_STATUS_LABELS = dict(Status.choices)
_DESTINATION_STATUS_LABELS = dict(DestinationStatus.choices)


def plan_columns(school: School, graduation_year: int) -> list[tuple[str, str, str, str | None]]:
    """The 档案/户口 columns; the 报到证 ones only where they are shown for that year's graduates (core.rules)."""
    shown = shows_dispatch_fields(school, graduation_year)
    return [c for c in _TERMS_COLUMNS if shown or c[2] not in _DISPATCH]


def plan_headers(school: School, graduation_year: int) -> list[str]:
    extra: list[str] = []
    for code_header, label_header, _, _ in plan_columns(school, graduation_year):
        extra += [code_header, label_header] if code_header else [label_header]
    return [*PLAN_HEADERS, *extra]


def plan_students(school: School, graduation_year: int) -> QuerySet[Student]:
    """Every graduate of the year, in the export's order (院系, then 学号)."""
    return Student.objects.filter(school=school, graduation_year=graduation_year).order_by(
        "college__name", "student_no", "pk"
    )


def _label(table: str, code: str | None) -> str:
    return codes.label(table, code, default=code) if code else ""


def _date(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def plan_rows(
    school: School, graduation_year: int, *, progress: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    columns = plan_columns(school, graduation_year)
    terms_fields = tuple(f"current_terms__{field}" for _, _, field, _ in columns)
    colleges = dict(College.objects.filter(school=school).values_list("pk", "name"))
    majors = dict(Major.objects.filter(college__school=school).values_list("pk", "name"))
    students = (
        plan_students(school, graduation_year)
        .values_list(
            "pk", "student_no", "name", "gender", "id_number", "graduation_year", "college_id", "major_id", "degree"
        )
        .iterator(chunk_size=_CHUNK)
    )
    blank_terms = [""] * sum(2 if code_header else 1 for code_header, _, _, _ in columns)
    done = 0
    while chunk := list(itertools.islice(students, _CHUNK)):
        ids = [row[0] for row in chunk]
        agreements = {
            row[0]: row
            for row in Agreement.objects.filter(effective_q(), student_id__in=ids)
            .values_list(*_AGREEMENT_FIELDS, *terms_fields)
            .order_by()
        }
        destinations = {
            row[0]: row
            for row in Destination.objects.filter(student_id__in=ids).values_list(*_DESTINATION_FIELDS).order_by()
        }
        for pk, no, name, gender, id_number, year, college, major, degree in chunk:
            person = [no, name, gender, id_number, year, colleges.get(college, ""), majors.get(major, "")]
            person.append(_DEGREES.get(degree, degree))
            agreement, destination = agreements.get(pk), destinations.get(pk)
            if agreement is not None:
                yield [*person, *_agreement_part(agreement), *_terms_part(agreement[len(_AGREEMENT_FIELDS) :], columns)]
            else:
                yield [*person, *_destination_part(destination), *blank_terms]
        done += len(chunk)
        if progress:
            progress(done)


def _agreement_part(row: tuple[Any, ...]) -> list[Any]:
    (_, number, signed_at, effective_at, status, paper, employer, credit_code, nature, location) = row[:10]
    unit_name, category, position, work_location, paper_nature, paper_location, paper_number = row[10:17]
    if paper:
        # A paper agreement's unit is the one printed on it, codes and number included: never the codes of the
        # employer row its 信用代码 found (which may be another's, or 未注册 and empty).
        nature, location, number = paper_nature, paper_location, paper_number
    return [
        AGREEMENT_DESTINATION,
        _label("destination", AGREEMENT_DESTINATION),
        _DESTINATION_STATUS_LABELS[DestinationStatus.APPROVED],
        "纸质协议" if paper else "网上签约",
        unit_name or employer,
        credit_code,
        nature,
        _label("nature", nature),
        location,
        _label("region", location),
        category or "",
        _label("position_category", category),
        position or "",
        work_location or "",
        _label("region", work_location),
        number or "",
        _date(signed_at),
        _date(effective_at),
        _STATUS_LABELS.get(status, status),
        "",
        "",
        "",
    ]


def _destination_part(row: tuple[Any, ...] | None) -> list[Any]:
    if row is None:
        return ["", "", _DESTINATION_STATUS_LABELS[DestinationStatus.UNREGISTERED], *[""] * 19]
    _, status, code, unit, credit_code, nature, location, position, school, programme, country = row
    state = _DESTINATION_STATUS_LABELS.get(status, status)
    if status != DestinationStatus.APPROVED:
        # Not yet reviewed: nothing of it is reported as the graduate's 去向.
        return ["", "", state, *[""] * 19]
    return [
        code,
        _label("destination", code),
        state,
        "",
        unit or "",
        credit_code or "",
        nature or "",
        _label("nature", nature),
        location or "",
        _label("region", location),
        "",
        "",
        position or "",
        "",
        "",
        "",
        "",
        "",
        "",
        school or "",
        programme or "",
        country or "",
    ]


def _terms_part(values: tuple[Any, ...], columns: list[tuple[str, str, str, str | None]]) -> list[Any]:
    out: list[Any] = []
    for value, (code_header, _, _, table) in zip(values, columns, strict=True):
        if code_header and table:
            out += [value or "", _label(table, value)]
        else:
            out.append(value or "")
    return out
