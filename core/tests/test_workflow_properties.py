"""Property-based: random sequences of actions by every party keep the workflow's invariants.

Whatever order students, employers and reviewers act in, a student never holds two active agreements, at most one
invitation per employer and student is open, every status change leaves exactly one 流程追踪 event, and a refused
action changes nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core.errors import DomainError
from core.models import Agreement, AgreementEvent, Status
from core.rules import ACTIVE_STATUSES
from core.services import agreements as wf
from testsupport import World, confirm, invite, make_world

ACTIONS = [
    "accept",
    "decline",
    "withdraw",
    "modify",
    "approve",
    "return",
    "terminate",
    "terminate_accept",
    "terminate_decline",
    "terminate_approve",
    "terminate_return",
    "terminate_withdraw",
]


class WorkflowMachine(RuleBasedStateMachine):
    world: World

    reached: set[str] = set()

    @initialize()
    def setup(self) -> None:
        self.world = make_world()
        self.students = [self.world.student, self.world.other_student]
        self.employers = [self.world.employer, self.world.other_employer]

    @rule(s=st.integers(0, 1), e=st.integers(0, 1))
    def send(self, s: int, e: int) -> None:
        with contextlib.suppress(DomainError):
            invite(self.employers[e], self.students[s])

    @rule(index=st.integers(0, 20), action=st.sampled_from(ACTIONS), actor=st.integers(0, 5))
    def act(self, index: int, action: str, actor: int) -> None:
        agreements = list(Agreement.objects.order_by("pk"))
        if not agreements:
            return
        agreement = agreements[index % len(agreements)]
        w = self.world
        student_user = agreement.student.user
        assert student_user is not None
        employer_user = next(u for u in self.employers if u.employer_id == agreement.employer_id)
        people = [student_user, employer_user, w.college_admin, w.other_college_admin, w.school_admin, w.other_employer]
        user = people[actor]
        calls: dict[str, Any] = {
            "accept": lambda: wf.agreement_accept(
                agreement, acting_user=user, confirmation=confirm(user, "accept", agreement)
            ),
            "decline": lambda: wf.agreement_decline(agreement, acting_user=user),
            "withdraw": lambda: wf.agreement_withdraw(agreement, acting_user=user),
            "modify": lambda: wf.agreement_modify(
                agreement,
                terms={"monthly_salary": 5000 + agreement.pk * 10 + len(events_of(agreement))},
                acting_user=user,
            ),
            "approve": lambda: wf.agreement_approve(agreement, acting_user=user),
            "return": lambda: wf.agreement_return(agreement, remark="退回", acting_user=user),
            "terminate": lambda: wf.termination_request(
                agreement, reason="原因", acting_user=user, confirmation=confirm(user, "termination", agreement)
            ),
            "terminate_accept": lambda: wf.termination_accept(
                agreement, acting_user=user, confirmation=confirm(user, "termination/accept", agreement)
            ),
            "terminate_decline": lambda: wf.termination_decline(
                agreement,
                remark="不同意",
                acting_user=user,
                confirmation=confirm(user, "termination/decline", agreement),
            ),
            "terminate_approve": lambda: wf.termination_approve(agreement, acting_user=user),
            "terminate_return": lambda: wf.termination_return(agreement, remark="退回", acting_user=user),
            "terminate_withdraw": lambda: wf.termination_withdraw(agreement, acting_user=user),
        }
        before = (agreement.status, len(events_of(agreement)))
        try:
            calls[action]()
        except DomainError:
            agreement.refresh_from_db()
            assert (agreement.status, len(events_of(agreement))) == before, "a refused action changed something"
            return
        agreement.refresh_from_db()
        assert len(events_of(agreement)) == before[1] + 1, "a transition must leave exactly one event"

    @rule(index=st.integers(0, 20))
    def advance(self, index: int) -> None:
        """The natural next step by the right party, so long sequences reach every status."""
        agreements = list(Agreement.objects.order_by("pk"))
        if not agreements:
            return
        agreement = agreements[index % len(agreements)]
        w = self.world
        student_user = agreement.student.user
        assert student_user is not None
        employer_user = next(u for u in self.employers if u.employer_id == agreement.employer_id)
        college_admin = w.college_admin if agreement.college_id == w.college.pk else w.other_college_admin
        step = {
            Status.INVITED: lambda: wf.agreement_accept(
                agreement, acting_user=student_user, confirmation=confirm(student_user, "accept", agreement)
            ),
            Status.COLLEGE_REVIEW: lambda: wf.agreement_approve(agreement, acting_user=college_admin),
            Status.SCHOOL_REVIEW: lambda: wf.agreement_approve(agreement, acting_user=w.school_admin),
            Status.EFFECTIVE: lambda: wf.termination_request(
                agreement,
                reason="原因",
                acting_user=student_user,
                confirmation=confirm(student_user, "termination", agreement),
            ),
            Status.TERMINATION_REQUESTED: lambda: wf.termination_accept(agreement, acting_user=employer_user),
            Status.TERMINATION_REVIEW: lambda: wf.termination_approve(agreement, acting_user=w.school_admin),
        }.get(Status(agreement.status))
        if step is None:
            return
        try:
            step()
        except DomainError:
            return  # e.g. the student already holds another active agreement
        agreement.refresh_from_db()
        WorkflowMachine.reached.add(agreement.status)

    @invariant()
    def one_active_agreement_per_student(self) -> None:
        if not hasattr(self, "world"):
            return
        for student in self.students:
            assert Agreement.objects.filter(student=student, status__in=ACTIVE_STATUSES).count() <= 1

    @invariant()
    def one_open_invitation_per_pair(self) -> None:
        if not hasattr(self, "world"):
            return
        for student in self.students:
            for employer in self.employers:
                open_ = Agreement.objects.filter(student=student, employer=employer.employer, status=Status.INVITED)
                assert open_.count() <= 1

    @invariant()
    def trail_matches_status(self) -> None:
        if not hasattr(self, "world"):
            return
        for agreement in Agreement.objects.all():
            last = AgreementEvent.objects.filter(agreement=agreement).last()
            assert last is not None and last.new_status == agreement.status
            # A number exactly when the agreement has been effective (解约 may also end one still in review).
            was_effective = AgreementEvent.objects.filter(agreement=agreement, new_status=Status.EFFECTIVE).exists()
            assert bool(agreement.number) == was_effective


def events_of(agreement: Agreement) -> list[int]:
    return list(AgreementEvent.objects.filter(agreement=agreement).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_workflow_invariants_hold_for_random_action_sequences() -> None:
    from django.core.management import call_command

    class Machine(WorkflowMachine):
        def teardown(self) -> None:
            call_command("flush", "--noinput", verbosity=0)

    Machine.TestCase.settings = settings(
        # The same walks on every run: a random one sometimes never reached 解约 in its 25 × 30 steps (seen once in
        # 530 tests), and the assertion below would fail CI for no fault of the code.
        derandomize=True,
        max_examples=25,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Machine.TestCase().runTest()
    # The random walk really went through the lifecycle, not just through refusals.
    assert {"college_review", "school_review", "effective", "termination_requested"} <= WorkflowMachine.reached
