"""Reads of 毕业去向, scoped to the viewer: a student their own, a reviewer their college or school; else 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from core.errors import NotFound
from core.models import Attachment, Destination, DestinationEvent, DestinationVersion, Role, Student, User
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


def destination_of_student(student: Student) -> Destination | None:
    """A graduate's 去向 record (with its current version), or None before anyone reported one; the caller has
    already found the student within the viewer's scope."""
    return Destination.objects.filter(student=student).select_related("current").first()


def destination_events(destination: Destination) -> list[DestinationEvent]:
    return list(destination.events.select_related("confirmation").order_by("created_at", "id"))


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


AUDITORS = (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN, Role.PROVINCE_ADMIN)


def get_attachment_for_user(user: User, attachment_id: int) -> Attachment:
    """A proof file of a 去向 or a paper agreement's scan, for its student and their reviewers only. A retired one
    (deleted by the student, or its owner deleted: 佐证材料 kept EVIDENCE_RETENTION_YEARS) only for the auditors:
    its reviewers and the province; one whose owner is gone, for its school's admins and the province."""
    from core.selectors.agreements import agreements_visible_to

    attachment = Attachment.kept.filter(pk=attachment_id).first()
    if attachment is None or (attachment.retired_at is not None and user.role not in AUDITORS):
        raise NotFound()
    if attachment.destination_id is not None:
        visible = destinations_visible_to(user).filter(pk=attachment.destination_id).exists()
    elif attachment.agreement_id is not None:
        # A paper agreement's scan: its student, its reviewers, and the verified employer named on it (which sees the
        # agreement to dispute it, issue 19 item 6(d)); never a 未注册 row or an unverified claim of it.
        visible = agreements_visible_to(user).filter(pk=attachment.agreement_id).exists()
    else:
        scope = school_scope(user) if user.role in (Role.SCHOOL_ADMIN, Role.PROVINCE_ADMIN) else None
        visible = scope is not None and Attachment.kept.filter(scope, pk=attachment.pk).exists()
    if not visible:
        raise NotFound()
    return attachment


def retired_attachments(viewer: User, destination: Destination) -> list[Attachment]:
    """The proof files a 去向 no longer shows (its student deleted them), for the auditors on its page (the caller
    has checked the viewer sees the 去向); nobody else sees them."""
    if viewer.role not in AUDITORS:
        return []
    return list(Attachment.kept.filter(destination=destination, retired_at__isnull=False).order_by("retired_at", "pk"))


def orphaned_evidence(user: User) -> QuerySet[Attachment]:
    """佐证材料 whose 去向 or agreement was deleted (a student deleted from the roster…), kept EVIDENCE_RETENTION_YEARS:
    for its school's admins and the province over it, newest first; nobody else has a page where they are listed."""
    scope = school_scope(user) if user.role in (Role.SCHOOL_ADMIN, Role.PROVINCE_ADMIN) else None
    if scope is None:
        return Attachment.kept.none()
    orphans = Attachment.kept.filter(retired_at__isnull=False, destination__isnull=True, agreement__isnull=True)
    return orphans.filter(scope).select_related("school").order_by("-retired_at", "-pk")


def destination_queue(user: User) -> QuerySet[Destination]:
    """毕业去向 waiting for this reviewer."""
    status = "college_review" if user.role == Role.COLLEGE_ADMIN else "school_review"
    return destinations_visible_to(user).filter(status=status)


def destination_queue_count(user: User) -> int:
    """The menu's badge."""
    return destination_queue(user).count()
