"""统计 counters: kept by the workflow functions, equal to a full recount whatever happens.

The property test walks random sequences of every party's actions (the workflow machine's rules), plus 生源更正
moving students between 院系/专业/毕业年度, review levels switched on and off, and invitations expiring; after every
step the counter table equals a full recount, and the statistics read from it equal a direct count of agreements.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from core.errors import DomainError
from core.models import Agreement, College, Major, StatsCounter, Status, Student
from core.rules import effective_q
from core.services import agreements as wf
from core.services.schools import school_update_settings
from core.services.stats import school_stats
from core.services.stats_counters import counters_diff, counters_rebuild
from core.services.students import student_update
from core.tests.test_workflow_properties import WorkflowMachine
from testsupport import World, confirm, make_student


def _direct_counts(world: World, year: int) -> tuple[Counter[str], int]:
    """What the statistics must say, counted from the agreements themselves."""
    agreements = Agreement.objects.filter(student__school=world.school, student__graduation_year=year)
    by_status = Counter(dict(agreements.values_list("status").annotate(n=Count("id")).order_by()))
    return by_status, agreements.filter(effective_q()).count()


class CountersMachine(WorkflowMachine):
    @initialize()
    def setup(self) -> None:
        super().setup()
        w = self.world
        # A third student in another major of the other college, so moves and per-major rows are exercised.
        self.students.append(make_student(w.other_college, name="赵雷", major="软件工程"))
        self.majors = list(Major.objects.filter(college__school=w.school).order_by("pk"))

    @rule(s=st.integers(0, 2), m=st.integers(0, 5), year=st.sampled_from([2026, 2027]))
    def correct_student(self, s: int, m: int, year: int) -> None:
        """生源更正: the school moves a student to another 专业 (maybe another 院系) or 毕业年度."""
        student = Student.objects.get(pk=self.students[s].pk)
        data = {
            "name": student.name,
            "gender": student.gender,
            "id_number": student.id_number,
            "phone": student.phone,
            "email": student.email,
            "graduation_year": str(year),
            "degree": student.degree,
            "major": str(self.majors[m % len(self.majors)].pk),
        }
        student_update(student, data, acting_user=self.world.school_admin)

    @rule(college=st.booleans(), school=st.booleans(), termination=st.booleans())
    def review_levels(self, college: bool, school: bool, termination: bool) -> None:
        w = self.world
        changes = {
            "college_review_enabled": college,
            "school_review_enabled": school,
            "termination_review_enabled": termination,
        }
        with contextlib.suppress(DomainError):
            school_update_settings(w.school, changes, acting_user=w.school_admin)
        w.school.refresh_from_db()

    @rule()
    def expire(self) -> None:
        wf.invitations_expire(now=timezone.now() + datetime.timedelta(days=60))

    @invariant()
    def counters_equal_a_full_recount(self) -> None:
        if not hasattr(self, "world"):
            return
        assert counters_diff() == {}
        for year in (2026, 2027):
            by_status, effective = _direct_counts(self.world, year)
            stats = school_stats(self.world.school, year)
            assert {s: n for s, n in stats.total.by_status.items() if n} == +by_status
            assert stats.total.effective == effective
            roster = Student.objects.filter(school=self.world.school, graduation_year=year)
            assert stats.total.students == roster.count()
            assert {(m.college_id, m.id): m.students for m in stats.majors if m.students} == {
                (r["college_id"], r["major_id"]): r["n"]
                for r in roster.values("college_id", "major_id").annotate(n=Count("*")).order_by()
            }
            for college in College.objects.filter(school=self.world.school):
                scoped = school_stats(self.world.school, year, college=college)
                assert (
                    scoped.total.effective
                    == Agreement.objects.filter(
                        effective_q(), student__college=college, student__graduation_year=year
                    ).count()
                )


@pytest.mark.django_db(transaction=True)
def test_counters_equal_a_full_recount_after_random_workflow_sequences() -> None:
    class Machine(CountersMachine):
        def teardown(self) -> None:
            call_command("flush", "--noinput", verbosity=0)

    Machine.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Machine.TestCase().runTest()


@pytest.mark.django_db
def test_rebuild_restores_counters_and_check_reports_drift(world: World) -> None:
    world.reach("effective")
    world.reach("college_review", student=world.other_student)
    right = list(StatsCounter.objects.order_by("pk").values_list("metric", "n"))
    assert ("effective", 1) in right and counters_diff() == {}
    StatsCounter.objects.all().delete()  # as after a set-based load (load_scale) or a restore
    diff = counters_diff()
    assert diff and all(stored == 0 for stored, _ in diff.values())
    with pytest.raises(Exception, match="differ from a full recount"):
        call_command("stats_rebuild", "--check")
    assert counters_rebuild() == StatsCounter.objects.count()
    assert counters_diff() == {}
    call_command("stats_rebuild", "--check")
    assert school_stats(world.school, 2027).total.effective == 1


@pytest.mark.django_db
def test_counter_rows_are_spread_over_slots_and_summed(world: World) -> None:
    """Two students of one major: their agreements count in different rows (by student id), read as one sum."""
    second = make_student(world.college, name="孙丽")
    world.reach("effective")
    world.reach("effective", student=second)
    rows = StatsCounter.objects.filter(metric="effective", n__gt=0)
    assert {r.slot for r in rows} == {world.student.pk % 16, second.pk % 16}
    assert school_stats(world.school, 2027).total.effective == 2


@pytest.mark.django_db
def test_a_transition_writes_counters_in_one_statement(world: World) -> None:
    """One upsert per status change (its rows sorted), not a read and a write per counter."""
    agreement = world.reach("invited")
    assert world.student.user is not None
    with CaptureQueriesContext(connection) as queries:
        wf.agreement_accept(
            agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
        )
    upserts = [q["sql"] for q in queries if "stats_counter" in q["sql"].lower() or "statscounter" in q["sql"].lower()]
    assert len(upserts) == 1 and "ON CONFLICT" in upserts[0]
    assert Agreement.objects.get(pk=agreement.pk).status == Status.COLLEGE_REVIEW


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_in_one_major_never_fail_and_keep_the_counters_right() -> None:
    """Sixteen students of one 专业 act at once (accepts, declines, approvals): their counter rows are shared
    keys, so the writes queue or spread over slots, but none fails (no deadlock, no lost update)."""
    from core.tests.test_concurrency import race
    from testsupport import make_college, make_college_admin, make_employer, make_school

    school = make_school()
    college = make_college(school)
    admin = make_college_admin(college)
    employer = make_employer()
    students = [make_student(college) for _ in range(16)]
    invited = {s.pk: invite_one(employer, s) for s in students}
    for s in students[:8]:  # half already signed: they are approved while the others accept or decline
        assert s.user is not None
        wf.agreement_accept(invited[s.pk], acting_user=s.user, confirmation=confirm(s.user, "accept", invited[s.pk]))
    calls: list[Callable[[], Any]] = []
    for n, s in enumerate(students):
        user = s.user
        assert user is not None
        if n < 8:
            calls.append(partial(wf.agreement_approve, invited[s.pk], acting_user=admin))
        elif n % 2:
            token = confirm(user, "accept", invited[s.pk])
            calls.append(partial(wf.agreement_accept, invited[s.pk], acting_user=user, confirmation=token))
        else:
            calls.append(partial(wf.agreement_decline, invited[s.pk], acting_user=user))
    outcomes = race(*calls)
    assert outcomes == ["ok"] * 16, outcomes
    assert counters_diff() == {}
    stats = school_stats(school, 2027)
    assert (stats.total.by_status["school_review"], stats.total.by_status["college_review"]) == (8, 4)
    assert stats.total.by_status["declined"] == 4


def invite_one(employer: Any, student: Student) -> Agreement:
    from testsupport import invite

    (agreement,) = invite(employer, student)
    return agreement


@pytest.mark.django_db
def test_a_roster_import_moving_a_signed_student_moves_their_counts(world: World) -> None:
    """生源导入 changes 李明's 院系/专业 and 毕业年度: his effective agreement is counted where he is now."""
    from core.services.roster import ROSTER_HEADERS, roster_import
    from testsupport import xlsx_bytes

    world.reach("effective")
    s = world.student
    row = [s.student_no, s.name, s.gender, s.id_number, s.phone, s.email, 2026]
    row += ["信息科学与工程学院", "软件工程", "本科"]
    roster_import(world.school, xlsx_bytes(list(ROSTER_HEADERS), [row]), dry_run=False, acting_user=world.school_admin)
    assert counters_diff() == {}
    assert school_stats(world.school, 2027).total.effective == 0
    moved = school_stats(world.school, 2026)
    assert [(m.name, m.effective) for m in moved.majors] == [("软件工程", 1)]


@pytest.mark.django_db
def test_a_roster_import_adding_students_counts_them_where_they_are(world: World) -> None:
    """生源导入 creates two graduates: the roster count (签约率's denominator) follows without a recount."""
    from core.identifiers import make_id_number
    from core.services.roster import ROSTER_HEADERS, roster_import
    from testsupport import xlsx_bytes

    before = school_stats(world.school, 2026).total.students
    info, law = ("信息科学与工程学院", "软件工程"), ("文法学院", "法学")
    rows = [
        ["N0001", "钱一", "男", make_id_number(9001), "13900000001", "", 2026, *info, "本科"],
        ["N0002", "钱二", "女", make_id_number(9002, female=True), "13900000002", "", 2026, *law, "本科"],
    ]
    roster_import(world.school, xlsx_bytes(list(ROSTER_HEADERS), rows), dry_run=False, acting_user=world.school_admin)
    assert counters_diff() == {}
    stats = school_stats(world.school, 2026)
    assert stats.total.students == before + 2
    assert sorted((m.name, m.students) for m in stats.majors) == [("法学", 1), ("软件工程", 1)]
    assert stats.total.students == Student.objects.filter(school=world.school, graduation_year=2026).count()
