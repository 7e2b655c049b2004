"""The school portal menu's badges: each the count of its own selector's queue, all in one query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from core.models import Agreement, Employer, User
from core.selectors import admin_todo_counts, employers_by_verification, todo
from core.selectors.agreements import review_queues
from core.selectors.destinations import destination_queue
from core.selectors.notifications import destination_unread
from core.selectors.paging import count_each
from core.services import agreements as wf
from core.services import destinations
from core.services.events import destination_notifications_mark_all_read
from testsupport import World, make_student

pytestmark = pytest.mark.django_db

ARMY = {"code": "46", "unit_location": "210102", "contract_start": "2027-09-01"}


def test_each_badge_is_its_queue_counted_in_one_query(world: World) -> None:
    world.reach("college_review")
    world.reach("school_review", student=world.other_student)
    world.reach("termination_review", student=make_student(world.college))
    for admin in (world.school_admin, world.college_admin):
        queues = {
            **review_queues(admin),
            "destinations": destination_queue(admin),
            "messages": destination_unread(admin),
        }
        if admin == world.school_admin:
            pending = employers_by_verification(Employer.Verification.PENDING, verifier_school_id=admin.school_id)
            queues["employers"] = pending
        expected = {name: qs.count() for name, qs in queues.items()}
        with CaptureQueriesContext(connection) as queries:
            assert admin_todo_counts(admin) == expected
        assert len(queries) == 1
    assert admin_todo_counts(world.school_admin)["reviews"] == 1
    assert admin_todo_counts(world.school_admin)["terminations"] == 1
    assert admin_todo_counts(world.college_admin) == {"reviews": 1, "destinations": 0, "messages": 0}


def test_an_empty_queryset_counts_zero_unasked() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert count_each({"none": Agreement.objects.none()}) == {"none": 0}
    assert len(queries) == 0


def test_every_queue_is_named(world: World) -> None:
    for admin in (world.school_admin, world.college_admin):
        assert set(todo.admin_queues(admin)) <= set(todo.QUEUES)


def test_a_long_queue_is_kept_a_short_one_counted_each_time(world: World, settings: Any) -> None:
    """Above TODO_COUNT_EXACT_LIMIT a badge is kept LIST_COUNT_CACHE_SECONDS for its viewer; at or below, exact."""
    settings.TODO_COUNT_EXACT_LIMIT = 1
    admin = world.school_admin
    world.reach("school_review", student=make_student(world.college))
    world.reach("school_review", student=make_student(world.college))
    world.reach("termination_review", student=make_student(world.college))
    assert admin_todo_counts(admin)["reviews"] == 2
    world.reach("school_review", student=make_student(world.college))
    termination = world.reach("termination_review", student=make_student(world.college))
    counts = admin_todo_counts(admin)
    assert counts["reviews"] == 2  # kept: it was above the limit
    assert counts["terminations"] == 2  # counted: it was at the limit; now above it, kept in turn
    wf.termination_approve(termination, acting_user=admin)
    assert admin_todo_counts(admin)["terminations"] == 2
    # Another viewer keeps their own; the one whose counts are kept asks nothing of the database for them.
    assert admin_todo_counts(world.college_admin)["reviews"] == 0
    settings.TODO_COUNT_EXACT_LIMIT = 0  # every queue with something in it kept once counted
    admin_todo_counts(world.college_admin)
    world.reach("college_review", student=make_student(world.college))
    assert admin_todo_counts(world.college_admin)["reviews"] == 1
    with CaptureQueriesContext(connection) as queries:
        assert admin_todo_counts(world.college_admin)["reviews"] == 1
    assert [q["sql"] for q in queries if "core_agreement" in q["sql"]] == []
    cache.clear()  # what LIST_COUNT_CACHE_SECONDS' end does
    assert admin_todo_counts(admin) == {**counts, "reviews": 3, "terminations": 1}


def test_the_statement_is_compiled_once_per_scope(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The selectors are built and compiled on a scope's first page only; a scope that changes (another college)
    is compiled anew, so the counts follow it."""
    compiled: list[int] = []
    build = todo._TODO.lists
    monkeypatch.setattr(todo._TODO, "counters", {})

    def counted_build(user: User) -> Mapping[str, QuerySet[Any]]:
        compiled.append(user.pk)
        return build(user)

    monkeypatch.setattr(todo._TODO, "lists", counted_build)
    world.reach("college_review")  # world.student, of world.college
    admin = world.college_admin
    assert admin_todo_counts(admin)["reviews"] == 1
    assert admin_todo_counts(admin)["reviews"] == 1
    assert compiled == [admin.pk]
    admin.college = world.other_college
    admin.save(update_fields=["college"])
    assert admin_todo_counts(admin)["reviews"] == 0
    assert compiled == [admin.pk, admin.pk]


def test_kept_counts_follow_the_viewers_scope(world: World, settings: Any) -> None:
    settings.TODO_COUNT_EXACT_LIMIT = 0  # every count kept once counted
    world.reach("college_review")  # world.student, of world.college
    admin = world.college_admin
    assert admin_todo_counts(admin)["reviews"] == 1
    admin.college = world.other_college
    admin.save(update_fields=["college"])
    assert admin_todo_counts(admin)["reviews"] == 0


def test_unread_messages_are_always_counted(world: World, settings: Any) -> None:
    """The 消息 page offers 全部标为已读 by the unread count: marked read, it is gone at once, whatever the limit."""
    settings.TODO_COUNT_EXACT_LIMIT = 0
    user = world.student.user
    assert user is not None
    destinations.destination_enter(world.student.pk, ARMY, acting_user=world.college_admin)
    destinations.destination_dispute("这不是我的去向，我没有应征入伍", acting_user=user)
    assert admin_todo_counts(world.school_admin)["messages"] == 1
    destination_notifications_mark_all_read(acting_user=world.school_admin)
    assert admin_todo_counts(world.school_admin)["messages"] == 0
