"""流程追踪: every action on an agreement appends one event; events also feed the parties' 消息."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.models import Agreement, AgreementEvent, Notification, Role, User
from core.signals import event_committed

logger = logging.getLogger(__name__)

ACTION_LABELS = {
    "invite": "单位发起邀约",
    "modify": "单位修改邀约",
    "withdraw": "单位撤回邀约",
    "accept": "学生同意邀约",
    "decline": "学生拒绝邀约",
    "expire": "邀约已过期",
    "college_approve": "学院审核通过",
    "college_return": "学院审核退回",
    "school_approve": "学校审核通过",
    "school_return": "学校审核退回",
    "termination_request": "申请解约",
    "termination_withdraw": "撤回解约申请",
    "termination_accept": "同意解约",
    "termination_decline": "拒绝解约",
    "termination_approve": "解约审核通过",
    "termination_return": "解约审核退回",
    "student_corrected": "学校更正生源信息",
    "paper_register": "学生登记纸质协议",
    "paper_resubmit": "学生重新提交纸质协议",
    "paper_withdraw": "学生撤回纸质协议登记",
}

SYSTEM_NAME = "系统"


def actor_display_name(user: User | None) -> str:
    if user is None:
        return SYSTEM_NAME
    if user.role == Role.EMPLOYER and user.employer_id:
        return f"{user.employer.name}（{user.name}）"  # type: ignore[union-attr]
    if user.role == Role.STUDENT:
        return user.display_name or user.username
    return user.name


def record_event(
    agreement: Agreement,
    action: str,
    *,
    actor: User | None,
    old_status: str = "",
    remark: str = "",
) -> AgreementEvent:
    """Append an event; called inside the transition's transaction so history and status commit together.
    Once that transaction commits, `event_committed` tells the subscribers (documents, e-mail)."""
    event = AgreementEvent.objects.create(
        agreement=agreement,
        actor=actor,
        actor_name=actor_display_name(actor),
        actor_role=actor.role if actor else "",
        action=action,
        action_label=ACTION_LABELS[action],
        remark=remark,
        old_status=old_status,
        new_status=agreement.status,
    )
    _notify(agreement, event, actor)
    transaction.on_commit(partial(_announce, event.pk, agreement.pk, action))
    return event


def _announce(event_id: int, agreement_id: int, action: str) -> None:
    # send_robust: one subscriber's failure must neither stop the others nor turn the user's committed action
    # into an error page; it is logged, and each subscriber recovers its own work (stale documents are retried).
    for receiver, result in event_committed.send_robust(
        AgreementEvent, event_id=event_id, agreement_id=agreement_id, action=action
    ):
        if isinstance(result, Exception):
            logger.error("%s failed on event %s", receiver, event_id, exc_info=result)


def _notify(agreement: Agreement, event: AgreementEvent, actor: User | None) -> None:
    """The student hears of everything done by others; the employer's accounts of what the student or
    the school did."""
    recipients: list[int] = []
    student_user_id = agreement.student.user_id
    if student_user_id and (actor is None or actor.pk != student_user_id):
        recipients.append(student_user_id)
    # A paper agreement's employer never used the system for it: its accounts hear nothing of it.
    if (actor is None or actor.role != Role.EMPLOYER) and not agreement.paper:
        recipients.extend(User.objects.filter(employer_id=agreement.employer_id).values_list("pk", flat=True))
    Notification.objects.bulk_create([Notification(recipient_id=uid, event=event) for uid in recipients])


def notifications_mark_read(notification_ids: list[int], *, acting_user: User) -> int:
    """消息 shown to their recipient are read; someone else's are never touched."""
    if not notification_ids:
        return 0
    return Notification.objects.filter(pk__in=notification_ids, recipient=acting_user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, acting_user: User) -> int:
    """全部标为已读: every unread 消息 of the user."""
    return Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_read_for_agreement(agreement_id: int, *, acting_user: User) -> int:
    """Opening an agreement reads the user's 消息 about it: what they told has been seen."""
    return Notification.objects.filter(
        recipient=acting_user, event__agreement_id=agreement_id, read_at__isnull=True
    ).update(read_at=timezone.now())
