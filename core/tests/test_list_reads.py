"""Lists at scale: the agreement's copies of its student's 毕业年度, name and 院系 stay right through every path that
changes a student; 当前共N条记录 is exact below the limit and at most LIST_COUNT_CACHE_SECONDS old above it; a page
read ids-first holds the same rows as the plain slice; the query count does not grow with the data."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.paginator import EmptyPage
from django.db import connection
from django.db.models.functions import Lower
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Agreement, Major, Student
from core.selectors import AgreementFilters, agreement_paginator, agreements_visible_to, filter_agreements, paging
from core.selectors.paging import _kept_count, _query_digest, count_rows
from core.services.roster import ROSTER_HEADERS, roster_import
from core.services.students import student_update
from testsupport import World, make_student, xlsx_bytes

pytestmark = pytest.mark.django_db


def _copies(agreement: Agreement) -> tuple[int, str, int]:
    agreement.refresh_from_db()
    return agreement.graduation_year, agreement.student_name, agreement.college_id


def _student_form(student: Student, **changes: Any) -> dict[str, Any]:
    data = {f: getattr(student, f) for f in ("name", "gender", "id_number", "phone", "email", "graduation_year")}
    return {**data, "degree": student.degree, "major": str(student.major_id), **changes}


def test_an_invitation_copies_the_students_year_name_and_college(world: World) -> None:
    agreement = world.reach("invited", student=world.other_student)
    assert _copies(agreement) == (2027, "王芳", world.other_college.pk)


def test_a_correction_of_the_student_follows_onto_every_agreement(world: World) -> None:
    declined = world.reach("declined")
    signed = world.reach("effective")
    major = Major.objects.create(college=world.other_college, name="软件工程")
    form = _student_form(world.student, name="李明明", graduation_year="2026", major=str(major.pk))
    student_update(world.student, form, acting_user=world.school_admin)
    for agreement in (signed, declined):
        assert _copies(agreement) == (2026, "李明明", world.other_college.pk)
    others = world.reach("invited", student=world.other_student)
    assert _copies(others) == (2027, "王芳", world.other_college.pk)  # other students' untouched


def test_a_roster_import_updating_the_student_follows_onto_their_agreements(world: World) -> None:
    agreement = world.reach("college_review")
    s = world.student
    row = {
        "学号": s.student_no,
        "姓名": "李明华",
        "性别": s.gender,
        "身份证号": s.id_number,
        "手机号": s.phone,
        "邮箱": s.email,
        "毕业年度": 2028,
        "院系": "新闻学院",
        "专业": "新闻学",
        "学历": "本科",
    }
    upload = xlsx_bytes(list(ROSTER_HEADERS), [[row[h] for h in ROSTER_HEADERS]])
    result = roster_import(world.school, upload, dry_run=False, acting_user=world.school_admin)
    assert result.updated == 1
    moved = Student.objects.get(pk=s.pk)
    assert _copies(agreement) == (2028, "李明华", moved.college_id)
    assert moved.college.name == "新闻学院"


def test_filters_read_the_copies(world: World) -> None:
    world.reach("effective")
    world.reach("invited", student=make_student(world.college, name="李明远", year=2026))
    world.reach("invited", student=make_student(world.college, name="张李明"))
    mine = agreements_visible_to(world.employer)

    def names(**f: Any) -> set[str]:
        return {a.student_name for a in filter_agreements(mine, AgreementFilters(**f))}

    assert names(graduation_year=2026) == {"李明远"}
    assert names(name="李明") == {"李明", "李明远"}  # from the first character
    assert names(name="李") == {"李明", "李明远"}
    assert names(name="明") == set()


@override_settings(LIST_COUNT_EXACT_LIMIT=3)
def test_the_count_is_exact_up_to_the_limit_then_at_most_the_cache_time_old(world: World) -> None:
    students = [make_student(world.college) for _ in range(5)]
    for student in students[:3]:
        world.reach("invited", student=student)
    mine = agreements_visible_to(world.employer)
    assert count_rows(mine) == 3
    world.reach("invited", student=students[3])
    assert count_rows(mine) == 4  # 3 was exact: nothing kept
    world.reach("invited", student=students[4])
    assert count_rows(mine) == 4  # above the limit: the count kept for LIST_COUNT_CACHE_SECONDS
    assert count_rows(mine.filter(status="invited")) == 5  # another filter is another count
    cache.clear()  # what LIST_COUNT_CACHE_SECONDS' expiry does
    assert count_rows(mine) == 5
    assert count_rows(mine.none()) == 0


@override_settings(LIST_COUNT_CACHE_SECONDS=0)
def test_with_no_cache_time_the_count_is_always_exact(world: World) -> None:
    with override_settings(LIST_COUNT_EXACT_LIMIT=0):
        mine = agreements_visible_to(world.employer)
        world.reach("invited")
        assert count_rows(mine) == 1
        world.reach("invited", student=world.other_student)
        assert count_rows(mine) == 2


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_COUNT_CACHE_SECONDS=60, LIST_COUNT_GRACE_SECONDS=10)
def test_a_stale_count_is_recounted_once_while_the_others_show_the_kept_one() -> None:
    """Past LIST_COUNT_CACHE_SECONDS the first to ask recounts; whoever asks meanwhile (another worker) shows the kept
    count instead of counting too. A recount that never finishes leaves the count to expire after the grace."""
    query = ("default", "SELECT the list", (1,))
    counts: list[int] = []

    def count(n: int) -> Callable[[], int]:
        def counting() -> int:
            counts.append(n)
            return n

        return counting

    with time_machine.travel(time.time(), tick=False) as clock:
        assert _kept_count(query, count(100)) == 100
        assert _kept_count(query, count(101)) == 100
        assert counts == [100]
        clock.shift(61)

        def recount() -> int:
            assert _kept_count(query, count(999)) == 100  # asked during the recount: the kept count
            return count(102)()

        assert _kept_count(query, recount) == 102
        assert _kept_count(query, count(103)) == 102
        assert counts == [100, 102]

        clock.shift(61)

        def dies() -> int:
            raise RuntimeError("the worker was recycled mid-count")

        with pytest.raises(RuntimeError):
            _kept_count(query, dies)
        assert _kept_count(query, count(104)) == 102  # the claim is still held: the kept count
        clock.shift(10)  # the grace is over: count and claim expired together
        assert _kept_count(query, count(105)) == 105
        assert counts == [100, 102, 105]

        clock.shift(61)
        assert _kept_count(query, count(2)) == 2  # at or below the limit again: not kept, and exact from now on
        assert _kept_count(query, count(3)) == 3


def test_pages_read_ids_first_hold_the_plain_slices(world: World) -> None:
    for n in range(7):
        world.reach(("invited", "college_review", "declined")[n % 3], student=make_student(world.college))
    qs = filter_agreements(agreements_visible_to(world.school_admin), AgreementFilters())
    expected = list(qs.values_list("pk", flat=True))
    paginator = agreement_paginator(qs, 3)
    assert (paginator.count, paginator.num_pages) == (7, 3)
    pages = [[a.pk for a in paginator.page(n).object_list] for n in (1, 2, 3)]
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    row = paginator.page(1).object_list[0]
    with CaptureQueriesContext(connection) as ctx:
        shown = (row.student.school.name, row.student.major.name, row.student.college.name, row.employer.name)
    assert shown[0] == world.school.name and len(ctx) == 0  # everything a row shows is read with the page


def test_a_lists_count_is_its_ids_statement_counted(world: World) -> None:
    """ListPaginator counts the statement it reads the ids with, less its ORDER BY (compiled once): the count Django
    gives for every filter, a name with LIKE's own characters too; an ordering by an expression counted by Django."""
    world.reach("effective")
    world.reach("invited", student=make_student(world.college, name="李明远", year=2026))
    world.reach("invited", student=make_student(world.college, name="李%_明"))
    world.reach("declined", student=make_student(world.other_college, name="张\\三"))
    mine = agreements_visible_to(world.school_admin)
    filters = [
        AgreementFilters(),
        AgreementFilters(tab="accepted"),
        AgreementFilters(graduation_year=2026),
        AgreementFilters(name="李"),
        AgreementFilters(name="李%"),
        AgreementFilters(name="李%_"),
        AgreementFilters(name="张\\"),
        AgreementFilters(name="_"),
        AgreementFilters(status="declined", college_id=world.other_college.pk),
        AgreementFilters(employer_name="%", nature="10"),
    ]
    seen = {}
    for f in filters:
        qs = filter_agreements(mine, f)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            counted = agreement_paginator(qs, 2).count
        assert counted == qs.count(), f
        (query,) = ctx.captured_queries
        assert query["sql"].startswith("SELECT COUNT(*) FROM (") and "ORDER BY" not in query["sql"], f
        seen[f] = counted
    assert (
        seen[AgreementFilters(name="李%")] == 1 and seen[AgreementFilters(name="_")] == 0
    )  # LIKE's characters as typed
    assert seen[AgreementFilters(name="李")] == 3 and seen[AgreementFilters()] == 4
    assert agreement_paginator(mine.none(), 2).count == 0
    by_expression = filter_agreements(mine, AgreementFilters()).order_by(Lower("student_name"), "-pk")
    assert agreement_paginator(by_expression, 2).count == 4


def _page_queries(world: World) -> int:
    qs = filter_agreements(agreements_visible_to(world.employer), AgreementFilters(tab="all"))
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page = agreement_paginator(qs, 2).get_page(2)
        for a in page.object_list:
            str((a.student.school.name, a.student.major.name, a.employer.name, a.review_status_label))
    return len(ctx)


def test_a_page_costs_the_same_queries_at_two_sizes(world: World) -> None:
    for _ in range(3):
        world.reach("college_review", student=make_student(world.college))
    small = _page_queries(world)
    for n in range(9):
        student = make_student(world.other_college, major="计算机科学与技术", name=f"甲{n}")
        world.reach(("termination_requested", "invited", "returned")[n % 3], student=student)
    assert _page_queries(world) == small


def test_a_rows_open_termination_is_read_with_its_row(world: World) -> None:
    """The open 解约 a row shows is joined in the rows' query (issue 22), as is the student: a page is the ids with the
    count, and the rows, with no query of the terminations or the students of its own."""
    asked = world.reach("termination_requested")
    world.reach("invited", student=world.other_student)
    qs = filter_agreements(agreements_visible_to(world.employer), AgreementFilters(tab="all"))
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        rows = {a.pk: a for a in agreement_paginator(qs, 10).page(1).object_list}
        shown = {pk: (a.open_termination, a.review_status_label) for pk, a in rows.items()}
        names = [
            (a.student.name, a.student.major.name, a.student.college.name, a.student.school.code) for a in rows.values()
        ]
    own_reads = [
        q for q in ctx.captured_queries if 'FROM "core_termination"' in q["sql"] or 'FROM "core_student"' in q["sql"]
    ]
    assert len(ctx) == 2 and not own_reads
    assert len(names) == 2 and all(all(name) for name in names)
    termination = shown[asked.pk][0]
    assert termination is not None and termination.requester_role == "student"
    assert [a for a in shown.values() if a[0] is None] and len(shown) == 2


def test_the_backfill_statement_is_what_follow_students_does(world: World) -> None:
    """The migration's set-based UPDATE copies the same three values (run here on an agreement put out of step)."""
    from importlib import import_module

    backfill = import_module("core.migrations.0011_agreement_denormalised").BACKFILL
    agreement = world.reach("effective")
    Agreement.objects.filter(pk=agreement.pk).update(graduation_year=1999, student_name="", college=world.other_college)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert _copies(agreement) == (2027, "李明", world.college.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_only_a_pages_rows_are_a_prepared_statement(world: World) -> None:
    """The rows' eight-table join is planned once per connection (a prepared statement); the list's filtered
    queries (ids, count) are not prepared, so they keep a plan made for their values (a skewed employer's)."""
    world.reach("invited")
    world.reach("invited", student=world.other_student)
    qs = filter_agreements(agreements_visible_to(world.employer), AgreementFilters(tab="all"))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for _ in range(2):
        cache.clear()
        rows = list(agreement_paginator(qs, 10).page(1).object_list)
    assert len(rows) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == 1 and 'LEFT OUTER JOIN "core_termination" open_termination_row' in statements[0]


def _school_list(world: World, n: int) -> list[int]:
    """`n` agreements of the school, several sharing one 邀请日期 (the id breaks the tie); their ids in list order."""
    start = timezone.now() - datetime.timedelta(days=1)
    for i in range(n):
        agreement = world.reach("invited", student=make_student(world.college))
        Agreement.objects.filter(pk=agreement.pk).update(invited_at=start + datetime.timedelta(minutes=i // 3))
    return list(agreements_visible_to(world.school_admin).values_list("pk", flat=True))


def _page_ids(qs: Any, number: int, per_page: int = 2) -> tuple[list[int], list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        ids = [a.pk for a in agreement_paginator(qs, per_page).page(number).object_list]
    return ids, [q["sql"] for q in ctx.captured_queries]


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_MARK_EVERY=4)
def test_a_deep_page_is_read_from_its_mark_and_holds_the_same_rows(world: World) -> None:
    """Every page of a list whose count is kept, from both ends: the first read of a page past LIST_MARK_EVERY keeps
    the mark (the key of the row at its multiple of LIST_MARK_EVERY), the next reads start from it — a row comparison,
    skipping fewer than LIST_MARK_EVERY rows — and show the very same rows."""
    expected = _school_list(world, 17)
    qs = agreements_visible_to(world.school_admin)
    cache.clear()
    pages = [expected[i : i + 2] for i in range(0, 17, 2)]
    kept: set[tuple[bool, int]] = set()
    for read in range(2):
        for number, rows in enumerate(pages, start=1):
            ids, sqls = _page_ids(qs, number)
            assert ids == rows, (read, number)
            (ids_sql,) = [sql for sql in sqls if "ORDER BY" in sql and "COUNT" not in sql and "JOIN" not in sql]
            offset = int(m[1]) if (m := re.search(r"OFFSET (\d+)", ids_sql)) else 0
            backwards = (number - 1) * 2 > 17 // 2
            skip = max(17 - number * 2, 0) if backwards else (number - 1) * 2
            mark = (backwards, skip - skip % 4)
            from_mark = ") <= (" in ids_sql or ") >= (" in ids_sql
            assert from_mark == (skip >= 4 and mark in kept), (read, number, ids_sql)
            assert offset < 4 or not from_mark, (read, number, ids_sql)
            if skip >= 4:
                kept.add(mark)
    assert kept == {(False, 4), (False, 8), (True, 4)}  # pages 3–5 forwards, 6 backwards (skipping 5; 7–9 fewer)


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_MARK_EVERY=4)
def test_a_page_from_a_mark_is_where_the_list_stood_until_the_mark_expires(world: World) -> None:
    """Rows added above a mark do not move the pages read from it (as the kept 当前共N条记录 does not count them) until
    LIST_COUNT_CACHE_SECONDS has passed (here: the cache cleared); then the pages are read anew, exact."""
    expected = _school_list(world, 13)
    qs = agreements_visible_to(world.school_admin)
    cache.clear()
    assert _page_ids(qs, 3)[0] == expected[4:6]  # keeps the mark at 4
    newest = world.reach("invited", student=make_student(world.college))
    assert _page_ids(qs, 3)[0] == expected[4:6]
    cache.clear()
    now = [newest.pk, *expected]
    assert list(qs.values_list("pk", flat=True)) == now
    assert _page_ids(qs, 3)[0] == now[4:6]


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_MARK_EVERY=4)
def test_a_list_that_cannot_be_sought_skips_its_rows(world: World) -> None:
    """An ordering by an expression, or not ending in the id, has no mark: its pages are read with OFFSET, right."""
    _school_list(world, 9)
    for ordered in (
        agreements_visible_to(world.school_admin).order_by(Lower("student_name"), "-pk"),
        agreements_visible_to(world.school_admin).order_by("-invited_at"),
    ):
        expected = list(ordered.values_list("pk", flat=True))
        cache.clear()
        for read in range(2):
            ids, sqls = _page_ids(ordered, 4)
            assert ids == expected[6:8], read
            assert not any(") <= (" in sql or ") >= (" in sql for sql in sqls)


@override_settings(LIST_COUNT_EXACT_LIMIT=20, LIST_MARK_EVERY=4)
def test_a_list_counted_exactly_is_read_exactly(world: World) -> None:
    """At or below LIST_COUNT_EXACT_LIMIT every page is exact on every request: no mark is kept nor read."""
    expected = _school_list(world, 13)
    qs = agreements_visible_to(world.school_admin)
    for read in range(2):
        ids, sqls = _page_ids(qs, 3)
        assert ids == expected[4:6] and not any(") <= (" in sql for sql in sqls), read


@pytest.mark.parametrize("junk", ["junk", 7, (1,), ("not a date", 1), (None, None), [1, 2]])
@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_MARK_EVERY=4)
def test_a_mark_that_cannot_be_read_is_no_mark(world: World, junk: Any) -> None:
    """Whatever the cache holds under a mark's key (another program's value, a format this release does not write),
    the page is read as without a mark, right, and the mark is kept anew: never a 500, never an empty page."""
    expected = _school_list(world, 9)
    qs = agreements_visible_to(world.school_admin)
    sql, params, alias = agreement_paginator(qs, 2)._ids  # type: ignore[misc]
    key = f"list-mark:v1:{_query_digest((alias, sql, params))}:start:4"
    cache.set(key, junk)
    assert _page_ids(qs, 3)[0] == expected[4:6]
    assert cache.get(key) == tuple(Agreement.objects.filter(pk=expected[4]).values_list("invited_at", "id").get())
    ids, sqls = _page_ids(qs, 3)
    assert ids == expected[4:6] and any(") <= (" in sql for sql in sqls)


@override_settings(LIST_COUNT_EXACT_LIMIT=3)
@pytest.mark.parametrize("junk", ["1234", 7, (5,), ("many", 1.0), [5, 1.0], (5, None)])
def test_a_kept_count_that_is_no_count_is_counted_anew(world: World, junk: Any) -> None:
    """Whatever the cache holds under a count's key that is not (count, fresh until) — a previous release's value,
    another program's — is no count: the list is counted again (no 500) and the real count kept over it."""
    _school_list(world, 5)
    qs = agreements_visible_to(world.school_admin)
    paginator = agreement_paginator(qs, 2)
    assert paginator._ids is not None
    sql, params, alias = paginator._ids
    key = "list-count:v2:" + _query_digest((alias, sql, params))
    cache.set(key, junk)
    assert agreement_paginator(qs, 2).count == 5
    assert cache.get(key)[0] == 5


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_MARK_EVERY=2)
def test_an_ordering_by_a_relation_is_never_sought(world: World) -> None:
    """A relation in the ordering orders by the related model's own ordering, not by its column: such a list keeps
    OFFSET (and its pages stay right)."""
    _school_list(world, 7)
    ordered = agreements_visible_to(world.school_admin).order_by("-employer", "-id")
    assert agreement_paginator(ordered, 2)._sort_key is None
    expected = list(ordered.values_list("pk", flat=True))
    cache.clear()
    for _ in range(2):
        ids, sqls = _page_ids(ordered, 3)
        assert ids == expected[4:6] and not any(") <= (" in sql or ") >= (" in sql for sql in sqls)


def test_a_short_lists_count_is_read_with_its_page(world: World) -> None:
    """A list of at most LIST_COUNT_EXACT_LIMIT rows, counted on every request, is counted in the statement that reads
    its page's ids (a window over its first rows): a page is that statement and the rows'. Every page is the plain
    slice (ties of 邀请日期 broken by the id), the count exact, a new row counted and shown at once."""
    expected = _school_list(world, 7)
    qs = agreements_visible_to(world.school_admin)
    for number in range(1, 5):
        paginator = agreement_paginator(qs, 2)
        with CaptureQueriesContext(connection) as ctx:
            ids = [a.pk for a in paginator.page(number).object_list]
            assert paginator.count == 7
        assert ids == expected[(number - 1) * 2 : number * 2], number
        assert len(ctx) == 2 and "COUNT(*) OVER ()" in ctx.captured_queries[0]["sql"], number
    with CaptureQueriesContext(connection) as ctx:  # as the HTML lists ask (?page=2): Django's get_page
        assert [a.pk for a in agreement_paginator(qs, 2).get_page("2").object_list] == expected[2:4]
    assert len(ctx) == 2 and "COUNT(*) OVER ()" in ctx.captured_queries[0]["sql"]
    newest = world.reach("invited", student=make_student(world.college))
    paginator = agreement_paginator(qs, 2)
    assert [a.pk for a in paginator.page(1).object_list] == [newest.pk, expected[0]] and paginator.count == 8


def test_a_page_past_a_short_lists_end_is_refused_with_the_count(world: World) -> None:
    """A page number past the end finds no row to carry the count: the list is counted on its own, the page refused
    (get_page shows the last one); a first page with no row is an empty list, counted 0 without a second statement."""
    expected = _school_list(world, 7)
    qs = agreements_visible_to(world.school_admin)
    paginator = agreement_paginator(qs, 2)
    with pytest.raises(EmptyPage):
        paginator.page(9)
    assert (paginator.count, paginator.num_pages) == (7, 4)
    last = agreement_paginator(qs, 2).get_page(9)
    assert last.number == 4 and [a.pk for a in last.object_list] == expected[6:]
    assert [a.pk for a in agreement_paginator(qs, 2).get_page("abc").object_list] == expected[:2]
    with pytest.raises(EmptyPage):
        agreement_paginator(qs, 2).page(0)
    empty = agreement_paginator(qs.filter(status="effective"), 2)
    with CaptureQueriesContext(connection) as ctx:
        assert list(empty.page(1).object_list) == [] and empty.count == 0
    assert len(ctx) == 1


@override_settings(LIST_COUNT_EXACT_LIMIT=3)
def test_a_list_longer_than_the_limit_read_with_its_page_is_counted_and_kept(world: World) -> None:
    """The window counts a list's first LIST_COUNT_EXACT_LIMIT + 1 rows: more than the limit is a long list, counted in
    full and kept as before; while the count is kept, its pages are read without the window."""
    expected = _school_list(world, 7)
    qs = agreements_visible_to(world.school_admin)
    cache.clear()
    paginator = agreement_paginator(qs, 2)
    assert [a.pk for a in paginator.page(2).object_list] == expected[2:4] and paginator.count == 7
    newest = world.reach("invited", student=make_student(world.college))
    ids, sqls = _page_ids(qs, 2)
    assert ids == [newest.pk, *expected][2:4] and agreement_paginator(qs, 2).count == 7  # the kept count
    assert len(sqls) == 2 and not any("OVER ()" in sql for sql in sqls)


def test_a_list_that_cannot_be_sought_is_counted_apart(world: World) -> None:
    """An ordering that is no sort key (an expression) cannot be paged in the window's order: counted on its own."""
    _school_list(world, 5)
    ordered = agreements_visible_to(world.school_admin).order_by(Lower("student_name"), "-pk")
    expected = list(ordered.values_list("pk", flat=True))
    ids, sqls = _page_ids(ordered, 2)
    assert ids == expected[2:4] and len(sqls) == 3 and not any("OVER ()" in sql for sql in sqls)


def test_a_lists_ids_statement_is_compiled_once_per_process_for_its_conditions(world: World) -> None:
    """A plain list's ids statement is kept per process under its conditions with their values: the same list asked
    again is not compiled again, another school's (another scope value) or another 毕业年度 is its own statement with
    its own rows, a date filter under another time zone is compiled anew, and a filter joining another table is
    compiled on every request."""
    mine = world.reach("invited")
    theirs = world.reach("invited", student=world.outsider_student)
    paging._COMPILED_IDS.clear()
    for viewer, expected in ((world.school_admin, [mine.pk]), (world.other_school_admin, [theirs.pk])) * 2:
        qs = filter_agreements(agreements_visible_to(viewer), AgreementFilters(tab="pending"))
        assert [a.pk for a in agreement_paginator(qs, 10).page(1).object_list] == expected
    assert len(paging._COMPILED_IDS) == 2
    pending = filter_agreements(agreements_visible_to(world.school_admin), AgreementFilters(tab="pending"))
    assert agreement_paginator(pending, 10)._ids is agreement_paginator(pending, 10)._ids is not None
    years = [
        agreement_paginator(filter_agreements(pending, AgreementFilters(graduation_year=year)), 10)._ids
        for year in (2026, 2027)
    ]
    assert years[0] is not None and years[1] is not None and years[0][1] != years[1][1]
    dated = filter_agreements(pending, AgreementFilters(invited_from=datetime.date(2026, 1, 1)))
    here = agreement_paginator(dated, 10)._ids
    with timezone.override(datetime.UTC):
        utc = agreement_paginator(dated, 10)._ids
        assert [a.pk for a in agreement_paginator(dated, 10).page(1).object_list] == [mine.pk]
    assert here is not None and utc is not None and here[:2] != utc[:2]
    joined = filter_agreements(pending, AgreementFilters(employer_name=world.employer.employer.name))
    assert paging._compiled_key(joined.query, joined.db) is None
    assert agreement_paginator(joined, 10)._ids is not agreement_paginator(joined, 10)._ids
    assert [a.pk for a in agreement_paginator(joined, 10).page(1).object_list] == [mine.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_plannable_lists_first_page_is_a_prepared_statement(world: World) -> None:
    """The first page of a list as first opened — a tab with an index of its own, the viewer's scope that index's
    keys, the tab's statuses written into the statement — is prepared (one generic plan per connection after
    PostgreSQL's first five); a 待应约 tab, a 毕业年度, a college admin's 已应约 (no index of its own) or a deeper
    page are not, their best plan depending on the values. Every page is the plain slice either way."""
    for status in ("invited", "effective", "college_review"):
        world.reach(status, student=make_student(world.college))
    cases = [
        (world.school_admin, AgreementFilters(tab="all"), 1, True),
        (world.school_admin, AgreementFilters(tab="accepted"), 1, True),
        (world.employer, AgreementFilters(tab="all"), 1, True),
        (world.employer, AgreementFilters(tab="terminating"), 1, True),
        (world.school_admin, AgreementFilters(tab="pending"), 1, False),
        (world.school_admin, AgreementFilters(graduation_year=2027), 1, False),
        (world.school_admin, AgreementFilters(name="学"), 1, False),
        (world.college_admin, AgreementFilters(tab="all"), 1, True),
        (world.college_admin, AgreementFilters(tab="accepted"), 1, False),
        (world.college_admin, AgreementFilters(tab="terminating"), 1, False),
        (world.school_admin, AgreementFilters(tab="all"), 2, False),
    ]
    for viewer, filters, number, expected in cases:
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        cache.clear()
        qs = filter_agreements(agreements_visible_to(viewer), filters)
        page = agreement_paginator(qs, 1, prepare=filters.plannable_for(viewer)).get_page(number)
        assert [a.pk for a in page.object_list] == list(qs.values_list("pk", flat=True))[number - 1 : number]
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            statements = [row[0] for row in cursor.fetchall()]
        ids = [sql for sql in statements if 'AS "pk"' in sql]
        assert bool(ids) == expected, (viewer.username, filters, number, statements)
        assert all("IN ('" in sql or filters.tab == "all" for sql in ids), ids
        assert all(sql.count("$") == (2 if viewer == world.college_admin else 1) for sql in ids), ids


def test_one_of_writes_codes_only() -> None:
    """The statuses a tab writes into its statement are codes; anything else is refused, never written."""
    sql = str(Agreement.objects.filter(status__one_of=("invited", "effective")).values("pk").query)
    assert "IN ('invited', 'effective')" in sql
    for junk in (("it's",), ("a b",), ()):
        with pytest.raises(ValueError):
            str(Agreement.objects.filter(status__one_of=junk).values("pk").query)
