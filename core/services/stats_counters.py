"""统计 counters: kept right by the workflow functions, in the same transaction as the change they count.

The statistics page reads `core.models.StatsCounter` (a few thousand rows per school and year) instead of grouping
a million agreements. Every write that changes what is counted calls one function here inside its transaction:

- `count_agreement(agreement, before=...)`: an agreement was created or changed status (core.services.agreements,
  `_set_status` and `agreements_invite`). `before` is `agreement_metrics(old status, effective_at)`, () for a new one.
- `count_students_added(students)`: students entered the roster (生源导入); the roster count (`students`, the
  denominator of 签约率 and 去向落实率) is kept here too, so the page never groups the year's students.
- `count_students_moved({student_id: old key})`: students changed school, college, major or 毕业年度 (生源更正,
  roster import); what they contribute moves with them.

Concurrency (PostgreSQL): one `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per call, its rows sorted,
so two transactions lock counter rows in the same order and cannot deadlock each other here. A key is spread over
`WANGQIAN_STATS_SLOTS` rows by the student's id, so concurrent accepts in one major mostly touch different rows
(a row lock is held until commit). `counters_rebuild()` recounts everything under a table lock that waits for
open counter writes; `counters_diff()` compares the table with a full recount (the test and `manage.py
stats_rebuild --check`).

What is counted comes from sources: agreements, and 毕业去向 (metric `placed`: `DESTINATIONS_SOURCE`, registered by
core.services.destinations, whose every change calls `count_destination`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.db.models.functions import Mod

from core import codes
from core.models import Agreement, StatsCounter, Status, Student
from core.models.destinations import Destination, DestinationStatus
from core.rules import EFFECTIVE_STATUSES, effective_q

if TYPE_CHECKING:
    import datetime

# (school_id, graduation_year, college_id, major_id): where a student's contributions are counted.
Key = tuple[int, int, int, int]
# A counter row: key, metric, slot.
Cell = tuple[Key, str, int]

EFFECTIVE = "effective"
PLACED = "placed"
STUDENTS = "students"


def status_metric(status: str) -> str:
    return f"status:{status}"


def agreement_metrics(status: str, effective_at: datetime.datetime | None) -> tuple[str, ...]:
    """What one agreement contributes: its status, and `effective` while it counts for 签约率 (core.rules)."""
    if status in EFFECTIVE_STATUSES and effective_at is not None:
        return (status_metric(status), EFFECTIVE)
    return (status_metric(status),)


def slot_of(student_id: int) -> int:
    return student_id % max(1, settings.WANGQIAN_STATS_SLOTS)


def student_key(student: Student) -> Key:
    return (student.school_id, student.graduation_year, student.college_id, student.major_id)


# --- sources ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One kind of counted thing.

    `recount()` yields (key, metric, slot, n) for everything, from the source's own tables (set-based);
    `per_student(ids)` yields (student_id, metric), one pair per unit the student contributes now."""

    name: str
    metrics: Callable[[], Iterable[str]]
    recount: Callable[[], Iterable[tuple[Key, str, int, int]]]
    per_student: Callable[[list[int]], Iterable[tuple[int, str]]]


def _agreements_recount() -> Iterable[tuple[Key, str, int, int]]:
    slots = max(1, settings.WANGQIAN_STATS_SLOTS)
    fields = ("student__school_id", "student__graduation_year", "student__college_id", "student__major_id", "slot")
    base = Agreement.objects.annotate(slot=Mod(F("student_id"), slots)).order_by()
    for row in base.values(*fields, "status").annotate(n=Count("id")):
        yield _row_key(row), status_metric(row["status"]), row["slot"], row["n"]
    for row in base.filter(effective_q()).values(*fields).annotate(n=Count("id")):
        yield _row_key(row), EFFECTIVE, row["slot"], row["n"]


def _row_key(row: Mapping[str, Any]) -> Key:
    return (
        row["student__school_id"],
        row["student__graduation_year"],
        row["student__college_id"],
        row["student__major_id"],
    )


def _agreements_per_student(student_ids: list[int]) -> Iterable[tuple[int, str]]:
    rows = Agreement.objects.filter(student_id__in=student_ids).values_list("student_id", "status", "effective_at")
    for student_id, status, effective_at in rows.order_by():
        for metric in agreement_metrics(status, effective_at):
            yield student_id, metric


def _students_recount() -> Iterable[tuple[Key, str, int, int]]:
    slots = max(1, settings.WANGQIAN_STATS_SLOTS)
    fields = ("school_id", "graduation_year", "college_id", "major_id", "slot")
    rows = Student.objects.annotate(slot=Mod(F("pk"), slots)).order_by().values(*fields).annotate(n=Count("*"))
    for row in rows:
        key = (row["school_id"], row["graduation_year"], row["college_id"], row["major_id"])
        yield key, STUDENTS, row["slot"], row["n"]


def _students_per_student(student_ids: list[int]) -> Iterable[tuple[int, str]]:
    for student_id in Student.objects.filter(pk__in=student_ids).values_list("pk", flat=True):
        yield student_id, STUDENTS


SOURCES: list[Source] = [
    Source(
        name="agreements",
        metrics=lambda: [*(status_metric(s) for s in _all_statuses()), EFFECTIVE],
        recount=_agreements_recount,
        per_student=_agreements_per_student,
    ),
    # The roster: every student counts once where they are (a student is never deleted, only moved).
    Source(name="students", metrics=lambda: [STUDENTS], recount=_students_recount, per_student=_students_per_student),
]


def destination_placed(status: str, code: str) -> bool:
    """去向落实: the graduate's current 去向 is approved and of a placed kind (not 待就业 or 暂不就业)."""
    return status == DestinationStatus.APPROVED and code in codes.placed_destination_codes()


def _destinations_placed() -> QuerySet[Destination]:
    return Destination.objects.filter(
        status=DestinationStatus.APPROVED, code__in=codes.placed_destination_codes()
    ).order_by()


def _destinations_recount() -> Iterable[tuple[Key, str, int, int]]:
    slots = max(1, settings.WANGQIAN_STATS_SLOTS)
    fields = ("student__school_id", "student__graduation_year", "student__college_id", "student__major_id", "slot")
    rows = _destinations_placed().annotate(slot=Mod(F("student_id"), slots)).values(*fields).annotate(n=Count("id"))
    for row in rows:
        yield _row_key(row), PLACED, row["slot"], row["n"]


def _destinations_per_student(student_ids: list[int]) -> Iterable[tuple[int, str]]:
    for student_id in _destinations_placed().filter(student_id__in=student_ids).values_list("student_id", flat=True):
        yield student_id, PLACED


# 毕业去向登记 registers this (core.services.destinations) and calls `count_destination` on every change.
DESTINATIONS_SOURCE = Source(
    name="destinations",
    metrics=lambda: [PLACED],
    recount=_destinations_recount,
    per_student=_destinations_per_student,
)


def _all_statuses() -> list[str]:
    return [s.value for s in Status]


def register_source(source: Source) -> None:
    """Add a counted kind (毕业去向 adds `placed`); registering the same name twice replaces it."""
    SOURCES[:] = [s for s in SOURCES if s.name != source.name] + [source]


def counts_metric(metric: str) -> bool:
    """Whether some source maintains `metric` (the statistics fall back to agreements for 落实 until 去向 does)."""
    return any(metric in source.metrics() for source in SOURCES)


# --- writes -----------------------------------------------------------------------------------------------

_UPSERT_ROWS = 100  # 7 parameters a row: well under SQLite's and PostgreSQL's parameter limits


def _apply(deltas: Mapping[Cell, int]) -> None:
    """Add each delta to its counter row, creating rows as needed; rows in one fixed order (no deadlocks)."""
    rows = sorted((cell, d) for cell, d in deltas.items() if d)
    if not rows:
        return
    table = StatsCounter._meta.db_table
    for start in range(0, len(rows), _UPSERT_ROWS):
        chunk = rows[start : start + _UPSERT_ROWS]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for ((school, year, college, major), metric, slot), delta in chunk:
            params += [school, year, college, major, metric, slot, delta]
        sql = (
            f"INSERT INTO {table} (school_id, graduation_year, college_id, major_id, metric, slot, n) "
            f"VALUES {values} "
            "ON CONFLICT (school_id, graduation_year, college_id, major_id, metric, slot) "
            f"DO UPDATE SET n = {table}.n + excluded.n"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def count_agreement(agreement: Agreement, *, before: Iterable[str]) -> None:
    """The agreement's contribution went from `before` to what its status says now. Call inside the
    transaction that changed it, with `agreement.student` loaded."""
    after = agreement_metrics(agreement.status, agreement.effective_at)
    delta = Counter(after)
    delta.subtract(before)
    if not any(delta.values()):
        return
    key, slot = student_key(agreement.student), slot_of(agreement.student_id)
    _apply({(key, metric, slot): n for metric, n in delta.items()})


def count_student_metric(student: Student, metric: str, *, before: bool, after: bool) -> None:
    """A yes/no fact about one student changed (去向落实: `placed`); inside the transaction that changed it."""
    if before != after:
        _apply({(student_key(student), metric, slot_of(student.pk)): 1 if after else -1})


def count_destination(destination: Destination, *, before: tuple[str, str]) -> None:
    """A 毕业去向 changed from (status, code) `before` to what it holds now; inside that transaction, with
    `destination.student` loaded."""
    count_student_metric(
        destination.student,
        PLACED,
        before=destination_placed(*before),
        after=destination_placed(destination.status, destination.code),
    )


def count_students_added(students: Iterable[tuple[int, Key]]) -> None:
    """New students (id, key) join the roster count; inside the transaction that created them."""
    deltas: Counter[Cell] = Counter()
    for student_id, key in students:
        deltas[key, STUDENTS, slot_of(student_id)] += 1
    _apply(deltas)


def count_students_moved(old_keys: Mapping[int, Key]) -> None:
    """Students whose school, college, major or 毕业年度 changed (ids → key before the change) take what they
    contribute along. Call inside the transaction that changed them, after the change."""
    if not old_keys:
        return
    ids = list(old_keys)
    new_keys = {
        pk: (school, year, college, major)
        for pk, school, year, college, major in Student.objects.filter(pk__in=ids).values_list(
            "pk", "school_id", "graduation_year", "college_id", "major_id"
        )
    }
    moved = [pk for pk in ids if pk in new_keys and new_keys[pk] != old_keys[pk]]
    if not moved:
        return
    deltas: Counter[Cell] = Counter()
    for source in SOURCES:
        for student_id, metric in source.per_student(moved):
            slot = slot_of(student_id)
            deltas[old_keys[student_id], metric, slot] -= 1
            deltas[new_keys[student_id], metric, slot] += 1
    _apply(deltas)


def student_keys(student_ids: Iterable[int]) -> dict[int, Key]:
    """The keys of these students now, to pass to `count_students_moved` after changing them."""
    rows = Student.objects.filter(pk__in=list(student_ids)).values_list(
        "pk", "school_id", "graduation_year", "college_id", "major_id"
    )
    return {pk: (school, year, college, major) for pk, school, year, college, major in rows}


# --- recount ----------------------------------------------------------------------------------------------


def full_recount() -> dict[Cell, int]:
    """What the table should hold, counted from scratch by every source."""
    counts: Counter[Cell] = Counter()
    for source in SOURCES:
        for key, metric, slot, n in source.recount():
            counts[key, metric, slot] += n
    return {cell: n for cell, n in counts.items() if n}


def _stored() -> dict[Cell, int]:
    rows = StatsCounter.objects.values_list(
        "school_id", "graduation_year", "college_id", "major_id", "metric", "slot", "n"
    ).order_by()
    return {((school, year, college, major), metric, slot): n for school, year, college, major, metric, slot, n in rows}


def _by_key_and_metric(cells: Mapping[Cell, int]) -> dict[tuple[Key, str], int]:
    """Slots summed: readers only ever see these sums, and a changed slot count moves nothing."""
    sums: Counter[tuple[Key, str]] = Counter()
    for (key, metric, _slot), n in cells.items():
        sums[key, metric] += n
    return {k: n for k, n in sums.items() if n}


def counters_diff() -> dict[tuple[Key, str], tuple[int, int]]:
    """(key, metric) → (stored, recounted) wherever the table disagrees with a full recount; {} when right."""
    stored = _by_key_and_metric(_stored())
    expected = _by_key_and_metric(full_recount())
    keys = stored.keys() | expected.keys()
    return {k: (stored.get(k, 0), expected.get(k, 0)) for k in keys if stored.get(k, 0) != expected.get(k, 0)}


def _lock_table() -> None:
    if connection.vendor == "postgresql":
        # Conflicts with the ROW EXCLUSIVE lock every counter write takes: waits for open writers to commit, and
        # writers that come later wait for the rebuild, then add their change to the recounted figures.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {StatsCounter._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    # SQLite: every transaction here starts IMMEDIATE (wangqian's backend), so the rebuild already writes alone.


def counters_rebuild() -> int:
    """Replace the table with a full recount; returns the number of rows written."""
    with transaction.atomic():
        _lock_table()
        StatsCounter.objects.all().delete()
        cells = full_recount()
        StatsCounter.objects.bulk_create(
            [
                StatsCounter(
                    school_id=school,
                    graduation_year=year,
                    college_id=college,
                    major_id=major,
                    metric=metric,
                    slot=slot,
                    n=n,
                )
                for ((school, year, college, major), metric, slot), n in sorted(cells.items())
            ],
            batch_size=1000,
        )
    return len(cells)
