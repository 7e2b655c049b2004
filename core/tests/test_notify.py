"""E-mail goes to the party an event concerns, after commit, never to the one who acted."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import Conflict
from core.services import agreements as wf
from core.signals import event_committed
from testsupport import World, invite

pytestmark = pytest.mark.django_db


def test_invitation_and_answer_are_mailed_to_the_other_party(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)
    (mail,) = mailoutbox
    assert mail.to == [world.student.email]
    assert "单位发起邀约" in mail.subject and world.employer.employer.name in mail.subject
    assert "请登录就业协议书网签系统" in mail.body
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_decline(agreement, acting_user=world.student.user, remark="已有其他打算")
    assert mailoutbox[1].to == [world.employer.employer.email]
    assert "备注：已有其他打算" in mailoutbox[1].body


def test_nothing_is_sent_before_commit_or_for_a_refused_action(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(world.employer, world.student)
    assert mailoutbox == [] and callbacks  # queued for after commit only
    agreement = world.reach("college_review", student=world.other_student)
    count = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        wf.agreement_approve(agreement, acting_user=world.school_admin)  # wrong level: refused
    assert len(mailoutbox) == count


def test_school_approval_tells_both_parties(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    agreement = world.reach("school_review")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([world.student.email, world.employer.employer.email])


def test_a_failing_subscriber_neither_fails_the_action_nor_stops_the_mail(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("subscriber down")

    event_committed.connect(broken, dispatch_uid="test.broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            (agreement,) = invite(world.employer, world.student)
    finally:
        event_committed.disconnect(dispatch_uid="test.broken")
    assert agreement.status == "invited"
    assert [m.to for m in mailoutbox] == [[world.student.email]]
    assert "subscriber down" in caplog.text
