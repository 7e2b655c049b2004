"""core.rules: `allowed_actions` offers exactly what the workflow functions accept, per role, level and status."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from core.errors import DomainError
from core.models import Agreement, Status, User
from core.rules import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    STATS_COLUMNS,
    TABS,
    Action,
    action_list,
    allowed_actions,
    counts_as_effective,
)
from core.selectors import get_agreement_for_user
from core.services import agreements as wf
from core.services import paper_agreements as paper
from core.services.actions import ACTION_SERVICES, agreement_act
from testsupport import (
    PAPER_EXTRA,
    REACHABLE,
    World,
    confirm,
    invite,
    make_college,
    make_college_admin,
    make_employer,
    make_school,
    make_school_admin,
    make_student,
)

PAPER: dict[str, str] = {
    **PAPER_EXTRA,
    "employer_name": "大连星海教育咨询有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "24",
    "position": "课程顾问",
    "work_location": "210202",
}
# What a person would type for each action that takes input (the map itself is core.services.actions).
INPUTS: dict[Action, dict[str, Any]] = {
    Action.MODIFY: {"terms": {"position": "架构师"}},
    Action.RETURN: {"remark": "材料不全"},
    Action.TERMINATION: {"reason": "个人原因"},
    Action.TERMINATION_DECLINE: {"remark": "不同意"},
    Action.TERMINATION_RETURN: {"remark": "材料不全"},
    Action.RESUBMIT: {"data": PAPER},
}


def test_every_action_has_its_service_and_the_inputs_it_takes() -> None:
    assert set(ACTION_SERVICES) == set(Action)
    for action, inputs in INPUTS.items():
        assert set(inputs) <= set(ACTION_SERVICES[action].inputs), action
    with pytest.raises(TypeError):
        agreement_act(1, Action.ACCEPT, acting_user=User(), remark="x")


def _users(world: World) -> dict[str, User]:
    assert world.student.user is not None and world.other_student.user is not None
    return {
        "employer": world.employer,
        "other_employer": world.other_employer,
        "student": world.student.user,
        "other_student": world.other_student.user,
        "college_admin": world.college_admin,
        "other_college_admin": world.other_college_admin,
        "school_admin": world.school_admin,
        "other_school_admin": world.other_school_admin,
    }


def _accepted(agreement: Agreement, user: User, action: Action) -> bool:
    """Whether the workflow function takes the action; everything it did is rolled back."""
    with transaction.atomic():
        try:
            inputs = dict(INPUTS.get(action, {}))
            if "confirmation" in ACTION_SERVICES[action].inputs:  # an act that binds the graduate: 本人确认 first
                inputs["confirmation"] = confirm(user, action.value, agreement)
            agreement_act(Agreement.objects.get(pk=agreement.pk), action, acting_user=user, **inputs)
        except DomainError:
            return False
        finally:
            transaction.set_rollback(True)
    return True


def _employer_requested(world: World, student: Any = None) -> Agreement:
    agreement = world.reach("effective", student=student)
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    return agreement


@pytest.mark.parametrize(
    "status",
    [*REACHABLE, "employer_requested"],
)
def test_allowed_actions_are_what_the_workflow_accepts(world: World, status: str) -> None:
    agreement = _employer_requested(world) if status == "employer_requested" else world.reach(status)
    for name, user in _users(world).items():
        allowed = allowed_actions(Agreement.objects.get(pk=agreement.pk), user)
        for action in Action:
            assert (action in allowed) == _accepted(agreement, user, action), (status, name, action)


def _paper(world: World, status: str) -> Agreement:
    """A paper agreement of the world's student in `status`, reached through the workflow."""
    user = world.student.user
    assert user is not None
    agreement = paper.paper_agreement_register(
        PAPER, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=user, confirmation=confirm(user, "paper")
    )
    if status == "returned":
        wf.agreement_return(agreement, remark="扫描件不清晰", acting_user=world.school_admin)
    if status == "withdrawn":
        wf.agreement_withdraw(agreement, acting_user=user)
    if status in ("effective", "termination_review", "terminated"):
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    if status in ("termination_review", "terminated"):
        wf.termination_request(
            agreement, reason="考取研究生", acting_user=user, confirmation=confirm(user, "termination", agreement)
        )
    if status == "terminated":
        wf.termination_approve(agreement, acting_user=world.school_admin)
    assert Agreement.objects.get(pk=agreement.pk).status == status
    return agreement


@pytest.mark.parametrize(
    "status", ["school_review", "returned", "withdrawn", "effective", "termination_review", "terminated"]
)
def test_paper_agreements_allowed_actions_are_what_the_workflow_accepts(world: World, status: str) -> None:
    agreement = _paper(world, status)
    for name, user in _users(world).items():
        allowed = allowed_actions(Agreement.objects.get(pk=agreement.pk), user)
        for action in Action:
            assert (action in allowed) == _accepted(agreement, user, action), (status, name, action)


def test_paper_agreement_actions_per_viewer(world: World) -> None:
    assert _actions(world, _paper(world, "school_review")) == {
        "student": ["withdraw"],
        "school_admin": ["approve", "return"],
    }


def _actions(world: World, agreement: Agreement) -> dict[str, list[str]]:
    fresh = Agreement.objects.get(pk=agreement.pk)
    return {name: action_list(fresh, user) for name, user in _users(world).items() if action_list(fresh, user)}


def test_actions_per_viewer_in_each_status(world: World) -> None:
    assert _actions(world, world.reach("invited")) == {
        "employer": ["modify", "withdraw"],
        "student": ["accept", "decline"],
    }
    # Both parties may ask for 解约 from the first review on (SPEC §2), the reviewer of the level acts.
    review = world.reach("college_review", student=world.other_student)
    assert _actions(world, review) == {
        "employer": ["modify", "termination"],
        "other_student": ["termination"],
        "other_college_admin": ["approve", "return"],
    }


def test_who_may_withdraw_or_answer_a_termination(world: World) -> None:
    by_student = world.reach("termination_requested")
    assert _actions(world, by_student) == {
        "employer": ["termination/accept", "termination/decline"],
        "student": ["termination/withdraw"],
    }
    by_employer = _employer_requested(world, student=world.other_student)
    # An employer's request cannot be withdrawn (SPEC §2).
    assert _actions(world, by_employer) == {"other_student": ["termination/accept", "termination/decline"]}
    assert _actions(world, world.reach("termination_review", student=make_student(world.college))) == {
        "school_admin": ["termination/approve", "termination/return"]
    }


def test_review_levels_follow_the_school_settings(db: None) -> None:
    school = make_school(college_review_enabled=False)
    college = make_college(school)
    college_admin, school_admin = make_college_admin(college), make_school_admin(school)
    world = World(
        school=school,
        college=college,
        other_college=college,
        other_school=school,
        employer=make_employer(),
        other_employer=make_employer(),
        college_admin=college_admin,
        other_college_admin=college_admin,
        school_admin=school_admin,
        other_school_admin=school_admin,
        student=make_student(college),
        other_student=make_student(college),
        outsider_student=make_student(college),
    )
    (agreement,) = invite(world.employer, world.student)
    assert world.student.user is not None
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    fresh = get_agreement_for_user(school_admin, agreement.pk)
    assert fresh.status == Status.SCHOOL_REVIEW
    assert action_list(fresh, school_admin) == ["approve", "return"]
    assert action_list(fresh, college_admin) == []


def test_an_expired_invitation_cannot_be_accepted_but_can_be_declined(world: World) -> None:
    agreement = world.reach("invited")
    Agreement.objects.filter(pk=agreement.pk).update(expires_at=agreement.invited_at)
    assert world.student.user is not None
    assert action_list(Agreement.objects.get(pk=agreement.pk), world.student.user) == ["decline"]


def test_status_groups_partition_the_statuses() -> None:
    columns = [status for _, _, statuses in STATS_COLUMNS for status in statuses]
    assert sorted(columns) == sorted(Status.values)
    assert not set(ACTIVE_STATUSES) & set(FINAL_STATUSES)
    assert set(TABS) == {"all", "pending", "accepted", "terminating", "terminated"}


def test_counts_as_effective_needs_the_schools_approval(world: World) -> None:
    # A 解约 asked for during review does not make the agreement effective; one asked for after approval
    # leaves it in force until the 解约 is approved.
    during_review = world.reach("college_review", student=world.other_student)
    assert world.other_student.user is not None
    wf.termination_request(
        during_review,
        reason="个人原因",
        acting_user=world.other_student.user,
        confirmation=confirm(world.other_student.user, "termination", during_review),
    )
    assert not counts_as_effective(Agreement.objects.get(pk=during_review.pk))
    assert counts_as_effective(world.reach("termination_requested"))
    assert not counts_as_effective(world.reach("terminated", student=make_student(world.college)))
