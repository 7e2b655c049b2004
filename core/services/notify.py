"""E-mail for the events that ask something of a party or tell them an outcome. The in-app 消息 are
Notification rows written with the event; e-mail goes out after commit, from the task queue: core's AppConfig
subscribes `on_event_committed` to core.signals.event_committed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from core.models import AgreementEvent, Role
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

# action → who hears of it by e-mail: the student, the employer's contact, or both.
EMAIL_RECIPIENTS: dict[str, tuple[str, ...]] = {
    "invite": ("student",),
    "modify": ("student",),
    "withdraw": ("student",),
    "accept": ("employer",),
    "decline": ("employer",),
    "expire": ("employer",),
    "college_return": ("student", "employer"),
    "school_approve": ("student", "employer"),
    "school_return": ("student", "employer"),
    "termination_request": ("student", "employer"),
    "termination_accept": ("student", "employer"),
    "termination_decline": ("student", "employer"),
    "termination_approve": ("student", "employer"),
    "termination_return": ("student", "employer"),
}


def event_emails(event_id: int) -> int:
    """Send the e-mails of one event; returns how many went out. The actor is never told of their own action."""
    event = (
        AgreementEvent.objects.select_related("agreement__student", "agreement__employer", "agreement__current_terms")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    agreement = event.agreement
    student, employer = agreement.student, agreement.employer
    unit = agreement.current_terms.unit_name if agreement.current_terms else employer.name
    addresses = []
    for party in EMAIL_RECIPIENTS.get(event.action, ()):
        if party == "student" and student.email and event.actor_role != Role.STUDENT:
            addresses.append(student.email)
        if party == "employer" and employer.email and event.actor_role != Role.EMPLOYER:
            addresses.append(employer.email)
    if not addresses:
        return 0
    subject = f"【就业协议书网签】{event.action_label}：{unit} / {student.name}"
    lines = [
        f"{event.action_label}",
        f"用人单位：{unit}",
        f"毕业生：{student.name}（{student.graduation_year}届）",
        f"操作人：{event.actor_name}",
        f"时间：{event.created_at:%Y-%m-%d %H:%M}",
    ]
    if event.remark:
        lines.append(f"备注：{event.remark}")
    lines += ["", f"请登录就业协议书网签系统查看并办理：{settings.SITE_URL}/", "（本邮件由系统自动发送，请勿回复）"]
    sent = 0
    for address in addresses:
        # One message each, so no party sees the other's address.
        sent += send_mail(subject, "\n".join(lines), None, [address], fail_silently=False)
    return sent


@task()
def send_event_emails(event_id: int) -> int:
    return event_emails(event_id)


def on_event_committed(*, event_id: int, action: str, **_: object) -> None:
    if action in EMAIL_RECIPIENTS:
        enqueue_on_commit(send_event_emails, event_id)
