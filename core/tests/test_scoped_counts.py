"""A menu's counts from a statement compiled once per viewer's scope (core.selectors.scoped_counts): the employer's
menu and header are at most one query, exact while short (the school portal's to-do rule for long ones), and what one
account counts is never another's."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Notification
from core.selectors.notifications import _EMPLOYER_MENU, employer_menu_counts
from core.services import agreements as wf
from testsupport import World, confirm, invite, make_student, make_user

pytestmark = pytest.mark.django_db


def _unread(world: World) -> int:
    return Notification.objects.filter(recipient=world.employer, read_at__isnull=True).count()


def test_the_employers_counts_are_exact_on_every_call_from_one_statement(world: World) -> None:
    lists = mock.patch.object(_EMPLOYER_MENU, "lists", wraps=_EMPLOYER_MENU.lists)
    _EMPLOYER_MENU.counters.clear()
    with lists as built:
        assert employer_menu_counts(world.employer) == {"terminations": 0, "agreements": 0, "unread": 0}
        (agreement,) = invite(world.employer, world.student)
        student = world.student.user
        wf.agreement_accept(agreement, acting_user=student, confirmation=confirm(student, "accept", agreement))
        with CaptureQueriesContext(connection) as queries:
            counts = employer_menu_counts(world.employer)
        assert counts == {"terminations": 0, "agreements": 1, "unread": _unread(world)} and counts["unread"] >= 1
        wf.agreement_return(agreement, remark="材料不全", acting_user=world.college_admin)
        Notification.objects.filter(recipient=world.employer).update(read_at=agreement.invited_at)
        assert employer_menu_counts(world.employer) == {"terminations": 0, "agreements": 1, "unread": 0}
    assert built.call_count == 1  # the querysets were built (and compiled) for the first call only
    assert len(queries) == 1


def test_each_account_counts_its_own(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    student = world.student.user
    wf.agreement_accept(agreement, acting_user=student, confirmation=confirm(student, "accept", agreement))
    colleague = make_user("hr2", role="employer", employer=world.employer.employer)
    mine = employer_menu_counts(world.employer)
    theirs = employer_menu_counts(colleague)
    # The answer is told to the account that invited; the returned and 解约 counts are the employer's.
    assert mine["agreements"] == 1 and mine["unread"] >= 1
    assert theirs == {"terminations": 0, "agreements": 0, "unread": 0}


def test_long_queues_are_kept_the_answers_and_messages_always_counted(world: World, settings: Any) -> None:
    """Above TODO_COUNT_EXACT_LIMIT the 解约 requests and the returned agreements are kept LIST_COUNT_CACHE_SECONDS for
    the account, as the school portal's badges are; unread answers and 消息 drop at once when read."""
    settings.TODO_COUNT_EXACT_LIMIT = 0  # every count kept once counted
    world.reach("returned")
    first = employer_menu_counts(world.employer)
    assert first["agreements"] == 1 + _answers(world) and first["unread"] == _unread(world) >= 1
    world.reach("returned", student=make_student(world.college))
    Notification.objects.filter(recipient=world.employer).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        kept = employer_menu_counts(world.employer)
    assert kept == {"terminations": 0, "agreements": 1, "unread": 0}  # the returned one kept, the answers read
    assert len(queries) == 1 and "returned" not in queries[0]["sql"]  # the 解约 requests (0) still counted
    cache.clear()  # what LIST_COUNT_CACHE_SECONDS' end does
    assert employer_menu_counts(world.employer) == {"terminations": 0, "agreements": 2, "unread": 0}
    # Another account of the same employer keeps its own.
    colleague = make_user("hr2", role="employer", employer=world.employer.employer)
    assert employer_menu_counts(colleague)["agreements"] == 2


def _answers(world: World) -> int:
    return Notification.objects.filter(recipient=world.employer, read_at__isnull=True, answer=True).count()
