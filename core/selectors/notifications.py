"""Reads of a user's 消息, and what waits on an employer (the counts on its menu)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet, Value

from core.errors import NotFound
from core.models import Agreement, DestinationNotification, Notification, Status, User
from core.selectors.agreements import agreements_visible_to, asked_by_student
from core.selectors.scoped_counts import KeptCounts

# 应约 answers an employer has not yet looked at count as waiting on it in 单位签约中心.
ANSWER_ACTIONS = Notification.ANSWER_ACTIONS
# The two kinds of a student's 消息 (`inbox_of`): an agreement's event, a 去向's.
INBOX_AGREEMENT, INBOX_DESTINATION = "agreement", "destination"


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related(
        "event",
        "event__agreement",
        "event__agreement__employer",
        "event__agreement__student",
        "event__agreement__school",
    )


def get_notification_for_user(user: User, notification_id: int) -> Notification:
    notification = notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def destination_notifications_of(user: User) -> QuerySet[DestinationNotification]:
    """The 消息 of a 去向's events to their recipient: the school's side (core.catalogue's `Party.SCHOOL`) or the
    graduate."""
    return DestinationNotification.objects.filter(recipient=user).select_related(
        "event", "event__destination", "event__destination__student", "event__destination__school"
    )


def get_destination_notification_for_user(user: User, notification_id: int) -> DestinationNotification:
    notification = destination_notifications_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def destination_unread(user: User) -> QuerySet[DestinationNotification]:
    return DestinationNotification.objects.filter(recipient=user, read_at__isnull=True)


def destination_unread_count(user: User) -> int:
    return destination_unread(user).count()


def inbox_of(user: User) -> QuerySet[Any]:
    """A student's 消息 of both kinds, agreements' and 去向's, newest first, as rows (kind, id, event time): a page of
    them is read with `inbox_page`."""
    agreement = (
        Notification.objects.filter(recipient=user)
        .annotate(kind=Value(INBOX_AGREEMENT), at=F("event__created_at"))
        .values_list("kind", "pk", "at")
        .order_by()
    )
    destination = (
        DestinationNotification.objects.filter(recipient=user)
        .annotate(kind=Value(INBOX_DESTINATION), at=F("event__created_at"))
        .values_list("kind", "pk", "at")
        .order_by()
    )
    return agreement.union(destination, all=True).order_by("-at", "-pk")


def inbox_page(user: User, rows: Sequence[tuple[str, int, Any]]) -> list[Notification | DestinationNotification]:
    """The 消息 of a page of `inbox_of` rows, in their order: two queries whatever the page."""
    ids = {kind: [pk for k, pk, _ in rows if k == kind] for kind in (INBOX_AGREEMENT, INBOX_DESTINATION)}
    found: dict[tuple[str, int], Notification | DestinationNotification] = {}
    found.update(((INBOX_AGREEMENT, n.pk), n) for n in notifications_of(user).filter(pk__in=ids[INBOX_AGREEMENT]))
    found.update(
        ((INBOX_DESTINATION, n.pk), n) for n in destination_notifications_of(user).filter(pk__in=ids[INBOX_DESTINATION])
    )
    return [found[(kind, pk)] for kind, pk, _ in rows if (kind, pk) in found]


def inbox_unread_count(user: User) -> int:
    """The unread 消息 of both kinds (the student's menu badge)."""
    return unread_count(user) + destination_unread_count(user)


def employer_menu_lists(user: User) -> dict[str, QuerySet[Any]]:
    """What the employer's menu and header count: 解约 requests of students to answer (解约办理); in 单位签约中心 the
    agreements the school returned plus the students' answers to 邀约 this account has not yet read; its unread
    消息. Each an index read on (employer, status) or the 消息's unread flag, whatever plan a prepared statement
    settles on (joining every open 解约 of the platform to the employer's rows, as this did, became a 30 ms generic
    plan at 1M agreements)."""
    visible = agreements_visible_to(user)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return {
        "terminations": asked_by_student(visible),
        "returned": visible.filter(status=Status.RETURNED),
        # The flag copied from the event (Notification.answer): an index count, no join on the events.
        "answers": unread.filter(answer=True),
        "unread": unread,
    }


def _employer_scope(user: User) -> tuple[int, int | None, str]:
    # What employer_menu_lists' SQL depends on: the account, its employer and whether it sees paper agreements.
    employer = user.employer
    return user.pk, user.employer_id, employer.verification_status if employer is not None else ""


# At most one query on every employer page, compiled once per account and process; the 解约 requests and the
# returned agreements by the school portal's to-do rule (core.selectors.scoped_counts.KeptCounts: above
# TODO_COUNT_EXACT_LIMIT kept LIST_COUNT_CACHE_SECONDS for the account — an employer with hundreds of either was
# half of its page's PostgreSQL time), the unread answers and 消息 always counted.
_EMPLOYER_MENU = KeptCounts(
    employer_menu_lists,
    _employer_scope,
    model=Agreement,
    names=("terminations", "returned", "answers", "unread"),
    always=frozenset({"answers", "unread"}),
    prefix="employer-menu",
)


def employer_menu_counts(user: User) -> dict[str, int]:
    """The employer's menu badges and header: `terminations` (解约办理), `agreements` (单位签约中心: returned plus
    unread answers) and `unread` (消息), in at most one query (see _EMPLOYER_MENU for which are kept)."""
    counts = _EMPLOYER_MENU(user)
    return {
        "terminations": counts["terminations"],
        "agreements": counts["returned"] + counts["answers"],
        "unread": counts["unread"],
    }


def employer_todo_counts(user: User) -> dict[str, int]:
    """The menu's to-do badges (employer_menu_counts without the unread 消息)."""
    counts = employer_menu_counts(user)
    return {"terminations": counts["terminations"], "agreements": counts["agreements"]}
