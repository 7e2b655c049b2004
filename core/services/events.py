"""流程追踪: every action on an agreement appends one event, labelled and told as its entry in `core.catalogue`
says; events also feed the parties' 消息."""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from core.catalogue import AgreementEventKind, Party, agreement_event, destination_event, parties_told
from core.models import (
    Agreement,
    AgreementEvent,
    Destination,
    DestinationEvent,
    DestinationNotification,
    EventAnnouncement,
    Notification,
    Role,
    User,
)
from core.models.timeline import TimelineEvent
from core.services.ledger import AGREEMENT_EVENT, ledger_record
from core.services.notify import school_side, send_destination_event_notices
from core.signals import event_committed
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

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
    Once that transaction commits, `event_committed` tells the subscribers (documents, webhooks, e-mail); the
    EventAnnouncement written with the event makes sure they are told even if this process dies first."""
    kind = agreement_event(action)
    event = AgreementEvent.objects.create(
        agreement=agreement,
        sequence=next_sequence(Agreement, agreement.pk, AgreementEvent, "agreement"),
        actor=actor,
        actor_name=actor_display_name(actor),
        actor_role=actor.role if actor else "",
        action=action,
        action_label=kind.label,
        remark=remark,
        old_status=old_status,
        new_status=agreement.status,
    )
    ledger_record(AGREEMENT_EVENT, event)
    _notify(agreement, event, kind)
    EventAnnouncement.objects.create(event=event)
    transaction.on_commit(partial(_announce, event.pk, agreement.pk, action))
    return event


def next_sequence(owner_model: type[Model], owner_id: int, event_model: type[TimelineEvent], owner_field: str) -> int:
    """The next event's place in its owner's history (agreement or 去向). The owner's row is locked first (a
    transition holds it already; a correction of the student's data does not), so two events of one owner never
    draw the same number; the unique (owner, sequence) index says so too."""
    owner_model._default_manager.select_for_update().filter(pk=owner_id).values_list("pk").first()
    events = event_model._default_manager.filter(**{f"{owner_field}_id": owner_id})
    last = events.aggregate(last=Max("sequence"))["last"]
    return (last or 0) + 1


def _announce(event_id: int, agreement_id: int, action: str) -> None:
    # send_robust: one subscriber's failure must neither stop the others nor turn the user's committed action
    # into an error page; it is logged, and each subscriber recovers its own work (stale documents are retried).
    for receiver, result in event_committed.send_robust(
        AgreementEvent, event_id=event_id, agreement_id=agreement_id, action=action
    ):
        if isinstance(result, Exception):
            logger.error("%s failed on event %s", receiver, event_id, exc_info=result)
    EventAnnouncement.objects.filter(event_id=event_id).delete()


def events_announce_lost(*, limit: int = 1000) -> int:
    """For a periodic job: announce the events whose process died between their commit and their announcement
    (an EventAnnouncement older than EVENT_ANNOUNCE_GRACE_SECONDS). Every subscriber is idempotent (a document
    per kind and version, a webhook delivery per endpoint and event, a notice claimed once), so an event announced
    twice (a request slower than the grace) does no harm. Rows are claimed with SKIP LOCKED: two schedulers, or
    the job run by hand beside one, announce each event once. The count announced."""
    before = timezone.now() - datetime.timedelta(seconds=settings.EVENT_ANNOUNCE_GRACE_SECONDS)
    announced = 0
    while announced < limit:
        with transaction.atomic():
            lost = (
                EventAnnouncement.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(created_at__lt=before)
                .select_related("event")
                .order_by("created_at")
                .first()
            )
            if lost is None:
                break
            event = lost.event
            logger.warning("Event %s (%s) was never announced: announcing it now", event.pk, event.action)
            _announce(event.pk, event.agreement_id, event.action)
        announced += 1
    return announced


def _notify(agreement: Agreement, event: AgreementEvent, kind: AgreementEventKind) -> None:
    """The 消息 of the parties the catalogue tells: the student's account, every account of the employer."""
    told = parties_told(
        kind,
        tuple(kind.inbox),
        actor_role=event.actor_role,
        paper=agreement.paper,
        paper_employer_verified=agreement.paper and agreement.employer.verification_status == "verified",
    )
    recipients: list[int] = []
    if Party.STUDENT in told and agreement.student.user_id:
        recipients.append(agreement.student.user_id)
    if Party.EMPLOYER in told:
        recipients.extend(User.objects.filter(employer_id=agreement.employer_id).values_list("pk", flat=True))
    answer = event.action in Notification.ANSWER_ACTIONS
    Notification.objects.bulk_create([Notification(recipient_id=uid, event=event, answer=answer) for uid in recipients])


def notify_destination_event(destination: Destination, event: DestinationEvent) -> None:
    """A 去向's event as its catalogue entry tells it, in the event's transaction: the 消息 of the school's side and
    of the graduate (one with an account; never the actor), and after commit the e-mail and SMS
    (core.services.notify)."""
    kind = destination_event(event.action)
    recipients: list[int] = []
    if Party.SCHOOL in kind.inbox:
        recipients += school_side(destination).exclude(pk=event.actor_id or 0).values_list("pk", flat=True)
    if Party.STUDENT in kind.inbox:
        graduate = destination.student.user_id
        if graduate is not None and graduate != event.actor_id:
            recipients.append(graduate)
    if recipients:
        DestinationNotification.objects.bulk_create(
            [DestinationNotification(recipient_id=uid, event=event) for uid in recipients]
        )
    if kind.email or kind.sms:
        enqueue_on_commit(send_destination_event_notices, event.pk)


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


def destination_notifications_mark_read(notification_ids: list[int], *, acting_user: User) -> int:
    """A 去向's 消息 shown to their recipient are read; someone else's are never touched."""
    if not notification_ids:
        return 0
    return DestinationNotification.objects.filter(
        pk__in=notification_ids, recipient=acting_user, read_at__isnull=True
    ).update(read_at=timezone.now())


def destination_notifications_mark_all_read(*, acting_user: User) -> int:
    return DestinationNotification.objects.filter(recipient=acting_user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
