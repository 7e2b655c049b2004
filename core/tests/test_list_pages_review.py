"""Every page of every list, as the plain slice: each viewer, tab, filter, page size and page number (in range, past
the end, 0, negative, not an integer), with the count exact, kept or read with the page, from marks or not."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import Value
from django.test import override_settings

from core.models import Agreement, Job, Province, Role, Status
from core.rules import TABS
from core.selectors import AgreementFilters, agreement_paginator, agreements_visible_to, filter_agreements, paging
from core.selectors.agreement_values import agreement_values_paginator
from core.selectors.list_rows import agreement_list_paginator
from core.selectors.paging import ListPaginator
from testsupport import World, make_student, make_user

pytestmark = pytest.mark.django_db

STATUSES = [
    "invited",
    "declined",
    "withdrawn",
    "college_review",
    "school_review",
    "effective",
    "termination_requested",
    "termination_review",
    "terminated",
]


def _populate(world: World) -> None:
    for i, status in enumerate(STATUSES * 2):
        college = world.college if i % 3 else world.other_college
        employer = world.employer if i % 2 else world.other_employer
        world.reach(status, student=make_student(college), employer=employer)
    for status in STATUSES[:4]:
        world.reach(status, student=make_student(world.outsider_student.college))


def _outcome(paginator: Any, number: Any) -> Any:
    try:
        page = paginator.page(number)
    except InvalidPage as e:
        return type(e).__name__
    return [row["id"] if isinstance(row, dict) else row.pk for row in page.object_list]


def test_every_page_is_the_plain_slice(world: World) -> None:
    _populate(world)
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    viewers = [
        world.school_admin,
        world.college_admin,
        world.other_school_admin,
        world.employer,
        world.other_employer,
        world.student.user,
        make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅"),
    ]
    filters = [AgreementFilters(tab=tab) for tab in TABS] + [
        AgreementFilters(graduation_year=2027),
        AgreementFilters(college_id=world.college.pk),
        AgreementFilters(tab="accepted", name=world.student.name[:1]),
        AgreementFilters(status="invited"),
        AgreementFilters(invited_from=datetime.date(2020, 1, 1)),
    ]
    makers = [agreement_paginator, agreement_values_paginator, agreement_list_paginator]
    cases = 0
    for limit, every in ((10_000, 500), (3, 2), (0, 0)):
        with override_settings(LIST_COUNT_EXACT_LIMIT=limit, LIST_MARK_EVERY=every):
            cache.clear()
            for viewer in viewers:
                for f in filters:
                    qs = filter_agreements(agreements_visible_to(viewer), f)
                    expected = list(qs.values_list("pk", flat=True))
                    for size in (1, 3, 7):
                        plain = Paginator(expected, size)
                        numbers = [*range(1, plain.num_pages + 2), 0, -1, "x", "1.5", 2.0, 2.5, None, 2**63]
                        for n in numbers:
                            maker = makers[cases % len(makers)]
                            pager = maker(qs, size, prepare=f.plannable)
                            got = _outcome(pager, n)
                            want: Any
                            try:
                                want = list(plain.page(n).object_list)
                            except InvalidPage as e:
                                want = type(e).__name__
                            except (TypeError, ValueError):  # plain.page(None)
                                want = "PageNotAnInteger"
                            assert got == want, (viewer.username, f, size, n, limit)
                            assert pager.count == len(expected), (viewer.username, f, size, n, limit)
                            got_page = maker(qs, size, prepare=f.plannable).get_page(n)
                            assert [r["id"] if isinstance(r, dict) else r.pk for r in got_page.object_list] == list(
                                plain.get_page(n).object_list
                            ), (viewer.username, f, size, n, limit)
                            cases += 1
    assert cases > 1000
    print("cases", cases, "compiled", len(paging._COMPILED_IDS), connection.vendor)


def test_a_list_filtered_by_a_subquery_is_not_kept_compiled(world: World) -> None:
    """A province's list (its schools a subquery) hashes by the subquery's identity, new on every request: never found
    again, so it is not kept either (each request's would push the others out of the per-process statements)."""
    world.reach("invited")
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    official = make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")
    paging._COMPILED_IDS.clear()
    for _ in range(3):
        qs = filter_agreements(agreements_visible_to(official), AgreementFilters())
        assert paging._compiled_key(qs.query, qs.db) is None
        assert len(agreement_paginator(qs, 10).page(1).object_list) == 1
    assert paging._COMPILED_IDS == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_only_a_schools_a_colleges_or_an_employers_list_is_prepared(world: World, api: Any) -> None:
    """A province's list (its schools a subquery of its one parameter: a few rows or most of the table) and a
    student's (a join) have no index of their own: their first page is planned for its value; a school admin's, a
    college admin's and an employer's 全部 is prepared."""
    _populate(world)
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    official = make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")
    for viewer, size, expected in (
        (official, 20, False),
        (world.student.user, 20, False),
        (world.college_admin, 20, True),
        (world.school_admin, 20, True),
        (world.employer, 20, True),
        (world.employer, 7, False),  # another page size: a statement of its own, not prepared
    ):
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        cache.clear()
        api.login(viewer)
        response = api.get("/agreements", tab="all", page_size=size)
        assert response.status_code == 200, response.content
        expected_ids = list(agreements_visible_to(viewer).values_list("pk", flat=True))[:size]
        assert [row["id"] for row in response.json()["results"]] == expected_ids
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            statements = [row[0] for row in cursor.fetchall()]
        ids = [sql for sql in statements if 'AS "pk"' in sql]
        assert bool(ids) == expected, (viewer.username, statements)


def test_values_equal_in_python_share_a_statement_only_when_it_reads_the_same_rows(world: World) -> None:
    """Two queries found under one kept statement (True == 1, "2027" == 2027 once prepared, an enum and its code,
    one instant in two zones) read the same rows as each compiled on its own; other schools' never meet."""
    world.reach("invited")
    world.reach("effective", student=make_student(world.college))
    world.reach("invited", student=make_student(world.outsider_student.college))
    base = Agreement.objects.all()
    utc = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    shanghai = utc.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    groups = [
        [
            base.filter(school_id=world.school.pk),
            base.filter(school_id=str(world.school.pk)),
            base.filter(school=world.school),
        ],
        [base.filter(school_id=world.other_school.pk), base.filter(school=world.other_school)],
        [base.filter(status=Status.INVITED), base.filter(status="invited")],
        [base.filter(paper=False), base.filter(paper=0)],  # type: ignore[misc]
        [base.filter(invited_at__gte=utc), base.filter(invited_at__gte=shanghai)],
        [
            base.filter(graduation_year=2027),
            base.filter(graduation_year="2027"),
            base.filter(graduation_year=2027.0),  # type: ignore[misc]
        ],
    ]
    for first in (True, False):
        paging._COMPILED_IDS.clear()
        for group in groups if first else groups[::-1]:
            for qs in group if first else group[::-1]:
                expected = list(qs.values_list("pk", flat=True))
                assert [a.pk for a in agreement_paginator(qs, 10).page(1).object_list] == expected
                assert agreement_paginator(qs, 10).count == len(expected)
        # Each group found under one statement, but an enum and its code: kept apart by their types (_value_types).
        assert len(paging._COMPILED_IDS) == len(groups) + 1


def test_values_equal_in_python_but_compiled_apart_are_kept_apart() -> None:
    """True == 1 (and hash alike), yet a JSON key compiles them `true` and `1`: each its own statement."""
    paging._COMPILED_IDS.clear()
    found = {}
    for value in (True, 1, 1.0, [True], [1]):
        qs = Job.objects.filter(params__x=value).order_by("-pk")
        ids = ListPaginator(qs, 10, lambda ids: [])._ids
        assert ids is not None
        found[repr(value)] = ids[:2]
        sql, params = qs.values_list("pk", flat=True).query.sql_with_params()
        # (psycopg's Jsonb wrapper has no ==: its value compared, with its type)
        plain = [(type(getattr(p, "obj", p)), getattr(p, "obj", p)) for p in params]
        assert (ids[0], [(type(getattr(p, "obj", p)), getattr(p, "obj", p)) for p in ids[1]]) == (sql, plain), value
    assert len(paging._COMPILED_IDS) == len(found)


def test_wrapped_values_equal_in_python_are_kept_apart() -> None:
    """A Value compares by what it wraps (Value(True) == Value(1), and they hash alike), yet the two are different
    parameters: two statements, each with its own."""
    wrapped_true, wrapped_one = (
        paging._compiled_key(Agreement.objects.filter(paper=Value(value)).order_by("-pk").query, "default")
        for value in (True, 1)
    )
    assert wrapped_true is not None and wrapped_one is not None
    assert wrapped_true != wrapped_one
    again = paging._compiled_key(Agreement.objects.filter(paper=Value(1)).order_by("-pk").query, "default")
    assert again == wrapped_one
    # … and so within a list of values
    listed_true, listed_one = (
        paging._compiled_key(Agreement.objects.filter(paper__in=[Value(value)]).order_by("-pk").query, "default")
        for value in (True, 1)
    )
    assert listed_true is not None and listed_one is not None
    assert listed_true != listed_one
