"""Two accepts of one student racing each other end with exactly one success, every time.

Each racer runs in its own thread with its own database connection; a barrier releases them together.
On PostgreSQL this exercises row locks and the conditional unique index; on the SQLite default it shows
that concurrent writers wait for each other (IMMEDIATE transactions + busy timeout) instead of failing
with "database is locked".
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from core.errors import Conflict
from core.models import Agreement, Status
from core.services import agreements as wf
from testsupport import confirm, invite, make_college, make_employer, make_school, make_student

ROUNDS = 50


def race(*calls: Any) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Any) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else (e.g. "database is locked") is a failure
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_racing_accepts_end_with_exactly_one_success() -> None:
    school = make_school()
    college = make_college(school)
    employers = [make_employer(), make_employer()]
    tally = {"ok": 0, "conflict": 0}
    for _ in range(ROUNDS):
        student = make_student(college)
        first, second = invite(employers[0], student)[0], invite(employers[1], student)[0]
        outcomes = race(
            lambda a=first, s=student: wf.agreement_accept(
                a.pk, acting_user=s.user, confirmation=confirm(s.user, "accept", a.pk)
            ),
            lambda a=second, s=student: wf.agreement_accept(
                a.pk, acting_user=s.user, confirmation=confirm(s.user, "accept", a.pk)
            ),
        )
        assert sorted(outcomes) == ["conflict", "ok"], outcomes
        assert Agreement.objects.filter(student=student, status=Status.COLLEGE_REVIEW).count() == 1
        for o in outcomes:
            tally[o] += 1
    assert tally == {"ok": ROUNDS, "conflict": ROUNDS}
    print(f"\n{connection.vendor}: {ROUNDS} rounds, {tally['ok']} successes, {tally['conflict']} refused")


@pytest.mark.django_db(transaction=True)
def test_racing_invitations_leave_one_open_invitation() -> None:
    school = make_school()
    college = make_college(school)
    employer = make_employer()
    for _ in range(10):
        student = make_student(college)
        from core.services.employers import employer_search_students

        employer_search_students(
            graduation_year=student.graduation_year,
            name=student.name,
            id_number=student.id_number,
            acting_user=employer,
        )

        def send(s: Any = student) -> None:
            terms = {"position_category": "13", "position": "工程师"}
            wf.agreements_invite(student_ids=[s.pk], terms=terms, acting_user=employer)

        outcomes = race(send, send)
        assert sorted(outcomes) == ["conflict", "ok"], outcomes
        assert Agreement.objects.filter(student=student, status=Status.INVITED).count() == 1


@pytest.mark.django_db
def test_database_itself_refuses_a_second_active_agreement() -> None:
    """The backstop holds even for code that skips the workflow's checks."""
    from django.db import IntegrityError, transaction

    school = make_school()
    student = make_student(make_college(school))
    first, second = invite(make_employer(), student)[0], invite(make_employer(), student)[0]
    Agreement.objects.filter(pk=first.pk).update(status=Status.EFFECTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=second.pk).update(status=Status.COLLEGE_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=first.pk).update(status=Status.INVITED)
        invite_again = Agreement.objects.get(pk=first.pk)
        invite_again.pk = None
        invite_again.number = None
        invite_again.save()
