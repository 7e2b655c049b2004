"""Notices outside the app: e-mail to every account that wants it and short messages (core.sms) to the student's
roster phone, as the event's entry in `core.catalogue` says. The in-app 消息 are Notification rows written with the
event (core.services.events); e-mail and SMS go out after commit, from the task queue: core's AppConfig subscribes
`on_event_committed` to core.signals.event_committed. Reminders and digests (core.services.reminders) go through
the same helpers.

Each notice is sent once: `claim_notice` inserts its NoticeSent row before anything goes out, and of several
workers racing on the same notice only the one whose insert commits sends it. Times are told in the school's time
zone, links start with SITE_URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django_tasks import task

from core.calendar import school_time
from core.catalogue import AGREEMENT_EVENTS, DESTINATION_EVENTS, Party, destination_message_text, parties_told
from core.models import (
    Agreement,
    AgreementEvent,
    Destination,
    DestinationEvent,
    Employer,
    NoticeSent,
    Role,
    Status,
    Student,
    User,
)
from core.sms import send_sms
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【就业协议书网签】"
SIGNATURE = "（本邮件由系统自动发送，请勿回复）"

# --- once ---------------------------------------------------------------------------------------------------


def claim_notice(kind: str, object_id: int, period: str = "") -> bool:
    """True for exactly one caller per (kind, object, period), however many race: the row goes in first."""
    try:
        with transaction.atomic():
            NoticeSent.objects.create(kind=kind, object_id=object_id, period=period)
    except IntegrityError:
        return False
    return True


def release_notice(kind: str, object_id: int, period: str = "") -> None:
    """After a send failed: the next run (a retried job, the scheduler's next pass) may try again."""
    NoticeSent.objects.filter(kind=kind, object_id=object_id, period=period).delete()


# --- who and where --------------------------------------------------------------------------------------------


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unique(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        address = address.strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def employer_addresses(employer: Employer) -> list[str]:
    """Every active HR account of the employer that wants e-mail, at its own address or, without one, at the
    employer's registered 邮箱."""
    accounts = User.objects.filter(employer=employer, is_active=True, email_notifications=True)
    return unique(account.email or employer.email for account in accounts.only("email"))


def student_addresses(student: Student) -> list[str]:
    if not student.email or (student.user is not None and not student.user.email_notifications):
        return []
    return [student.email]


def school_side(destination: Destination) -> QuerySet[User]:
    """The graduate's school side (`Party.SCHOOL`): the active school admins of the 去向's school and the college
    admins of the graduate's college."""
    return User.objects.filter(is_active=True, school_id=destination.school_id).filter(
        Q(role=Role.SCHOOL_ADMIN) | Q(role=Role.COLLEGE_ADMIN, college_id=destination.college_id)
    )


def student_link(agreement: Agreement) -> str:
    if agreement.status == Status.INVITED:
        return site_link(reverse("student:invitation_detail", args=[agreement.pk]))
    return site_link(reverse("student:agreement_detail", args=[agreement.pk]))


def employer_link(agreement: Agreement) -> str:
    return site_link(reverse("employer:agreement_detail", args=[agreement.pk]))


def mail_each(subject: str, body: str, addresses: Iterable[str]) -> int:
    # One message each, so no recipient sees another's address.
    return sum(send_mail(SUBJECT_PREFIX + subject, body, None, [address]) for address in addresses)


# --- an event's notices ---------------------------------------------------------------------------------------


def _event_body(event: AgreementEvent, unit: str, link: str) -> str:
    agreement = event.agreement
    student = agreement.student
    lines = [
        event.action_label,
        f"用人单位：{unit}",
        f"毕业生：{student.name}（{student.graduation_year}届）",
        f"操作人：{event.actor_name}",
        f"时间：{school_time(event.created_at, agreement.school)}",
    ]
    if event.remark:
        lines.append(f"备注：{event.remark}")
    if event.new_status == Status.INVITED and agreement.status == Status.INVITED:
        lines.append(f"邀约有效期至：{school_time(agreement.expires_at, agreement.school)}")
    lines += ["", f"请登录就业协议书网签系统查看并办理：{link}", SIGNATURE]
    return "\n".join(lines)


def event_notices(event_id: int) -> int:
    """Send one event's e-mail and short messages; returns how many went out (0 when another worker has sent
    them, or is sending them). The actor is never told of their own action."""
    event = (
        AgreementEvent.objects.select_related(
            "agreement__school",
            "agreement__student__user",
            "agreement__employer",
            "agreement__current_terms",
        )
        .filter(pk=event_id)
        .first()
    )
    kind = AGREEMENT_EVENTS.get(event.action) if event is not None else None
    if event is None or kind is None:
        return 0
    agreement = event.agreement
    # Who the catalogue tells by e-mail and SMS, less the actor and a paper agreement's employer.
    mailed = parties_told(kind, kind.email, actor_role=event.actor_role, paper=agreement.paper)
    texted = kind.sms and Party.STUDENT in parties_told(
        kind, (Party.STUDENT,), actor_role=event.actor_role, paper=agreement.paper
    )
    if not mailed and not texted:
        return 0
    if not claim_notice("event", event.pk):
        return 0
    student, employer = agreement.student, agreement.employer
    # The employer's verified name, never the invitation's free-text 单位名称: a text or e-mail from the school's
    # sender must not carry words (or links) the school never checked.
    unit = employer.name
    subject = f"{event.action_label}：{unit} / {student.name}"
    sent = 0
    try:
        if Party.STUDENT in mailed:
            sent += mail_each(subject, _event_body(event, unit, student_link(agreement)), student_addresses(student))
        if Party.EMPLOYER in mailed:
            sent += mail_each(subject, _event_body(event, unit, employer_link(agreement)), employer_addresses(employer))
        if texted and agreement.status == Status.INVITED:
            expires = school_time(agreement.expires_at, agreement.school)
            text = kind.sms.format(employer=unit, expires=expires, link=student_link(agreement))
            sent += send_sms(student.phone, text)
    except Exception:
        if not sent:
            release_notice("event", event.pk)  # nothing went out: a retry may send it all
        raise
    return sent


@task()
def send_event_notices(event_id: int) -> int:
    return event_notices(event_id)


def destination_event_notices(event_id: int) -> int:
    """Send one 去向 event's e-mail and SMS as its catalogue entry says: to the school's side (its school admins and
    the admins of the graduate's college that want e-mail), to the graduate (e-mail, and the SMS to the roster
    phone); never to the actor. Returns how many went out, 0 when they were sent already."""
    event = (
        DestinationEvent.objects.select_related("destination__student__user", "destination__school")
        .filter(pk=event_id)
        .first()
    )
    kind = DESTINATION_EVENTS.get(event.action) if event is not None else None
    if event is None or kind is None or not (kind.email or kind.sms):
        return 0
    if not claim_notice("destination_event", event.pk):
        return 0
    destination = event.destination
    student = destination.student
    graduate_is_actor = student.user_id is not None and student.user_id == event.actor_id
    school_link = site_link(reverse("school:destination", args=[destination.pk]))
    subject = f"{event.action_label}：{student.name}"
    sent = 0
    try:
        if Party.SCHOOL in kind.email:
            staff = school_side(destination).filter(email_notifications=True).exclude(pk=event.actor_id or 0)
            addresses = unique(user.email for user in staff.only("email"))
            sent += mail_each(
                subject, _destination_body(event, destination_message_text(event), school_link), addresses
            )
        if not graduate_is_actor:
            link = site_link(reverse("student:destination"))
            if Party.STUDENT in kind.email:
                # The SMS's sentence carries the link; an event without an SMS says its 消息 sentence.
                first = kind.sms.format(link=link) if kind.sms else destination_message_text(event, Party.STUDENT)
                sent += mail_each(subject, _destination_body(event, first, link), student_addresses(student))
            if kind.sms:
                sent += send_sms(student.phone, kind.sms.format(link=link))
    except Exception:
        if not sent:
            release_notice("destination_event", event.pk)
        raise
    return sent


def _destination_body(event: DestinationEvent, first: str, link: str) -> str:
    destination = event.destination
    student = destination.student
    lines = [
        first or event.action_label,
        f"毕业生：{student.name}（学号 {student.student_no}，{student.graduation_year}届）",
    ]
    if destination.code:
        lines.append(f"毕业去向：{destination.code_label}")
    lines += [
        f"操作人：{event.actor_name}",
        f"时间：{school_time(event.created_at, destination.school)}",
        "",
    ]
    if link not in first:  # the graduate's sentence (the SMS's) carries its link already
        lines.append(f"请登录就业协议书网签系统查看：{link}")
    lines.append(SIGNATURE)
    return "\n".join(lines)


@task()
def send_destination_event_notices(event_id: int) -> int:
    return destination_event_notices(event_id)


def on_event_committed(*, event_id: int, action: str, **_: object) -> None:
    kind = AGREEMENT_EVENTS.get(action)
    if kind is not None and (kind.email or kind.sms):
        enqueue_on_commit(send_event_notices, event_id)
