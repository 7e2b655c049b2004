"""Reads of 毕业去向, scoped to the viewer: a student their own, a reviewer their college or school; else 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from core.errors import NotFound
from core.models import Attachment, Destination, DestinationEvent, DestinationVersion, Role, User
from core.selectors.scope import school_scope


def destinations_visible_to(user: User) -> QuerySet[Destination]:
    scope = school_scope(user)
    return Destination.objects.none() if scope is None else Destination.objects.filter(scope)


def with_destination_relations(qs: QuerySet[Destination]) -> QuerySet[Destination]:
    """Everything a list row or the detail shows, in a constant number of queries."""
    return qs.select_related(
        "student", "student__school", "student__college", "student__major", "current", "agreement", "school"
    ).prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))


def get_destination_for_user(user: User, destination_id: int) -> Destination:
    destination = with_destination_relations(destinations_visible_to(user)).filter(pk=destination_id).first()
    if destination is None:
        raise NotFound()
    return destination


def own_destination(user: User) -> Destination | None:
    """The student's record, or None before their first visit (未登记)."""
    return with_destination_relations(destinations_visible_to(user)).filter(student__user_id=user.pk).first()


def destination_events(destination: Destination) -> list[DestinationEvent]:
    return list(destination.events.order_by("created_at", "id"))


def destination_versions(destination: Destination) -> list[DestinationVersion]:
    return list(destination.versions.order_by("version"))


@dataclass(frozen=True)
class DestinationFilters:
    status: str = ""
    code: str = ""
    graduation_year: int | None = None
    college_id: int | None = None
    name: str = ""  # 姓名 or 学号, exact


def filter_destinations(qs: QuerySet[Destination], f: DestinationFilters) -> QuerySet[Destination]:
    if f.status:
        qs = qs.filter(status=f.status)
    if f.code:
        qs = qs.filter(code=f.code)
    if f.graduation_year:
        qs = qs.filter(graduation_year=f.graduation_year)
    if f.college_id:
        qs = qs.filter(college_id=f.college_id)
    if f.name:
        qs = qs.filter(student__name=f.name) | qs.filter(student__student_no=f.name)
    return qs.order_by("-updated_at", "-id")


def get_attachment_for_user(user: User, attachment_id: int) -> Attachment:
    """A proof file of a 去向 or a paper agreement's scan, for its student and their reviewers only."""
    from core.selectors.agreements import agreements_visible_to

    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    if attachment.destination_id is not None:
        visible = destinations_visible_to(user).filter(pk=attachment.destination_id).exists()
    elif attachment.agreement_id is not None:
        # An employer never sees a paper agreement's scan, even when it is named on it.
        visible = user.role != Role.EMPLOYER and (
            agreements_visible_to(user).filter(pk=attachment.agreement_id).exists()
        )
    else:
        visible = False
    if not visible:
        raise NotFound()
    return attachment


def destination_queue_count(user: User) -> int:
    """毕业去向 waiting for this reviewer (the menu's badge)."""
    status = "college_review" if user.role == Role.COLLEGE_ADMIN else "school_review"
    return destinations_visible_to(user).filter(status=status).count()
