"""The school portal menu's badges: each the count of its own selector's queue, all in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Agreement, Employer
from core.selectors import admin_todo_counts, employers_by_verification
from core.selectors.agreements import review_queues
from core.selectors.destinations import destination_queue
from core.selectors.notifications import destination_unread
from core.selectors.paging import count_each
from testsupport import World, make_student

pytestmark = pytest.mark.django_db


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
