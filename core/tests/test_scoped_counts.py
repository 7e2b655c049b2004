"""A menu's counts from a statement compiled once per viewer's scope (core.selectors.scoped_counts): the employer's
menu and header are one query, exact on every page, and what one account counts is never another's."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Notification
from core.selectors.notifications import _EMPLOYER_MENU, employer_menu_counts
from core.services import agreements as wf
from testsupport import World, confirm, invite, make_user

pytestmark = pytest.mark.django_db


def _unread(world: World) -> int:
    return Notification.objects.filter(recipient=world.employer, read_at__isnull=True).count()


def test_the_employers_counts_are_exact_on_every_call_from_one_statement(world: World) -> None:
    lists = mock.patch.object(_EMPLOYER_MENU, "lists", wraps=_EMPLOYER_MENU.lists)
    _EMPLOYER_MENU.statements.clear()
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
