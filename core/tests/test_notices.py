"""Who hears of what: every event reaches the parties it concerns in-app exactly once; e-mail goes to every HR
account of the employer that wants it; times are the school's, links start with SITE_URL; the student's phone
hears of an invitation; two workers sending the same event's notices send them once."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import connections
from django.test import override_settings

from core.models import AgreementEvent, NoticeSent, Notification, User
from core.services import agreements as wf
from core.services import notify
from core.services.accounts import account_update_notifications
from core.services.notify import employer_addresses, event_notices
from core.services.paper_agreements import paper_agreement_register, paper_agreement_resubmit
from core.signals import event_committed
from core.sms import SmsMessage
from testsupport import (
    PAPER_EXTRA,
    World,
    confirm,
    invite,
    make_college,
    make_employer,
    make_school,
    make_student,
    make_user,
)

pytestmark = pytest.mark.django_db


def hr_account(world: World, username: str, email: str = "", wants: bool = True) -> User:
    return make_user(username, "employer", employer=world.employer.employer, email=email, email_notifications=wants)


def recipients_of(event: AgreementEvent) -> Counter[str]:
    return Counter(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def last_event(world: World) -> AgreementEvent:
    return AgreementEvent.objects.latest("id")


def test_each_event_reaches_exactly_the_parties_it_concerns_in_app_once(world: World) -> None:
    colleague = hr_account(world, "alice2")
    student, hr = world.student.user.username, world.employer.username
    both = Counter({student: 1, hr: 1, colleague.username: 1})
    employer_side = Counter({hr: 1, colleague.username: 1})

    (agreement,) = invite(world.employer, world.student)
    assert recipients_of(last_event(world)) == Counter({student: 1})  # not the inviting employer's accounts
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    assert recipients_of(last_event(world)) == employer_side  # every HR account, not the student who acted
    wf.agreement_return(agreement, remark="材料不全", acting_user=world.college_admin)
    assert recipients_of(last_event(world)) == both
    wf.agreement_modify(agreement, terms={"position": "测试工程师"}, acting_user=world.employer)
    assert recipients_of(last_event(world)) == Counter({student: 1})
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    wf.agreement_approve(agreement, acting_user=world.college_admin)
    assert recipients_of(last_event(world)) == both
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    assert recipients_of(last_event(world)) == both
    wf.termination_request(
        agreement,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    assert recipients_of(last_event(world)) == employer_side
    wf.termination_accept(agreement, acting_user=colleague)
    assert recipients_of(last_event(world)) == Counter({student: 1})  # no HR account hears of its own side
    wf.termination_approve(agreement, acting_user=world.school_admin)
    assert recipients_of(last_event(world)) == both
    # Nobody else, ever: not the other employer, other students, or the admins (their queues show them).
    outsiders = [world.other_employer, world.other_student.user, world.college_admin, world.school_admin]
    assert not Notification.objects.filter(recipient__in=outsiders).exists()


def test_expiry_reaches_student_and_every_hr_account(world: World) -> None:
    colleague = hr_account(world, "alice2")
    (agreement,) = invite(world.employer, world.student)
    wf.invitations_expire(now=agreement.expires_at + datetime.timedelta(seconds=1))
    assert recipients_of(last_event(world)) == Counter(
        {world.student.user.username: 1, world.employer.username: 1, colleague.username: 1}
    )


def test_email_goes_to_every_hr_account_that_wants_it(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    hr_account(world, "own-address", "zhang@dingxin.example.com")
    hr_account(world, "registered-address")  # no address of its own: the employer's registered 邮箱
    hr_account(world, "opted-out", "li@dingxin.example.com", wants=False)
    make_user("other-employer-hr", "employer", employer=world.other_employer.employer, email="x@other.example.com")
    (agreement,) = invite(world.employer, world.student)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_decline(agreement, acting_user=world.student.user, remark="已有其他打算")
    registered = world.employer.employer.email
    # alice (the first account, no own address) and registered-address share the registered one: sent once.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([registered, "zhang@dingxin.example.com"])
    assert all(len(m.to) == 1 for m in mailoutbox)


def test_a_paper_agreements_employer_is_never_told_of_it_by_e_mail_either(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """The employer named on a paper agreement (here a verified one, found by its 信用代码) never used the system
    for it: no e-mail; in the app it reads of the registration and resubmission only, which it may dispute (issue 19
    item 6(d)), never of the school's steps."""
    hr = world.employer.employer
    paper = {
        **PAPER_EXTRA,
        "employer_name": hr.name,
        "credit_code": hr.credit_code,
        "position_category": "24",
        "position": "顾问",
    }
    paper["work_location"] = "210202"
    student = world.student.user
    with django_capture_on_commit_callbacks(execute=True):
        agreement = paper_agreement_register(
            paper,
            scan_name="协议书.pdf",
            scan=b"%PDF-1.4\n",
            acting_user=student,
            confirmation=confirm(student, "paper"),
        )
        wf.agreement_return(agreement, remark="扫描件不清晰", acting_user=world.school_admin)
        paper_agreement_resubmit(
            agreement, paper, acting_user=student, confirmation=confirm(student, "resubmit", agreement)
        )
        wf.agreement_approve(agreement, acting_user=world.school_admin)
        wf.termination_request(
            agreement, reason="考取研究生", acting_user=student, confirmation=confirm(student, "termination", agreement)
        )
        wf.termination_approve(agreement, acting_user=world.school_admin)
    assert agreement.employer_id == hr.pk
    assert {m.to[0] for m in mailoutbox} == {world.student.email}
    assert [m.subject.split("：")[0] for m in mailoutbox] == [
        "【就业协议书网签】学校审核退回",
        "【就业协议书网签】学校审核通过",
        "【就业协议书网签】解约审核通过",
    ]
    told = Notification.objects.filter(recipient__employer=hr).order_by("event__sequence")
    assert [n.event.action for n in told] == ["paper_register", "paper_resubmit"]


def test_an_account_sets_its_own_address_and_preference(world: World) -> None:
    account_update_notifications(
        world.employer, email="Zhang@DingXin.example.COM", email_notifications=True, acting_user=world.employer
    )
    assert employer_addresses(world.employer.employer) == ["Zhang@dingxin.example.com"]
    account_update_notifications(world.employer, email="", email_notifications=False, acting_user=world.employer)
    assert employer_addresses(world.employer.employer) == []


@time_machine.travel(datetime.datetime(2026, 11, 27, 2, 30, tzinfo=datetime.UTC), tick=False)
@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_email_tells_the_schools_time_and_links_to_site_url(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)
    (mail,) = mailoutbox
    assert "时间：2026-11-27 10:30" in mail.body  # 02:30 UTC is 10:30 in Asia/Shanghai, as 流程追踪 shows
    assert "02:30" not in mail.body
    assert f"http://127.0.0.1:8101/student/invitations/{agreement.pk}/" in mail.body
    assert "邀约有效期至：2026-12-04 10:30" in mail.body
    # A school in another zone is told in its own.
    world.school.time_zone = "Asia/Urumqi"
    world.school.save(update_fields=["time_zone"])
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_decline(agreement, acting_user=world.student.user)
    assert "时间：2026-11-27 08:30" in mailoutbox[1].body
    assert f"http://127.0.0.1:8101/employer/agreements/{agreement.pk}/" in mailoutbox[1].body


def test_invitation_is_texted_to_the_roster_phone(
    world: World, smsoutbox: list[SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        (agreement,) = invite(world.employer, world.student)
    (sms,) = smsoutbox
    assert sms.phone == world.student.phone
    assert world.employer.employer.name in sms.text and f"/student/invitations/{agreement.pk}/" in sms.text
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_decline(agreement, acting_user=world.student.user)
    assert len(smsoutbox) == 1  # the student's own answer is not texted back


def test_notices_name_the_verified_employer_never_the_invitations_free_text(
    world: World, smsoutbox: list[SmsMessage], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    phishing = "【中国银行】您的账户存在风险，请立即访问 http://bank-verify.example 验证"
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student, unit_name=phishing)
    (sms,) = smsoutbox
    assert world.employer.employer.name in sms.text
    for text in (sms.text, *(m.subject for m in mailoutbox), *(m.body for m in mailoutbox)):
        assert "bank-verify" not in text and "中国银行" not in text


@override_settings(SMS_BACKEND="")
def test_no_sms_without_a_backend(
    world: World, smsoutbox: list[SmsMessage], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.employer, world.student)
    assert smsoutbox == [] and len(mailoutbox) == 1


def test_a_repeated_job_sends_nothing_twice(world: World, mailoutbox: list[Any], smsoutbox: list[Any]) -> None:
    (agreement,) = invite(world.employer, world.student)  # no on-commit callbacks run: nothing sent yet
    event = AgreementEvent.objects.get(agreement=agreement, action="invite")
    assert event_notices(event.pk) == 2  # one e-mail, one short message
    assert event_notices(event.pk) == 0
    assert len(mailoutbox) == 1 and len(smsoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_the_same_events_send_each_once(mailoutbox: list[Any], smsoutbox: list[Any]) -> None:
    """Each worker in its own thread with its own database connection, released together by a barrier."""
    college = make_college(make_school())
    employer = make_employer()
    make_user("hr-2", "employer", employer=employer.employer, email="hr2@example.com")
    students = [make_student(college) for _ in range(10)]
    for s in students:
        s.email = f"{s.student_no}@example.com"
        s.save(update_fields=["email"])
    # The events are recorded with no subscriber: their notices wait for the two workers below.
    event_committed.disconnect(dispatch_uid="core.notify")
    try:
        agreements = invite(employer, *students)
        for agreement, student in zip(agreements[:5], students[:5], strict=True):
            wf.agreement_decline(agreement, acting_user=student.user)
    finally:
        event_committed.connect(notify.on_event_committed, dispatch_uid="core.notify")
    events = list(AgreementEvent.objects.order_by("id").values_list("pk", flat=True))
    assert mailoutbox == [] and smsoutbox == []
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for event_id in events:
                event_notices(event_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # 10 invitations: an e-mail to each student, a short message to those whose invitation is still open;
    # 5 refusals: to both HR addresses.
    sent = Counter(m.to[0] for m in mailoutbox)
    assert sent == Counter({**{s.email: 1 for s in students}, employer.employer.email: 5, "hr2@example.com": 5})
    assert sorted(m.phone for m in smsoutbox) == sorted(s.phone for s in students[5:])
    assert NoticeSent.objects.filter(kind="event").count() == len(events)
