"""The agreement workflow's rules, in one place: which statuses form which group, and which actions a user may
take on an agreement now (pretix's `Order.cancel_allowed()` is the model).

The services in `core/services/agreements.py` guard every transition with `require()`; views, templates and the
API read `allowed_actions()`, so a button is offered exactly when the workflow would accept the action. Action
names are the API's action endpoints (SPEC §6).

What is checked here needs only the agreement, its school's settings and the user: role, party or review scope,
review level, status, who asked for a 解约. Rules that need other rows stay in the services, with their own
message: a student's other active agreement (`agreement_accept`, with a unique index as backstop), the school's
解约 window and count (`termination_request`).
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.models.destinations import DestinationSource, DestinationStatus
from core.models.org import Employer, Role

# The status groups are declared beside Status (the models' constraints need them, and the models need nothing from
# the rules); the rules name them for everyone who reads the workflow.
from core.models.status import ACTIVE_STATUSES as ACTIVE_STATUSES
from core.models.status import (
    CLOSED_STATUSES,
    EFFECTIVE_STATUSES,
    REVIEW_STATUSES,
    SIGNED_STATUSES,
    SIGNING_STATUSES,
    TERMINATING_STATUSES,
    Status,
)
from core.models.status import FINAL_STATUSES as FINAL_STATUSES
from core.models.status import ONCE_EFFECTIVE_STATUSES as ONCE_EFFECTIVE_STATUSES

if TYPE_CHECKING:
    from core.models import Agreement, Destination, School, User

# --- status groups of the workflow's actions ----------------------------------------------------------------

MODIFIABLE_STATUSES = (Status.INVITED, *SIGNING_STATUSES)
WITHDRAWABLE_STATUSES = (Status.INVITED, Status.RETURNED)
TERMINABLE_STATUSES = (Status.COLLEGE_REVIEW, Status.SCHOOL_REVIEW, Status.EFFECTIVE)
# A 退回 is still being answered while the agreement stays returned and after the employer's 修改邀约 (invited
# again) until the student signs; its reason stands at the top of the parties' pages.
ANSWERING_RETURN_STATUSES = (Status.RETURNED, Status.INVITED)

# The manual's tabs: 全部 待应约 已应约 待解约 已解约.
TABS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "all": ("全部", None),
    "pending": ("待应约", (Status.INVITED,)),
    "accepted": ("已应约", SIGNED_STATUSES),
    "terminating": ("待解约", TERMINATING_STATUSES),
    "terminated": ("已解约", (Status.TERMINATED,)),
}
# The tabs whose lists have an index of their own for every scope (agreement_{school,employer}_{list,accepted,
# terminating}): read in that index's order whatever the school or employer, so their first page's statement may be
# prepared (AgreementFilters.plannable; per viewer, core.selectors.agreements.PLANNED_TABS_OF_ROLE). 待应约 and 已解约
# are read from the list's index with a filter, and for a school where that status is rare another index is better,
# which a prepared statement's one plan would not know.
PLANNED_TABS = frozenset({"all", "accepted", "terminating"})

# The columns of the statistics table: (key, label, statuses). Every status belongs to exactly one column.
STATS_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("invited", "待应约", (Status.INVITED,)),
    ("college_review", "待学院审核", (Status.COLLEGE_REVIEW,)),
    ("school_review", "待学校审核", (Status.SCHOOL_REVIEW,)),
    ("returned", "签约审核退回", (Status.RETURNED,)),
    ("effective", "已生效", (Status.EFFECTIVE,)),
    ("terminating", "待解约", TERMINATING_STATUSES),
    ("terminated", "已解约", (Status.TERMINATED,)),
    ("closed", "已拒约/撤回/过期", CLOSED_STATUSES),
)


def effective_q(prefix: str = "") -> Q:
    """Agreements that count as effective, as a filter; `prefix` reaches them through a relation."""
    return Q(**{f"{prefix}status__in": EFFECTIVE_STATUSES, f"{prefix}effective_at__isnull": False})


def counts_as_effective(agreement: Agreement) -> bool:
    """Approved and not (yet) terminated; the Python twin of `effective_q`."""
    return agreement.status in EFFECTIVE_STATUSES and agreement.effective_at is not None


def review_status_for(user: User) -> Status:
    """The signing-review queue an admin works on: 待学院审核 for a college, 待学校审核 for the school."""
    return Status.COLLEGE_REVIEW if user.role == Role.COLLEGE_ADMIN else Status.SCHOOL_REVIEW


# --- actions ----------------------------------------------------------------------------------------------


class Action(enum.StrEnum):
    """What a user can do to an agreement, named as the API's action endpoints."""

    ACCEPT = "accept"
    DECLINE = "decline"
    MODIFY = "modify"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    RETURN = "return"
    TERMINATION = "termination"
    TERMINATION_WITHDRAW = "termination/withdraw"
    TERMINATION_ACCEPT = "termination/accept"
    TERMINATION_DECLINE = "termination/decline"
    TERMINATION_APPROVE = "termination/approve"
    TERMINATION_RETURN = "termination/return"
    RESUBMIT = "resubmit"  # a returned paper agreement, corrected by the student who registered it


# Per action: the roles that may ever take it, the statuses it starts from, and the words for "不能…".
_ROLES: dict[Action, tuple[Role, ...]] = {
    Action.ACCEPT: (Role.STUDENT,),
    Action.DECLINE: (Role.STUDENT,),
    Action.MODIFY: (Role.EMPLOYER,),
    Action.WITHDRAW: (Role.EMPLOYER, Role.STUDENT),  # a student only their own paper agreement's registration
    Action.APPROVE: (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN),
    Action.RETURN: (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN),
    Action.TERMINATION: (Role.EMPLOYER, Role.STUDENT),
    Action.TERMINATION_WITHDRAW: (Role.STUDENT, Role.EMPLOYER),
    Action.TERMINATION_ACCEPT: (Role.EMPLOYER, Role.STUDENT),
    Action.TERMINATION_DECLINE: (Role.EMPLOYER, Role.STUDENT),
    Action.TERMINATION_APPROVE: (Role.SCHOOL_ADMIN,),
    Action.TERMINATION_RETURN: (Role.SCHOOL_ADMIN,),
    Action.RESUBMIT: (Role.STUDENT,),
}
_FROM: dict[Action, tuple[Status, ...]] = {
    Action.ACCEPT: (Status.INVITED,),
    Action.DECLINE: (Status.INVITED,),
    Action.MODIFY: MODIFIABLE_STATUSES,
    Action.WITHDRAW: WITHDRAWABLE_STATUSES,
    Action.APPROVE: REVIEW_STATUSES,
    Action.RETURN: REVIEW_STATUSES,
    Action.TERMINATION: TERMINABLE_STATUSES,
    Action.TERMINATION_WITHDRAW: (Status.TERMINATION_REQUESTED,),
    Action.TERMINATION_ACCEPT: (Status.TERMINATION_REQUESTED,),
    Action.TERMINATION_DECLINE: (Status.TERMINATION_REQUESTED,),
    Action.TERMINATION_APPROVE: (Status.TERMINATION_REVIEW,),
    Action.TERMINATION_RETURN: (Status.TERMINATION_REVIEW,),
    Action.RESUBMIT: (Status.RETURNED,),
}
# A paper 就业协议书 (Agreement.paper): the student registered what both parties signed on paper; the school reviews
# it. The employer takes no part here (it never used the system), so these are the only actions, and the student's
# 解约 goes straight to the school's review.
_PAPER_FROM: dict[Action, tuple[Status, ...]] = {
    Action.APPROVE: (Status.SCHOOL_REVIEW,),
    Action.RETURN: (Status.SCHOOL_REVIEW,),
    Action.RESUBMIT: (Status.RETURNED,),
    Action.WITHDRAW: (Status.SCHOOL_REVIEW, Status.RETURNED),
    Action.TERMINATION: (Status.EFFECTIVE,),
    Action.TERMINATION_APPROVE: (Status.TERMINATION_REVIEW,),
    Action.TERMINATION_RETURN: (Status.TERMINATION_REVIEW,),
}
_VERB: dict[Action, str] = {
    Action.ACCEPT: "同意邀约",
    Action.DECLINE: "拒绝邀约",
    Action.MODIFY: "修改邀约",
    Action.WITHDRAW: "撤回",
    Action.APPROVE: "审核通过",
    Action.RETURN: "退回",
    Action.TERMINATION: "申请解约",
    Action.TERMINATION_WITHDRAW: "撤回解约申请",
    Action.TERMINATION_ACCEPT: "处理解约申请",
    Action.TERMINATION_DECLINE: "处理解约申请",
    Action.TERMINATION_APPROVE: "解约审核",
    Action.TERMINATION_RETURN: "解约审核",
    Action.RESUBMIT: "重新提交",
}
_SIGNING_REVIEW = (Action.APPROVE, Action.RETURN)
_TERMINATION_REVIEW = (Action.TERMINATION_APPROVE, Action.TERMINATION_RETURN)
_TERMINATION_ANSWER = (Action.TERMINATION_ACCEPT, Action.TERMINATION_DECLINE)


def status_refusal(agreement: Agreement, verb: str) -> Conflict:
    label = Status(agreement.status).label
    return Conflict(f"协议书当前状态为“{label}”，不能{verb}", code="invalid_status")


def _outside_scope(agreement: Agreement, user: User, action: Action) -> bool:
    """Not this user's agreement: a party acts on its own, an admin within its school (and college)."""
    if user.role == Role.EMPLOYER:
        return agreement.employer_id != user.employer_id
    if user.role == Role.STUDENT:
        return agreement.student.user_id != user.pk
    if agreement.school_id != user.school_id:
        return True
    return user.role == Role.COLLEGE_ADMIN and agreement.college_id != user.college_id


def refusal(agreement: Agreement, user: User, action: Action) -> DomainError | None:
    """Why `user` may not take `action` on `agreement` now, or None when they may.

    The checks run in the order the API reports them: role (403), ownership (404), status (409), then what
    the status leaves open (review level, who asked for the 解约)."""
    if user.role not in _ROLES[action]:
        return Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if agreement.paper:
        return _paper_refusal(agreement, user, action)
    if action == Action.RESUBMIT or (action == Action.WITHDRAW and user.role == Role.STUDENT):
        return Forbidden("当前账号角色无权进行此操作", code="forbidden_role")  # paper agreements only
    # Signing review reports a wrong status before a wrong scope, as the workflow always has.
    if action in _SIGNING_REVIEW and agreement.status not in _FROM[action]:
        return status_refusal(agreement, _VERB[action])
    if _outside_scope(agreement, user, action):
        return NotFound()
    if agreement.status not in _FROM[action]:
        return status_refusal(agreement, _VERB[action])
    if action in _SIGNING_REVIEW and user.role != _reviewer_role(Status(agreement.status)):
        where = "学院" if agreement.status == Status.COLLEGE_REVIEW else "学校"
        return Conflict(f"该协议书正等待{where}审核", code="invalid_status")
    if action == Action.ACCEPT and agreement.expires_at <= timezone.now():
        return Conflict("邀约已过有效期，不能同意", code="invitation_expired")
    if action in (Action.TERMINATION_WITHDRAW, *_TERMINATION_ANSWER, *_TERMINATION_REVIEW):
        termination = agreement.open_termination
        if termination is None:
            return Conflict("没有待处理的解约申请", code="invalid_status")
        if action == Action.TERMINATION_WITHDRAW:
            # An employer's request cannot be withdrawn (SPEC §2); a student may take back their own.
            if user.role == Role.EMPLOYER:
                return Conflict("单位提出的解约申请一经发出无法撤回", code="not_withdrawable")
            if termination.requester_role != Role.STUDENT:
                return Conflict("只能撤回自己提出的解约申请", code="not_withdrawable")
        if action in _TERMINATION_ANSWER and termination.requester_role == user.role:
            return Conflict("解约申请须由对方处理", code="own_request")
    return None


def _paper_refusal(agreement: Agreement, user: User, action: Action) -> DomainError | None:
    if _outside_scope(agreement, user, action) or (user.role == Role.EMPLOYER and not employer_sees_paper(agreement)):
        return NotFound()  # not a party: only a verified employer sees a paper agreement naming it
    if user.role == Role.EMPLOYER:
        return Conflict("纸质协议由学生登记、学校审核，单位只能查看或提出异议", code="paper_agreement")
    allowed_from = _PAPER_FROM.get(action)
    if allowed_from is None:
        return Conflict(f"纸质协议不能{_VERB[action]}", code="paper_agreement")
    if agreement.status not in allowed_from:
        return status_refusal(agreement, _VERB[action])
    if action in _SIGNING_REVIEW and user.role != Role.SCHOOL_ADMIN:
        return Conflict("纸质协议由学校审核", code="invalid_status")
    return None


def _reviewer_role(status: Status) -> Role:
    return Role.COLLEGE_ADMIN if status == Status.COLLEGE_REVIEW else Role.SCHOOL_ADMIN


def require_role(user: User, action: Action) -> None:
    """The role check alone, made before any input is read: a role that may never act answers 403 first."""
    if user.role not in _ROLES[action]:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")


def require(agreement: Agreement, user: User, action: Action) -> None:
    """The services' guard: raise the reason the action is refused."""
    error = refusal(agreement, user, action)
    if error is not None:
        raise error


@functools.cache
def _candidates(role: str, paper: bool, status: str) -> tuple[Action, ...]:
    """The actions `refusal` may allow to a role on an agreement of this kind and status: every other one it refuses
    by role or status alone. Computed once per group, so a list's rows each check two or three actions, not all."""
    table = _PAPER_FROM if paper else _FROM
    return tuple(action for action in Action if role in _ROLES[action] and status in table.get(action, ()))


def allowed_actions(agreement: Agreement, user: User) -> frozenset[Action]:
    """Every action `user` may take on `agreement` now."""
    candidates = _candidates(str(user.role), bool(agreement.paper), str(agreement.status))
    return frozenset(action for action in candidates if refusal(agreement, user, action) is None)


# 报到证 were abolished for the graduates of 2023 and later (教育部办公厅 2022): their two fields (报到证抬头,
# 报到证签发所在地) are shown and printed for earlier cohorts, and for later ones only where the school turns them
# on (学校设置: 显示报到证信息, off by default).
DISPATCH_ABOLISHED_FROM = 2023


def shows_dispatch_fields(school: School, graduation_year: int) -> bool:
    """Whether forms, pages, the API and the PDF show the 报到证 fields for a student of `graduation_year`."""
    return shows_dispatch_fields_of(school.show_dispatch_fields, graduation_year)


def shows_dispatch_fields_of(school_shows: bool, graduation_year: int) -> bool:
    """`shows_dispatch_fields` from the school's setting as read (a list row's values)."""
    return school_shows or graduation_year < DISPATCH_ABOLISHED_FROM


def employer_sees_paper(agreement: Agreement) -> bool:
    """A paper agreement's employer sees it (read-only) and may dispute it when it is a verified employer of the
    platform: it could have signed online, so a paper naming it is its business (issue 19 item 6(d)). A 未注册 row
    or an unverified claim never sees it."""
    return agreement.employer.verification_status == Employer.Verification.VERIFIED


# While the school can still act on the paper (review it, or hear of it once effective), its employer may dispute it.
PAPER_DISPUTABLE: tuple[Status, ...] = (Status.SCHOOL_REVIEW, Status.RETURNED, Status.EFFECTIVE)


def shows_review_draft(agreement: Agreement, user: User) -> bool:
    """The reviewers' preview of the agreement as it will print, watermarked 未生效: for the admins who review
    agreements (their scope is the selectors' business), while it is signed and under review (or returned to be
    signed again): before the student signs there is nothing to review, after approval it has its issued PDF, and
    a declined or withdrawn invitation will never print. Its parties never see it (they download the agreement).
    A paper agreement will never print from here either: its reviewer reads the student's scan instead."""
    return user.role in _ROLES[Action.APPROVE] and agreement.status in SIGNING_STATUSES and not agreement.paper


_ACTIONS = tuple(Action)  # the SPEC's order; iterating the enum itself costs a generator per row of a list


def action_list(agreement: Agreement, user: User) -> list[str]:
    """`allowed_actions` in the SPEC's order, as the API shows it."""
    allowed = allowed_actions(agreement, user)
    return [action.value for action in _ACTIONS if action in allowed] if allowed else []


# --- 毕业去向登记 -------------------------------------------------------------------------------------------


class DestinationAction(enum.StrEnum):
    """What a user can do to a 毕业去向, named as the API's endpoints."""

    UPDATE = "update"  # PUT /destinations/me
    ATTACH = "attach"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    CONFIRM = "confirm"  # the graduate confirms a 去向 the school entered for them (本人确认)
    DISPUTE = "dispute"  # … or says it is not theirs (异议)


_D_ROLES: dict[DestinationAction, tuple[Role, ...]] = {
    DestinationAction.UPDATE: (Role.STUDENT,),
    DestinationAction.ATTACH: (Role.STUDENT,),
    DestinationAction.SUBMIT: (Role.STUDENT,),
    DestinationAction.APPROVE: (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN),
    DestinationAction.RETURN: (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN),
    DestinationAction.CONFIRM: (Role.STUDENT,),
    DestinationAction.DISPUTE: (Role.STUDENT,),
}
# The student edits what is not under review; editing an approved 去向 takes it back to 未提交 (a 去向 changes).
_D_EDITABLE = ("unregistered", "draft", "returned", "approved")
_D_FROM: dict[DestinationAction, tuple[str, ...]] = {
    DestinationAction.UPDATE: _D_EDITABLE,
    DestinationAction.ATTACH: _D_EDITABLE,
    DestinationAction.SUBMIT: ("draft", "returned"),
    DestinationAction.APPROVE: ("college_review", "school_review"),
    DestinationAction.RETURN: ("college_review", "school_review"),
    DestinationAction.CONFIRM: ("pending_confirmation",),
    DestinationAction.DISPUTE: ("pending_confirmation",),
}
_D_VERB: dict[DestinationAction, str] = {
    DestinationAction.UPDATE: "修改",
    DestinationAction.ATTACH: "上传附件",
    DestinationAction.SUBMIT: "提交审核",
    DestinationAction.APPROVE: "审核通过",
    DestinationAction.RETURN: "退回",
    DestinationAction.CONFIRM: "确认",
    DestinationAction.DISPUTE: "提出异议",
}
# The school may enter or change a graduate's 去向 from these (never under review, never one disputed, which only
# the province closes); the result waits for the graduate's 本人确认.
DESTINATION_ENTERABLE = ("unregistered", "draft", "returned", "approved", "pending_confirmation")
# 毕业去向 statuses that count for 去向落实率 (with a placed code, see core.codes.placed_destination_codes).
DESTINATION_COUNTED_STATUSES = ("approved",)


def _destination_outside_scope(destination: Destination, user: User) -> bool:
    if user.role == Role.STUDENT:
        return destination.student.user_id != user.pk
    if user.role not in (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN) or destination.school_id != user.school_id:
        return True
    return user.role == Role.COLLEGE_ADMIN and destination.college_id != user.college_id


def destination_refusal(destination: Destination, user: User, action: DestinationAction) -> DomainError | None:
    """Why `user` may not take `action` on `destination` now (403 role, 404 scope, 409 state), or None."""
    if user.role not in _D_ROLES[action]:
        return Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if _destination_outside_scope(destination, user):
        return NotFound()
    if action in (DestinationAction.UPDATE, DestinationAction.ATTACH, DestinationAction.SUBMIT) and (
        destination.source == DestinationSource.AGREEMENT
    ):
        return Conflict("毕业去向已由就业协议书登记，须先办理解约才能修改", code="set_by_agreement")
    if destination.status not in _D_FROM[action]:
        label = DestinationStatus(destination.status).label
        return Conflict(f"毕业去向当前状态为“{label}”，不能{_D_VERB[action]}", code="invalid_status")
    if action in (DestinationAction.APPROVE, DestinationAction.RETURN):
        reviewer = Role.COLLEGE_ADMIN if destination.status == "college_review" else Role.SCHOOL_ADMIN
        if user.role != reviewer:
            where = "学院" if reviewer == Role.COLLEGE_ADMIN else "学校"
            return Conflict(f"该毕业去向正等待{where}审核", code="invalid_status")
    if action == DestinationAction.SUBMIT and destination.current_id is None:
        return Conflict("请先填写毕业去向", code="invalid_status")
    return None


def destination_enter_refusal(destination: Destination | None, user: User) -> DomainError | None:
    """Why `user` may not enter or change (学校代为登记) the 去向 `destination` now, or None; a student without a
    row yet is 未登记, which may be entered. Read by the service and by the page that offers the form."""
    if user.role not in (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN):
        return Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    if destination is None:
        return None
    if _destination_outside_scope(destination, user):
        return NotFound()
    if destination.source == DestinationSource.AGREEMENT:
        return Conflict("毕业去向已由就业协议书登记，须先办理解约才能修改", code="set_by_agreement")
    if destination.status == "disputed":
        message = "学生已对该毕业去向提出异议，须由省级主管部门核查处理，学校不能修改"
        return Conflict(message, code="invalid_status")
    if destination.status not in DESTINATION_ENTERABLE:
        label = DestinationStatus(destination.status).label
        return Conflict(f"毕业去向当前状态为“{label}”，不能代为登记", code="invalid_status")
    return None


def destination_require_role(user: User, action: DestinationAction) -> None:
    if user.role not in _D_ROLES[action]:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")


def destination_require(destination: Destination, user: User, action: DestinationAction) -> None:
    error = destination_refusal(destination, user, action)
    if error is not None:
        raise error


def destination_actions(destination: Destination, user: User) -> list[str]:
    """The actions `user` may take on `destination` now, in the enum's order (the API's `actions`)."""
    return [a.value for a in DestinationAction if destination_refusal(destination, user, a) is None]


def destination_review_status_for(user: User) -> str:
    return "college_review" if user.role == Role.COLLEGE_ADMIN else "school_review"
