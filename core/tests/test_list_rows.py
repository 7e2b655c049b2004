"""The portals' list rows as plain values (core.selectors.list_rows): each shows what the agreement itself says, in
one query per page, from a statement compiled once per process."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.masking import mask_id_number
from core.models import Agreement
from core.selectors import get_agreement_for_user
from core.selectors.list_rows import PAGE, AgreementRow, agreement_list_rows
from core.selectors.paging import CompiledRead
from core.services.exports import list_date
from testsupport import World, make_student

pytestmark = pytest.mark.django_db


def _expected(agreement: Agreement) -> dict[str, object]:
    """What a list row showed when it was a model instance (with_list_relations)."""
    termination = agreement.open_termination
    return {
        "pk": agreement.pk,
        "status": agreement.status,
        "paper": agreement.paper,
        "number": agreement.number,
        "invited": list_date(agreement.invited_at),
        "school_name": agreement.school.name,
        "employer_name": agreement.employer.name,
        "student_name": agreement.student.name,
        "id_number": agreement.student.id_number,
        "id_number_masked": mask_id_number(agreement.student.id_number),
        "degree": agreement.student.get_degree_display(),
        "major_name": agreement.student.major.name,
        "college_name": agreement.student.college.name,
        "response_status_label": agreement.response_status_label,
        "review_status_label": agreement.review_status_label,
        "termination": termination and (termination.requester_role, termination.reason, termination.response_remark),
    }


def _shown(row: AgreementRow) -> dict[str, object]:
    termination = row.open_termination
    return {
        **{name: getattr(row, name) for name in AgreementRow.__slots__ if name != "open_termination"},
        "termination": termination and (termination.requester_role, termination.reason, termination.response_remark),
    }


def test_each_row_shows_what_its_agreement_says(world: World) -> None:
    statuses = ("invited", "declined", "college_review", "returned", "effective", "termination_requested")
    agreements = [world.reach(status, student=make_student(world.college)) for status in statuses]
    agreements.append(world.reach("termination_review", student=make_student(world.other_college)))
    rows = {row.pk: row for row in agreement_list_rows([a.pk for a in agreements])}
    for agreement in agreements:
        expected = _expected(get_agreement_for_user(world.school_admin, agreement.pk))
        assert _shown(rows[agreement.pk]) == expected, agreement.status
    asked = rows[agreements[-2].pk]
    assert asked.review_status_label == "签约审核通过"  # as before the 解约 request
    assert asked.open_termination is not None and asked.open_termination.requester_role == "student"
    assert rows[agreements[0].pk].open_termination is None and rows[agreements[0].pk].number is None


def test_a_page_is_one_query_of_one_statement_whatever_its_size(world: World) -> None:
    agreements = [world.reach("invited", student=make_student(world.college)) for _ in range(4)]
    ids = [a.pk for a in agreements]
    built = mock.Mock(wraps=PAGE.build)
    read = CompiledRead(built)
    with CaptureQueriesContext(connection) as queries:
        first = read.rows(ids[:2], using="default")
        second = read.rows(ids[2:], using="default")
        shorter = read.rows(ids[:1], using="default")
    assert built.call_count == 1  # compiled once
    assert len(queries) == 3
    assert {row[0] for row in first} == set(ids[:2]) and {row[0] for row in second} == set(ids[2:])
    assert [row[0] for row in shorter] == ids[:1]
    with CaptureQueriesContext(connection) as none:
        assert agreement_list_rows([]) == []
    assert len(none) == 0


def test_a_compiled_reads_datetimes_are_djangos(world: World) -> None:
    """Read by psycopg's own timestamptz loader where the session is in UTC (core.selectors.paging.native_datetimes),
    by Django's otherwise: the datetimes values_list gives in the same session, either way."""
    agreement = world.reach("effective")
    columns = ("pk", "invited_at", "expires_at", "signed_at", "effective_at", "terminated_at")
    read = CompiledRead(lambda ids: Agreement.objects.filter(pk__any_of=ids).order_by().values_list(*columns))
    sessions = ["UTC", "Asia/Shanghai"] if connection.vendor == "postgresql" else ["UTC"]
    try:
        for session in sessions:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('TimeZone', %s, false)", [session])
            expected = Agreement.objects.filter(pk=agreement.pk).values_list(*columns).get()
            (row,) = read.rows([agreement.pk], using="default")
            assert tuple(row) == expected and row[2] is not None and row[5] is None, session
            assert all(value.tzinfo is datetime.UTC for value in row[1:5]), session
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
