"""Reads of agreements, scoped to the viewer: what is not yours answers 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from core.errors import NotFound
from core.models import (
    Agreement,
    AgreementEvent,
    AgreementTerms,
    Employer,
    Role,
    School,
    Status,
    Student,
    Termination,
    User,
)
from core.rules import ACTIVE_STATUSES, FINAL_STATUSES, PLANNED_TABS, TABS, review_status_for
from core.selectors.paging import ListPaginator, cached_choices, count_each, prepared
from core.selectors.scope import school_scope


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    qs = Agreement.objects.all()
    if user.role == Role.EMPLOYER and user.employer_id is not None:
        # A paper agreement names the employer, which took no part in it here: a verified employer sees it, read-only,
        # and may dispute it (issue 19 item 6(d)); a 未注册 row or an unverified claim of it never does.
        verified = user.employer is not None and user.employer.verification_status == Employer.Verification.VERIFIED
        mine = qs.filter(employer_id=user.employer_id)
        return mine if verified else mine.filter(paper=False)
    scope = school_scope(user)
    return qs.none() if scope is None else qs.filter(scope)


def with_list_relations(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Everything a list row shows, in one query: the agreement with its school, employer, current terms, open 解约
    and student (with major and college). Planning this join costs about as much as running it, so on PostgreSQL
    the statement is prepared once per connection (`agreement_rows`, DATABASE_PREPARED_STATEMENTS) and each page only
    runs it. The student's school is the agreement's (an agreement is made with a student of its school),
    joined once: see `share_school`."""
    # (django-stubs does not know a FilteredRelation may be select_related)
    return with_open_termination(qs).select_related(  # type: ignore[misc]
        "school", "employer", "current_terms", "open_termination_row", "student__major", "student__college"
    )


def with_open_termination(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """The agreement's open 解约 as the relation `open_termination_row`, for a list's one query to select: at most one
    per agreement (a unique index), joined on that index, not a query of its own."""
    return qs.annotate(
        open_termination_row=FilteredRelation(
            "terminations", condition=Q(terminations__state__in=Termination.OPEN_STATES)
        )
    )


def share_school(agreements: list[Agreement]) -> list[Agreement]:
    """Give each row's student the agreement's school, read once by with_list_relations."""
    for agreement in agreements:
        agreement.student.school = agreement.school
    return agreements


def agreement_rows(ids: list[int]) -> list[Agreement]:
    """The list rows of these agreements (ids a scoped list query gave), with all a row shows: a prepared statement,
    planned once per connection (core.selectors.paging.prepared)."""
    rows = with_list_relations(Agreement.objects.filter(pk__in=ids))
    with prepared(rows.db):
        return share_school(attach_open_termination(list(rows)))


def agreement_paginator(qs: QuerySet[Agreement], per_page: int, *, prepare: bool = False) -> ListPaginator:
    """Pages of a scoped, filtered list: the ids from the list's index, then their rows (core.selectors.paging)."""
    return ListPaginator(qs, per_page, agreement_rows, prepare=prepare)


def attach_open_termination(agreements: list[Agreement]) -> list[Agreement]:
    for agreement in agreements:
        agreement._open_termination = getattr(agreement, "open_termination_row", None)  # type: ignore[attr-defined]
    return agreements


def get_agreement_for_user(user: User, agreement_id: int | str) -> Agreement:
    try:
        pk = int(agreement_id)
    except (TypeError, ValueError):
        raise NotFound()
    found = with_list_relations(agreements_visible_to(user)).filter(pk=pk)
    # Prepared: one agreement by primary key within the viewer's scope has one right plan, and planning the join
    # costs ten times running it (9 ms against 0.7 at 1M agreements); an act reads it twice (its check, its answer).
    with prepared(found.db):
        agreement = found.first()
    if agreement is None:
        raise NotFound()
    share_school(attach_open_termination([agreement]))
    return agreement


def visible_agreement_id(user: User, agreement_id: int | str) -> int:
    """The id, if the viewer may see this agreement (else NotFound): an index read, for an action that reads the
    agreement itself once, locked, in its service."""
    try:
        pk = int(agreement_id)
    except (TypeError, ValueError):
        raise NotFound()
    found = agreements_visible_to(user).filter(pk=pk).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound()
    return found


# Per viewer, the tabs whose list is read in an index of its own by the viewer's scope's keys: a school admin's and an
# employer's every PLANNED_TABS (agreement_{school,employer}_…); a college admin's 全部 only, its scope's two keys (the
# school, the college) both in agreement_college_list, its other tabs read from that index with a filter, as a
# school's 待应约 is. No other viewer's list is.
PLANNED_TABS_OF_ROLE: dict[str, frozenset[str]] = {
    Role.SCHOOL_ADMIN: PLANNED_TABS,
    Role.EMPLOYER: PLANNED_TABS,
    Role.COLLEGE_ADMIN: frozenset({"all"}),
}


@dataclass(frozen=True)
class AgreementFilters:
    tab: str = "all"
    status: str = ""
    school_id: int | None = None
    graduation_year: int | None = None
    name: str = ""
    id_number: str = ""
    major: str = ""
    college_id: int | None = None
    employer_name: str = ""
    nature: str = ""
    invited_from: datetime.date | None = None
    invited_to: datetime.date | None = None

    @property
    def plannable(self) -> bool:
        """Whether the list's one plan is the best for every viewer (core.selectors.paging.ListPaginator's `prepare`):
        no filter but a tab that has an index of its own (PLANNED_TABS)."""
        return self.tab in PLANNED_TABS and self == AgreementFilters(tab=self.tab)

    def plannable_for(self, user: User) -> bool:
        """`plannable`, for a viewer whose scope is that tab's index's keys (PLANNED_TABS_OF_ROLE: a school admin's
        school, an employer's own, a college admin's college and school). A province's schools (a subquery of its one
        parameter: a few rows of the table or most of it) or a student's own (a join) are no such key: their plan
        depends on the value, a generic one may not."""
        return self.plannable and self.tab in PLANNED_TABS_OF_ROLE.get(user.role, frozenset())


def filter_agreements(qs: QuerySet[Agreement], f: AgreementFilters) -> QuerySet[Agreement]:
    statuses = TABS.get(f.tab, TABS["all"])[1]
    if statuses is not None:
        qs = qs.filter(status__one_of=statuses)  # written into the statement: the tab's partial index (paging.OneOf)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.school_id:
        qs = qs.filter(school_id=f.school_id)
    if f.graduation_year:
        qs = qs.filter(graduation_year=f.graduation_year)
    if f.name:
        # From the first character (张 finds 张伟 and 张三丰): a range of the list's name index, for names of any
        # length, where a match inside the name would read every row of the list.
        qs = qs.filter(student_name__startswith=f.name.strip())
    if f.id_number:
        qs = qs.filter(student__id_number=f.id_number.strip().upper())
    if f.major:
        qs = qs.filter(student__major__name__contains=f.major.strip())
    if f.college_id:
        qs = qs.filter(college_id=f.college_id)
    if f.employer_name:
        qs = qs.filter(employer__name__contains=f.employer_name.strip())
    if f.nature:
        qs = qs.filter(employer__nature=f.nature)
    if f.invited_from:
        qs = qs.filter(invited_at__date__gte=f.invited_from)
    if f.invited_to:
        qs = qs.filter(invited_at__date__lte=f.invited_to)
    return qs


def terms_versions_of(agreement: Agreement) -> list[AgreementTerms]:
    """Every version of the terms, oldest first, with who wrote it."""
    return list(AgreementTerms.objects.filter(agreement=agreement).select_related("created_by").order_by("version"))


def schools_and_years_of(user: User) -> tuple[list[tuple[int, str]], set[int]]:
    """The schools and 毕业年度 of the viewer's own agreements, for an employer's filter choices (kept a few minutes:
    core.selectors.paging.cached_choices)."""

    def compute() -> tuple[list[tuple[int, str]], set[int]]:
        mine = agreements_visible_to(user).order_by()
        schools = list(
            School.objects.filter(pk__in=mine.values("school_id")).order_by("code").values_list("pk", "name")
        )
        # order_by(): the model's default ordering would otherwise join the DISTINCT (invited_at, id: every row).
        return list(schools), set(mine.values_list("graduation_year", flat=True).distinct())

    # One employer's accounts see the same agreements (agreements_visible_to), so they share the choices.
    scope = f"employer:{user.employer_id}" if user.role == Role.EMPLOYER else f"user:{user.pk}"
    return cached_choices(f"schools-years:{scope}", compute)


# --- the student's own ------------------------------------------------------------------------------------


def active_agreement_of(user: User) -> Agreement | None:
    """The student's one active agreement (signed, in review, effective or being terminated), if any."""
    return agreements_visible_to(user).filter(status__in=ACTIVE_STATUSES).select_related("employer").first()


def open_invitations_of(user: User) -> QuerySet[Agreement]:
    return (
        agreements_visible_to(user)
        .filter(status=Status.INVITED)
        .select_related("school", "student", "employer", "current_terms")
        .order_by("-invited_at", "-id")
    )


def agreement_history_of(user: User) -> list[Agreement]:
    """Agreements that ended: declined, withdrawn, expired or terminated."""
    return list(
        agreements_visible_to(user)
        .filter(status__in=FINAL_STATUSES)
        .select_related("employer", "current_terms")
        .order_by("-updated_at", "-id")
    )


def terminations_used_by(user: User) -> int:
    """How many of the student's agreements ended in an approved 解约 (a school may cap it)."""
    return agreements_visible_to(user).filter(status=Status.TERMINATED).count()


def agreements_of_student(user: User, student: Student) -> list[Agreement]:
    """A student's agreements as an admin sees them on the student's page."""
    return share_school(
        attach_open_termination(list(with_list_relations(agreements_visible_to(user).filter(student=student))))
    )


# --- queues -----------------------------------------------------------------------------------------------


def review_queues(user: User) -> dict[str, QuerySet[Agreement]]:
    """What waits for an admin: signing reviews at their level and, for the school, 解约 reviews."""
    visible = agreements_visible_to(user)
    queues = {"reviews": visible.filter(status=review_status_for(user))}
    if user.role == Role.SCHOOL_ADMIN:
        queues["terminations"] = visible.filter(status=Status.TERMINATION_REVIEW)
    return queues


def review_queue_counts(user: User) -> dict[str, int]:
    """The queues' lengths, one query: COUNT(*) over the scope's status index (agreement_school_status), an
    index-only scan (counting ids read the heap: 20 ms at 1M agreements against 1.5 ms)."""
    return count_each(review_queues(user))


def asked_by_student(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Agreements whose open 解约 request the student made (the employer's 学生提出解约待办理 list)."""
    asked = Termination.objects.filter(
        agreement=OuterRef("pk"), state=Termination.State.PENDING, requester_role=Role.STUDENT
    )
    return qs.filter(status=Status.TERMINATION_REQUESTED).filter(Exists(asked))


def with_termination_history(qs: QuerySet[Agreement], history: str) -> QuerySet[Agreement]:
    """解约记录 filter: "none" never asked for, "failed" asked for and declined or returned, else all."""
    if history == "none":
        return qs.exclude(Exists(Termination.objects.filter(agreement=OuterRef("pk"))))
    if history == "failed":
        failed = (Termination.State.DECLINED, Termination.State.RETURNED)
        return qs.filter(Exists(Termination.objects.filter(agreement=OuterRef("pk"), state__in=failed)))
    return qs


def active_status_by_student() -> Subquery:
    """The status of a student's active agreement, for annotating student rows (at most one exists)."""
    return Subquery(Agreement.objects.filter(student=OuterRef("pk"), status__in=ACTIVE_STATUSES).values("status")[:1])


def paper_dispute_of(agreement: Agreement) -> AgreementEvent | None:
    """The employer's 异议 to a paper agreement that its latest registration or resubmission still answers to (the
    reviewer reads it atop the agreement; the employer disputes a version once)."""
    if not agreement.paper:
        return None
    events = AgreementEvent.objects.filter(agreement=agreement).order_by("-sequence")
    for event in events.filter(action__in=("paper_register", "paper_resubmit", "paper_dispute"))[:1]:
        return event if event.action == "paper_dispute" else None
    return None
