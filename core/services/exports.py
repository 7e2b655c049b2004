"""导出: an agreement list as xlsx, exactly the rows the caller filtered, masked for employers.

One row generator (`agreement_export_rows`) written out by core.services.xlsx.write_xlsx, which escapes
text a spreadsheet would run as a formula. Employers get the manual's list columns; reviewers, who see
many employers, also get 学号, 院系, 单位名称 and 协议书编号.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core.masking import mask_id_number
from core.models import Agreement, Role, User
from core.selectors import attach_open_termination, with_list_relations
from core.services.xlsx import write_xlsx

EMPLOYER_HEADERS = ("院校名称", "姓名", "身份证号", "学历", "专业", "邀请日期", "应约状态", "审核状态")
REVIEWER_HEADERS = (
    "院校名称",
    "学号",
    "姓名",
    "身份证号",
    "院系",
    "学历",
    "专业",
    "单位名称",
    "邀请日期",
    "应约状态",
    "审核状态",
    "协议书编号",
)
_CHUNK = 500


def list_date(value: datetime.datetime | None) -> str:
    """The manual's 邀请日期 format: 2020.9.7."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.year}.{local.month}.{local.day}"


def export_headers(viewer: User) -> Sequence[str]:
    return EMPLOYER_HEADERS if viewer.role == Role.EMPLOYER else REVIEWER_HEADERS


def agreement_export_rows(qs: QuerySet[Agreement], viewer: User) -> Iterator[list[Any]]:
    """One list per agreement of `qs` (already scoped and filtered by the caller), in its order."""
    masked = viewer.role == Role.EMPLOYER
    rows = with_list_relations(qs).iterator(chunk_size=_CHUNK)
    chunk: list[Agreement] = []
    for agreement in rows:
        chunk.append(agreement)
        if len(chunk) == _CHUNK:
            yield from _rows(chunk, masked)
            chunk = []
    if chunk:
        yield from _rows(chunk, masked)


def _rows(agreements: list[Agreement], masked: bool) -> Iterator[list[Any]]:
    for a in attach_open_termination(agreements):
        student = a.student
        if masked:
            yield [
                a.school.name,
                student.name,
                mask_id_number(student.id_number),
                student.get_degree_display(),
                student.major.name,
                list_date(a.invited_at),
                a.response_status_label,
                a.review_status_label,
            ]
        else:
            yield [
                a.school.name,
                student.student_no,
                student.name,
                student.id_number,
                student.college.name,
                student.get_degree_display(),
                student.major.name,
                a.employer.name,
                list_date(a.invited_at),
                a.response_status_label,
                a.review_status_label,
                a.number or "",
            ]


def agreements_export_xlsx(qs: QuerySet[Agreement], viewer: User, *, title: str = "协议书列表") -> bytes:
    return write_xlsx(export_headers(viewer), agreement_export_rows(qs, viewer), title=title)


def export_filename(prefix: str = "协议书列表") -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d%H%M}.xlsx"
