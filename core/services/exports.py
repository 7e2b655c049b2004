"""导出: an agreement list as xlsx, exactly the rows the caller filtered, masked for employers.

One row generator (`agreement_export_rows`) written out by core.services.xlsx.write_xlsx, which escapes
text a spreadsheet would run as a formula. Employers get the manual's list columns; reviewers, who see
many employers, also get 学号, 院系, 单位名称 and 协议书编号.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from core.masking import mask_id_number
from core.models import (
    Agreement,
    AgreementTerms,
    College,
    Employer,
    Major,
    Role,
    School,
    Status,
    Student,
    Termination,
    User,
)
from core.models.agreements import RESPONSE_LABELS, REVIEW_LABELS
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
_CHUNK = 2000


def list_date(value: datetime.datetime | None, tz: datetime.tzinfo | None = None) -> str:
    """The manual's 邀请日期 format: 2020.9.7 (in `tz`, default the current time zone)."""
    if value is None:
        return ""
    local = value.astimezone(tz or timezone.get_current_timezone())
    return f"{local.year}.{local.month}.{local.day}"


def export_headers(viewer: User) -> Sequence[str]:
    return EMPLOYER_HEADERS if viewer.role == Role.EMPLOYER else REVIEWER_HEADERS


# What a row reads: plain values, no model instances. School, 院系, 专业 and employer names come from small
# per-export caches (tiny tables, or the few employers a list names), not from joins repeated on every row.
_ROW_FIELDS = (
    "pk",
    "status",
    "invited_at",
    "number",
    "school_id",
    "employer_id",
    "student__student_no",
    "student__name",
    "student__id_number",
    "student__degree",
    "student__college_id",
    "student__major_id",
    "paper",
    "current_terms_id",
)
_DEGREES = dict(Student.Degree.choices)
# The manual's two status columns (core.models.agreements) keyed by the stored value, looked up once per row.
_RESPONSE: dict[str, str] = {status.value: label for status, label in RESPONSE_LABELS.items()}
_REVIEW: dict[str, str] = {status.value: label for status, label in REVIEW_LABELS.items()}


class _Names:
    """id → name for one small model, fetched for the ids a chunk needs that are not known yet."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.names: dict[int, str] = {}

    def load(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i not in self.names}
        if missing:
            self.names.update(self.model._default_manager.filter(pk__in=missing).values_list("pk", "name"))

    def __getitem__(self, pk: int) -> str:
        return self.names.get(pk, "")


def agreement_export_rows(
    qs: QuerySet[Agreement], viewer: User, *, progress: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """One list per agreement of `qs` (already scoped and filtered by the caller), in its order.

    Streams from a server-side cursor in chunks; memory stays the same whatever the number of rows.
    `progress(rows so far)` is called after each chunk."""
    masked = viewer.role == Role.EMPLOYER
    tz = timezone.get_current_timezone()
    schools, colleges, majors, employers = _Names(School), _Names(College), _Names(Major), _Names(Employer)
    rows = qs.values_list(*_ROW_FIELDS).iterator(chunk_size=_CHUNK)
    done = 0
    while chunk := list(itertools.islice(rows, _CHUNK)):
        schools.load(r[4] for r in chunk)
        employers.load(r[5] for r in chunk)
        colleges.load(r[10] for r in chunk)
        majors.load(r[11] for r in chunk)
        # 审核状态 of an agreement waiting for the other party's answer to a 解约 is the one before the request.
        asked = [r[0] for r in chunk if r[1] == Status.TERMINATION_REQUESTED]
        before = dict(
            Termination.objects.filter(agreement_id__in=asked, state__in=Termination.OPEN_STATES).values_list(
                "agreement_id", "previous_status"
            )
            if asked
            else ()
        )
        # A paper agreement's 协议书编号 is the paper's own (its terms), read for the chunk's paper rows only.
        paper_terms = [r[13] for r in chunk if r[12] and r[13] is not None]
        paper_numbers = dict(
            AgreementTerms.objects.filter(pk__in=paper_terms).values_list("pk", "paper_number") if paper_terms else ()
        )
        for row in chunk:
            pk, status, invited_at, number, school, employer, no, name, id_number, degree, college, major = row[:12]
            if row[12]:
                number = paper_numbers.get(row[13]) or None
            review = _REVIEW.get(before.get(pk, "") if status == Status.TERMINATION_REQUESTED else status, "")
            response = _RESPONSE[status]
            if masked:
                yield [
                    schools[school],
                    name,
                    mask_id_number(id_number),
                    _DEGREES.get(degree, degree),
                    majors[major],
                    list_date(invited_at, tz),
                    response,
                    review,
                ]
            else:
                yield [
                    schools[school],
                    no,
                    name,
                    id_number,
                    colleges[college],
                    _DEGREES.get(degree, degree),
                    majors[major],
                    employers[employer],
                    list_date(invited_at, tz),
                    response,
                    review,
                    number or "",
                ]
        done += len(chunk)
        if progress:
            progress(done)


def agreements_export_xlsx(qs: QuerySet[Agreement], viewer: User, *, title: str = "协议书列表") -> bytes:
    return write_xlsx(export_headers(viewer), agreement_export_rows(qs, viewer), title=title)


def export_filename(prefix: str = "协议书列表") -> str:
    return f"{prefix}-{timezone.localtime():%Y%m%d%H%M}.xlsx"
