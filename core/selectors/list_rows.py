"""The rows of an agreement list page as the portals' tables show them: plain values, labels worked out once per row.

A list page is 10 or 20 rows, so building and compiling the query cost more than running it (≈1 ms to compile the
joins against ≈0.2 ms to run them at 1M agreements), and model instances more than both. So the page's statement is
compiled once per process and database (core.selectors.paging.CompiledRead: the ids one array parameter, prepared on
PostgreSQL) and each row becomes an `AgreementRow`. The API's list reads the whole agreement the same way
(core.selectors.agreement_values); a table row needs 16 of its columns.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from core.masking import mask_id_number
from core.models import Agreement, Status, Student
from core.models.agreements import RESPONSE_LABELS, review_status_label
from core.selectors.agreements import with_open_termination
from core.selectors.paging import CompiledRead, ListPaginator


@dataclass(frozen=True, slots=True)
class OpenTermination:
    """The 解约 being handled, as 解约审核 shows it."""

    requester_role: str
    reason: str
    response_remark: str


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """One agreement as the portals' lists show it."""

    pk: int
    status: str
    paper: bool
    number: str | None  # 协议书编号, once effective
    invited: str  # 邀请日期 as the manual writes it: 2020.9.7
    school_name: str
    employer_name: str
    student_name: str
    id_number: str
    id_number_masked: str  # 211402*****1035, as the employer's list shows it
    degree: str  # 学历's label
    major_name: str
    college_name: str
    response_status_label: str  # 应约状态
    review_status_label: str  # 审核状态
    open_termination: OpenTermination | None


COLUMNS = (
    "pk",
    "status",
    "paper",
    "number",
    "invited_at",
    "school__name",
    "employer__name",
    "student__name",
    "student__id_number",
    "student__degree",
    "student__major__name",
    "student__college__name",
    "open_termination_row__requester_role",
    "open_termination_row__reason",
    "open_termination_row__response_remark",
    "open_termination_row__previous_status",
)


def _page_query(ids: Sequence[int]) -> QuerySet[Any]:
    return with_open_termination(Agreement.objects.filter(pk__any_of=ids)).order_by().values_list(*COLUMNS)


PAGE = CompiledRead(_page_query)
DEGREES = dict(Student.Degree.choices)


def _invited(value: datetime.datetime | None, tz: datetime.tzinfo) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz)
    return f"{local.year}.{local.month}.{local.day}"


def agreement_list_rows(ids: Sequence[int]) -> list[AgreementRow]:
    """The rows of these agreements (ids a scoped list query gave), in any order."""
    if not ids:
        return []
    tz = timezone.get_current_timezone()
    rows = []
    for (
        pk,
        status,
        paper,
        number,
        invited_at,
        school_name,
        employer_name,
        student_name,
        id_number,
        degree,
        major_name,
        college_name,
        requester_role,
        reason,
        response_remark,
        previous_status,
    ) in PAGE.rows(ids, using=Agreement.objects.all().db):
        rows.append(
            AgreementRow(
                pk=pk,
                status=status,
                paper=paper,
                number=number,
                invited=_invited(invited_at, tz),
                school_name=school_name,
                employer_name=employer_name,
                student_name=student_name,
                id_number=id_number,
                id_number_masked=mask_id_number(id_number),
                degree=DEGREES.get(degree, degree),
                major_name=major_name or "",
                college_name=college_name or "",
                response_status_label=RESPONSE_LABELS[Status(status)],
                review_status_label=review_status_label(status, previous_status),
                open_termination=(
                    OpenTermination(requester_role, reason, response_remark) if requester_role is not None else None
                ),
            )
        )
    return rows


def agreement_list_paginator(qs: QuerySet[Agreement], per_page: int, *, prepare: bool = False) -> ListPaginator:
    """Pages of a scoped, filtered list (core.selectors.paging: the ids from the list's index, its count), each
    page's rows as `AgreementRow`; `prepare` as ListPaginator's."""
    return ListPaginator(qs, per_page, agreement_list_rows, prepare=prepare)  # type: ignore[arg-type]
