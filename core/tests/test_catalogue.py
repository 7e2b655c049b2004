"""The event catalogue (core/catalogue.py): every recorded action has a full entry, every entry is recorded, and what
the entries say is what the parties are told (issue 18, "an event catalogue")."""

from __future__ import annotations

import ast
import datetime
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from core.catalogue import AGREEMENT_EVENTS, DESTINATION_EVENTS, PAPER_EMPLOYER_TOLD, Party, message_text
from core.models import AgreementEvent, DestinationEvent, Notification, Role, School, Status
from core.services import agreements as wf
from core.services import paper_agreements as paper
from core.services.students import student_update
from testsupport import PAPER_EXTRA, World, confirm, invite

pytestmark = pytest.mark.django_db

SERVICES = Path(__file__).resolve().parents[1] / "services"
# The functions that append an event, and the catalogue that must know the action they are given.
RECORDERS = {"record_event": "agreement", "_record": "destination"}


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _assigned(function: ast.AST, name: str) -> set[str]:
    """Every string a function assigns to `name`, also as one element of a tuple assignment."""
    found: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                found |= _strings(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for element, value in zip(target.elts, node.value.elts, strict=True):
                    if isinstance(element, ast.Name) and element.id == name:
                        found |= _strings(value)
    return found


def recorded_actions() -> Iterator[tuple[str, str, str]]:
    """(catalogue, action, where) for every action the services can record, read from their source."""
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                    continue
                catalogue = RECORDERS.get(call.func.id)
                if catalogue is None or function.name in RECORDERS:
                    continue
                argument = call.args[1]
                actions = _strings(argument)
                if isinstance(argument, ast.Name):
                    actions |= _assigned(function, argument.id)
                assert actions, f"{path.name}:{call.lineno}: an action the test cannot read"
                for action in actions:
                    yield catalogue, action, f"{path.name}:{call.lineno}"


def test_every_recorded_action_has_an_entry_and_every_entry_is_recorded() -> None:
    found = list(recorded_actions())
    catalogues = {"agreement": AGREEMENT_EVENTS, "destination": DESTINATION_EVENTS}
    missing = [f"{where}: {action}" for catalogue, action, where in found if action not in catalogues[catalogue]]
    assert missing == []
    for name, catalogue in catalogues.items():
        assert {action for c, action, _ in found if c == name} == set(catalogue), f"{name} entries nobody records"


def _placeholders(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None}


def test_every_entry_is_full_and_says_only_what_it_can() -> None:
    label_length = AgreementEvent._meta.get_field("action_label").max_length
    assert label_length == DestinationEvent._meta.get_field("action_label").max_length
    assert label_length is not None
    other = {Party.STUDENT: {"employer"}, Party.EMPLOYER: {"student"}}
    for action, kind in AGREEMENT_EVENTS.items():
        assert kind.action == action and 0 < len(kind.label) <= label_length
        assert set(kind.email) <= set(kind.inbox), f"{action}: e-mailed but not told in the app"
        for party, sentence in kind.inbox.items():
            assert sentence and _placeholders(sentence) <= other[party], (action, party)
        for status, outcome in kind.outcomes.items():
            assert status in Status.values and set(outcome.inbox) <= set(kind.inbox), (action, status)
            for party, sentence in outcome.inbox.items():
                assert sentence and _placeholders(sentence) <= other[party], (action, status, party)
        if kind.sms:
            assert Party.STUDENT in kind.inbox and _placeholders(kind.sms) <= {"employer", "expires", "link"}
    for action, dkind in DESTINATION_EVENTS.items():
        assert dkind.action == action and 0 < len(dkind.label) <= label_length


def test_the_acts_that_bind_the_graduate_are_those_spec_11_names() -> None:
    """Accepting an 邀约, asking for or answering a 解约, registering a paper agreement (again, when returned),
    submitting a 去向. Declared only: the 本人确认 that enforces it is issue 20's."""
    assert {a for a, k in AGREEMENT_EVENTS.items() if k.binds_graduate} == {
        "accept",
        "termination_request",
        "termination_accept",
        "termination_decline",
        "paper_register",
        "paper_resubmit",
    }
    assert {a for a, k in DESTINATION_EVENTS.items() if k.binds_graduate} == {"submit", "confirm"}


def _configure(world: World, **settings: bool) -> None:
    School.objects.filter(pk=world.school.pk).update(**settings)
    world.school.refresh_from_db()


def walk_every_path(world: World) -> None:
    """Every agreement event, under every review setting, by each party that can take it; online and on paper."""
    s, su, hr = world.student, world.student.user, world.employer
    form = {f: getattr(s, f) for f in ("name", "gender", "id_number", "phone", "email", "graduation_year")}
    steps: list[Callable[[Any], Any]] = [
        lambda a: wf.agreement_modify(a, terms={"position": "架构师"}, acting_user=hr),
        lambda a: wf.agreement_accept(a, acting_user=su, confirmation=confirm(su, "accept", a)),
        lambda a: wf.agreement_return(a, remark="材料不全", acting_user=world.college_admin),
        lambda a: wf.agreement_modify(a, terms={"position": "工程师"}, acting_user=hr),
        lambda a: wf.agreement_accept(a, acting_user=su, confirmation=confirm(su, "accept", a)),
        lambda a: wf.agreement_approve(a, acting_user=world.college_admin),
        lambda a: wf.agreement_return(a, remark="材料不全", acting_user=world.school_admin),
        lambda a: wf.agreement_modify(a, terms={"position": "经理"}, acting_user=hr),
        lambda a: wf.agreement_accept(a, acting_user=su, confirmation=confirm(su, "accept", a)),
        lambda a: wf.agreement_approve(a, acting_user=world.college_admin),
        lambda a: wf.agreement_approve(a, acting_user=world.school_admin),
        lambda a: student_update(
            s.pk,
            {**form, "degree": s.degree, "major": str(s.major_id), "phone": "13800001111"},
            acting_user=world.school_admin,
        ),
        lambda a: wf.termination_request(
            a, reason="个人原因", acting_user=su, confirmation=confirm(su, "termination", a)
        ),
        lambda a: wf.termination_withdraw(a, acting_user=su),
        lambda a: wf.termination_request(a, reason="单位原因", acting_user=hr),
        lambda a: wf.termination_decline(
            a, remark="不同意", acting_user=su, confirmation=confirm(su, "termination/decline", a)
        ),
        lambda a: wf.termination_request(
            a, reason="个人原因", acting_user=su, confirmation=confirm(su, "termination", a)
        ),
        lambda a: wf.termination_decline(a, remark="不同意", acting_user=hr),
        lambda a: wf.termination_request(
            a, reason="个人原因", acting_user=su, confirmation=confirm(su, "termination", a)
        ),
        lambda a: wf.termination_accept(a, acting_user=hr),
        lambda a: wf.termination_return(a, remark="材料不全", acting_user=world.school_admin),
        lambda a: wf.termination_request(a, reason="单位原因", acting_user=hr),
        lambda a: wf.termination_accept(a, acting_user=su, confirmation=confirm(su, "termination/accept", a)),
        lambda a: wf.termination_approve(a, acting_user=world.school_admin),
    ]
    (agreement,) = invite(hr, s)
    for step in steps:
        step(agreement)
    (declined,) = invite(hr, s)
    wf.agreement_decline(declined, acting_user=su, remark="不去")
    (withdrawn,) = invite(hr, s)
    wf.agreement_withdraw(withdrawn, acting_user=hr)
    invite(hr, s)
    wf.invitations_expire(now=timezone.now() + datetime.timedelta(days=400))
    for college, school, termination in ((True, False, False), (False, True, True), (False, False, False)):
        _configure(
            world, college_review_enabled=college, school_review_enabled=school, termination_review_enabled=termination
        )
        (agreement,) = invite(hr, s)
        wf.agreement_accept(agreement, acting_user=su, confirmation=confirm(su, "accept", agreement))
        for reviewer in (world.college_admin,) * college + (world.school_admin,) * school:
            wf.agreement_approve(agreement, acting_user=reviewer)
        wf.termination_request(
            agreement, reason="个人原因", acting_user=su, confirmation=confirm(su, "termination", agreement)
        )
        wf.termination_accept(agreement, acting_user=hr)
        if termination:
            wf.termination_approve(agreement, acting_user=world.school_admin)
    # On paper, naming the world's registered employer.
    data = {
        **PAPER_EXTRA,
        "employer_name": "鼎新",
        "credit_code": hr.employer.credit_code,
        "position_category": "24",
        "position": "课程顾问",
        "work_location": "210202",
    }
    for termination in (True, False):
        _configure(
            world, college_review_enabled=True, school_review_enabled=True, termination_review_enabled=termination
        )
        registered = paper.paper_agreement_register(
            data, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=su, confirmation=confirm(su, "paper")
        )
        if termination:  # the verified employer it names says it did not sign it
            paper.paper_agreement_dispute(registered, reason="本单位未与该生签约", acting_user=hr)
        wf.agreement_return(registered, remark="扫描件不清晰", acting_user=world.school_admin)
        paper.paper_agreement_resubmit(
            registered, data, acting_user=su, confirmation=confirm(su, "resubmit", registered)
        )
        wf.agreement_approve(registered, acting_user=world.school_admin)
        wf.termination_request(
            registered, reason="考研", acting_user=su, confirmation=confirm(su, "termination", registered)
        )
        if termination:
            wf.termination_approve(registered, acting_user=world.school_admin)
    registered = paper.paper_agreement_register(
        data, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=su, confirmation=confirm(su, "paper")
    )
    wf.agreement_withdraw(registered, acting_user=su)


def test_every_event_of_every_path_tells_the_other_parties_in_the_app_with_its_own_sentence(world: World) -> None:
    walk_every_path(world)
    events = list(AgreementEvent.objects.select_related("agreement__student", "agreement__employer"))
    assert {e.action for e in events} == set(AGREEMENT_EVENTS)
    told = {(n.event_id, n.recipient.role) for n in Notification.objects.select_related("recipient")}
    party_role = {Party.STUDENT: Role.STUDENT, Party.EMPLOYER: Role.EMPLOYER}
    for event in events:
        # SPEC §8: every event reaches the parties it concerns; never the actor; a paper agreement's employer (here
        # a verified one) only of its registration.
        expected = {
            role
            for party, role in party_role.items()
            if event.actor_role != role
            and not (event.agreement.paper and party == Party.EMPLOYER and event.action not in PAPER_EMPLOYER_TOLD)
        }
        assert {role for event_id, role in told if event_id == event.pk} == expected, event.action
        kind = AGREEMENT_EVENTS[event.action]
        for party, role in party_role.items():
            if role in expected:
                assert kind.sentence(party, event.new_status) is not None, (event.action, party)
                text = message_text(event, party)
                assert "{" not in text and (event.agreement.student.name in text or party == Party.STUDENT)


def test_the_termination_answer_is_written_once_for_both_outcomes() -> None:
    kind = AGREEMENT_EVENTS["termination_accept"]
    assert kind.sentence(Party.STUDENT, Status.TERMINATION_REVIEW) == "{employer}同意了你的解约申请，等待学校审核"
    assert kind.sentence(Party.STUDENT, Status.TERMINATED) == "{employer}同意了你的解约申请，解约已生效"
    assert kind.webhook_type(Status.TERMINATION_REVIEW) == "agreement.termination_answered"
    assert kind.webhook_type(Status.TERMINATED) == "agreement.terminated"
