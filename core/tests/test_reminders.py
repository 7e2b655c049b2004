"""Reminders: the student before an invitation expires, the employer when invitations expired unanswered, the
reviewers' daily digest only when something waits; each sent once, also with two schedulers racing."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from core.models import Agreement, NoticeSent, User
from core.services import agreements as wf
from core.services.reminders import (
    remind_expired_invitations,
    remind_expiring_invitations,
    reminders_send,
    send_reviewer_digests,
)
from core.sms import SmsMessage
from testsupport import (
    World,
    confirm,
    invite,
    make_college,
    make_college_admin,
    make_employer,
    make_school,
    make_student,
)

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 27, 2, 30, tzinfo=datetime.UTC)  # 10:30 in Asia/Shanghai
HOUR = datetime.timedelta(hours=1)


def invited_at_t0(world: World, *students: Any) -> list[Agreement]:
    with time_machine.travel(T0, tick=False):
        return invite(world.employer, *students)


def give_email(user: User, address: str) -> None:
    user.email = address
    user.save(update_fields=["email"])


@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_student_is_reminded_once_24_hours_before_the_invitation_expires(
    world: World, mailoutbox: list[Any], smsoutbox: list[SmsMessage]
) -> None:
    (agreement,) = invited_at_t0(world, world.student)
    mailoutbox.clear()
    smsoutbox.clear()
    expires = agreement.expires_at
    assert remind_expiring_invitations(now=expires - 25 * HOUR) == 0  # not yet
    assert remind_expiring_invitations(now=expires - 23 * HOUR) == 1
    (mail,) = mailoutbox
    assert mail.to == [world.student.email]
    assert "将于2026-12-04 10:30过期" in mail.body  # the school's time, not UTC
    assert f"http://127.0.0.1:8101/student/invitations/{agreement.pk}/" in mail.body
    (sms,) = smsoutbox
    assert sms.phone == world.student.phone and "2026-12-04 10:30" in sms.text
    assert remind_expiring_invitations(now=expires - 22 * HOUR) == 0  # once
    assert len(mailoutbox) == 1 and len(smsoutbox) == 1


def test_a_modified_invitation_is_reminded_of_its_new_expiry_and_an_answered_one_not(
    world: World, mailoutbox: list[Any]
) -> None:
    first, second = invited_at_t0(world, world.student, world.other_student)
    remind_expiring_invitations(now=first.expires_at - 23 * HOUR)
    mailoutbox.clear()
    with time_machine.travel(first.expires_at - 20 * HOUR, tick=False):
        wf.agreement_modify(first, terms={"position": "测试工程师"}, acting_user=world.employer)
        wf.agreement_decline(second, acting_user=world.other_student.user)
    first.refresh_from_db()
    mailoutbox.clear()
    assert remind_expiring_invitations(now=first.expires_at - 23 * HOUR) == 1
    assert [m.to for m in mailoutbox] == [[world.student.email]]


def test_employer_is_told_once_of_invitations_that_expired_unanswered(world: World, mailoutbox: list[Any]) -> None:
    first, _ = invited_at_t0(world, world.student, world.other_student)
    after = first.expires_at + HOUR
    wf.invitations_expire(now=after)
    mailoutbox.clear()
    assert remind_expired_invitations(now=after) == 2
    (mail,) = mailoutbox  # one e-mail for both
    assert mail.to == [world.employer.employer.email]
    assert "2份签约邀约已过期" in mail.subject
    assert world.student.name in mail.body and world.other_student.name in mail.body
    assert "过期时间 2026-12-04 10:30" in mail.body
    assert remind_expired_invitations(now=after + HOUR) == 0
    assert len(mailoutbox) == 1


def test_reviewers_digest_only_what_waits_once_a_day_from_the_digest_hour(world: World, mailoutbox: list[Any]) -> None:
    for admin, address in (
        (world.college_admin, "law@neu.example.edu.cn"),
        (world.other_college_admin, "info@neu.example.edu.cn"),
        (world.school_admin, "jyzx@neu.example.edu.cn"),
    ):
        give_email(admin, address)
    with time_machine.travel(T0, tick=False):
        world.reach("college_review")  # waits on the 文法学院 admin only
    mailoutbox.clear()
    early = datetime.datetime(2026, 11, 27, 23, 0, tzinfo=datetime.UTC)  # 07:00 on the 28th in Shanghai
    assert send_reviewer_digests(now=early) == 0
    nine = early + 2 * HOUR
    assert send_reviewer_digests(now=nine) == 1
    (mail,) = mailoutbox
    assert mail.to == ["law@neu.example.edu.cn"]
    assert "待学院审核的协议书：1份" in mail.body and "2026-11-28 09:00" in mail.body
    assert send_reviewer_digests(now=nine + 3 * HOUR) == 0  # once that day
    assert send_reviewer_digests(now=nine + 24 * HOUR) == 1  # and again the next, while it still waits


def test_reviewers_who_do_not_want_email_get_no_digest(world: World, mailoutbox: list[Any]) -> None:
    give_email(world.college_admin, "law@neu.example.edu.cn")
    world.college_admin.email_notifications = False
    world.college_admin.save(update_fields=["email_notifications"])
    world.reach("college_review")
    mailoutbox.clear()
    assert send_reviewer_digests(now=datetime.datetime(2026, 11, 28, 2, 0, tzinfo=datetime.UTC)) == 0


def test_the_command_sends_what_is_due(world: World, mailoutbox: list[Any]) -> None:
    (agreement,) = invited_at_t0(world, world.student)
    mailoutbox.clear()
    with time_machine.travel(agreement.expires_at - 2 * HOUR, tick=False):
        call_command("send_reminders", stdout=(out := __import__("io").StringIO()))
    assert "invitation_expiring 1" in out.getvalue()
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_send_each_reminder_once(mailoutbox: list[Any], smsoutbox: list[SmsMessage]) -> None:
    """Two threads with their own database connections run every reminder at the same moment."""
    college = make_college(make_school())
    admin = make_college_admin(college)
    give_email(admin, "law@neu.example.edu.cn")
    employer = make_employer()
    students = [make_student(college) for _ in range(8)]
    for s in students:
        s.email = f"{s.student_no}@example.com"
        s.save(update_fields=["email"])
    with time_machine.travel(T0, tick=False):
        agreements = invite(employer, *students)
        wf.agreement_accept(
            agreements[0], acting_user=students[0].user, confirmation=confirm(students[0].user, "accept", agreements[0])
        )  # waits on the college admin
    expires = agreements[1].expires_at
    # Four invitations expired an hour ago, three expire within the day.
    wf.invitations_expire(now=expires - 23 * HOUR)  # nothing yet
    Agreement.objects.filter(pk__in=[a.pk for a in agreements[1:5]]).update(expires_at=expires - 24 * HOUR)
    now = expires - 23 * HOUR
    wf.invitations_expire(now=now)
    mailoutbox.clear()
    smsoutbox.clear()
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(reminders_send(now=now))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = Counter[str]()
    for result in results:
        total.update(result)
    assert total == Counter({"invitation_expiring": 3, "invitation_expired": 4, "review_digest": 1})
    sent = Counter(m.to[0] for m in mailoutbox)
    assert sent == Counter(
        {**{s.email: 1 for s in students[5:]}, employer.employer.email: 1, "law@neu.example.edu.cn": 1}
    ), sent
    expired_mail = next(m for m in mailoutbox if m.to == [employer.employer.email])
    assert "4份签约邀约已过期" in expired_mail.subject  # one worker told them all, the other none
    assert sorted(m.phone for m in smsoutbox) == sorted(s.phone for s in students[5:])
    assert NoticeSent.objects.exclude(kind="event").count() == 3 + 4 + 1
