"""Notices outside the app: e-mail to every account that wants it and short messages (core.sms) to the student's
roster phone. The in-app 消息 are Notification rows written with the event (core.services.events); e-mail and
SMS go out after commit, from the task queue: core's AppConfig subscribes `on_event_committed` to
core.signals.event_committed. Reminders and digests (core.services.reminders) go through the same helpers.

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
from django.urls import reverse
from django_tasks import task

from core.calendar import school_time
from core.models import Agreement, AgreementEvent, Employer, NoticeSent, Role, Status, Student, User
from core.sms import send_sms
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【就业协议书网签】"
SIGNATURE = "（本邮件由系统自动发送，请勿回复）"

# action → who hears of it by e-mail: the student, the employer's HR accounts, or both. An invitation that
# expires unanswered is told to the employer by the reminders (one e-mail for all that expired together).
EMAIL_RECIPIENTS: dict[str, tuple[str, ...]] = {
    "invite": ("student",),
    "modify": ("student",),
    "withdraw": ("student",),
    "accept": ("employer",),
    "decline": ("employer",),
    "college_return": ("student", "employer"),
    "school_approve": ("student", "employer"),
    "school_return": ("student", "employer"),
    "termination_request": ("student", "employer"),
    "termination_withdraw": ("employer",),
    "termination_accept": ("student", "employer"),
    "termination_decline": ("student", "employer"),
    "termination_approve": ("student", "employer"),
    "termination_return": ("student", "employer"),
}
# The student's phone is told of a new (or changed) invitation; its expiry is told by the reminders.
SMS_ACTIONS = ("invite", "modify")


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
    if event.action in ("invite", "modify") and agreement.status == Status.INVITED:
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
    if event is None:
        return 0
    parties = EMAIL_RECIPIENTS.get(event.action, ())
    texting = event.action in SMS_ACTIONS and event.actor_role != Role.STUDENT
    if not parties and not texting:
        return 0
    if not claim_notice("event", event.pk):
        return 0
    agreement = event.agreement
    student, employer = agreement.student, agreement.employer
    # The employer's verified name, never the invitation's free-text 单位名称: a text or e-mail from the school's
    # sender must not carry words (or links) the school never checked.
    unit = employer.name
    subject = f"{event.action_label}：{unit} / {student.name}"
    sent = 0
    try:
        if "student" in parties and event.actor_role != Role.STUDENT:
            sent += mail_each(subject, _event_body(event, unit, student_link(agreement)), student_addresses(student))
        if "employer" in parties and event.actor_role != Role.EMPLOYER:
            sent += mail_each(subject, _event_body(event, unit, employer_link(agreement)), employer_addresses(employer))
        if texting and agreement.status == Status.INVITED:
            expires = school_time(agreement.expires_at, agreement.school)
            verb = "向你发出签约邀约" if event.action == "invite" else "修改了签约邀约"
            sent += send_sms(
                student.phone,
                f"{SUBJECT_PREFIX}{unit}{verb}，请于{expires}前登录处理：{student_link(agreement)}",
            )
    except Exception:
        if not sent:
            release_notice("event", event.pk)  # nothing went out: a retry may send it all
        raise
    return sent


@task()
def send_event_notices(event_id: int) -> int:
    return event_notices(event_id)


def on_event_committed(*, event_id: int, action: str, **_: object) -> None:
    if action in EMAIL_RECIPIENTS or action in SMS_ACTIONS:
        enqueue_on_commit(send_event_notices, event_id)
