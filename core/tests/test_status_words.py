"""core.status_words: what a status means to each viewer is true under every review setting.

Every status is reached through the workflow in a school with each combination of 学院审核, 学校审核 and
解约学校审核 (on or off), online and on paper; each of the four viewers (the student, the employer, the college
and the school admin) gets a sentence that never announces a step the school switched off nor one the agreement
did not pass, its tone, whether personal data is masked, and the 解约 it shows."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

import pytest
from django.utils import timezone

from core.models import Agreement, College, Status, Termination, User
from core.rules import Action
from core.services import agreements as wf
from core.services import paper_agreements as paper
from core.status_words import Tone, consequence, status_meaning
from testsupport import (
    PAPER_EXTRA,
    confirm,
    invite,
    make_college,
    make_college_admin,
    make_employer,
    make_school,
    make_school_admin,
    make_student,
)

pytestmark = pytest.mark.django_db

PAPER = {
    **PAPER_EXTRA,
    "employer_name": "大连星海教育咨询有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "24",
    "position": "课程顾问",
    "work_location": "210202",
}
ONLINE = [
    "invited",
    "modified",  # a signed agreement modified by the employer: invited again
    "declined",
    "withdrawn",
    "expired",
    "college_review",
    "school_review",
    "returned",
    "effective",
    "termination_requested",  # by the student
    "employer_requested",  # termination_requested by the employer
    "termination_review",
    "terminated",
]
PAPER_STATES = ["school_review", "returned", "withdrawn", "effective", "termination_review", "terminated"]
SETTINGS = list(itertools.product([True, False], repeat=3))  # (学院审核, 学校审核, 解约学校审核)
_codes = itertools.count(10500)


@dataclass
class Place:
    """A school with the given settings and one person of each role."""

    college_review: bool
    school_review: bool
    termination_review: bool
    college: College
    employer: User
    student: User  # the student of the agreement reached last
    college_admin: User
    school_admin: User

    def next_student(self) -> User:
        """A new student of the college for the next agreement (one active agreement each)."""
        student = make_student(self.college)
        assert student.user is not None
        self.student = student.user
        return student.user

    def viewers(self) -> dict[str, User]:
        return {
            "student": self.student,
            "employer": self.employer,
            "college_admin": self.college_admin,
            "school_admin": self.school_admin,
        }

    def reviewer(self, agreement: Agreement) -> User:
        return self.college_admin if agreement.status == Status.COLLEGE_REVIEW else self.school_admin


def make_place(college_review: bool, school_review: bool, termination_review: bool) -> Place:
    code = str(next(_codes))
    school = make_school(
        f"学校{code}",
        code,
        college_review_enabled=college_review,
        school_review_enabled=school_review,
        termination_review_enabled=termination_review,
    )
    college = make_college(school)
    student = make_student(college)
    assert student.user is not None
    return Place(
        college_review,
        school_review,
        termination_review,
        college,
        make_employer(),
        student.user,
        make_college_admin(college),
        make_school_admin(school),
    )


def _fresh(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_related("school", "student", "employer").get(pk=agreement.pk)


def reach(place: Place, state: str) -> Agreement | None:
    """An online agreement in `state` reached through the workflow, or None where the settings make it
    unreachable (no review at all: nothing is ever under review or returned)."""
    student = place.next_student().student
    (agreement,) = invite(place.employer, student)
    if state == "invited":
        return _fresh(agreement)
    if state == "declined":
        return wf.agreement_decline(agreement, acting_user=place.student)
    if state == "withdrawn":
        return wf.agreement_withdraw(agreement, acting_user=place.employer)
    if state == "expired":
        wf.invitations_expire(now=timezone.now() + datetime.timedelta(days=30))
        return _fresh(agreement)
    agreement = wf.agreement_accept(
        agreement, acting_user=place.student, confirmation=confirm(place.student, "accept", agreement)
    )
    if state in ("college_review", "school_review"):
        while agreement.status not in (state, Status.EFFECTIVE):
            agreement = wf.agreement_approve(agreement, acting_user=place.reviewer(agreement))
        return _fresh(agreement) if agreement.status == state else None
    if state in ("returned", "modified"):
        if agreement.status == Status.EFFECTIVE:
            return None  # no review at all: nothing to return, nothing to modify once in force
        if state == "returned":
            return wf.agreement_return(agreement, remark="材料不全", acting_user=place.reviewer(agreement))
        return wf.agreement_modify(agreement, terms={"position": "架构师"}, acting_user=place.employer)
    while agreement.status != Status.EFFECTIVE:
        agreement = wf.agreement_approve(agreement, acting_user=place.reviewer(agreement))
    if state == "effective":
        return _fresh(agreement)
    asker = place.employer if state == "employer_requested" else place.student
    other = place.student if asker == place.employer else place.employer
    agreement = wf.termination_request(
        agreement, reason="个人原因", acting_user=asker, confirmation=confirm(asker, "termination", agreement)
    )
    if state in ("termination_requested", "employer_requested"):
        return _fresh(agreement)
    agreement = wf.termination_accept(
        agreement, acting_user=other, confirmation=confirm(other, "termination/accept", agreement)
    )
    if state == "termination_review":
        return _fresh(agreement) if agreement.status == Status.TERMINATION_REVIEW else None
    if agreement.status == Status.TERMINATION_REVIEW:
        agreement = wf.termination_approve(agreement, acting_user=place.school_admin)
    return _fresh(agreement)


def reach_paper(place: Place, state: str) -> Agreement | None:
    student = place.next_student()
    agreement = paper.paper_agreement_register(
        PAPER, scan_name="协议书.pdf", scan=b"%PDF-1.4\n", acting_user=student, confirmation=confirm(student, "paper")
    )
    if state == "returned":
        wf.agreement_return(agreement, remark="扫描件不清晰", acting_user=place.school_admin)
    if state == "withdrawn":
        wf.agreement_withdraw(agreement, acting_user=place.student)
    if state in ("effective", "termination_review", "terminated"):
        wf.agreement_approve(agreement, acting_user=place.school_admin)
    if state in ("termination_review", "terminated"):
        wf.termination_request(
            agreement,
            reason="考取研究生",
            acting_user=place.student,
            confirmation=confirm(place.student, "termination", agreement),
        )
    agreement = _fresh(agreement)
    if state == "terminated" and agreement.status == Status.TERMINATION_REVIEW:
        wf.termination_approve(agreement, acting_user=place.school_admin)
        agreement = _fresh(agreement)
    return agreement if agreement.status == state else None  # 解约学校审核 off: a paper's 解约 needs no review


def check_true_to_settings(place: Place, state: str, agreement: Agreement) -> None:
    status = agreement.status
    terminating = status in (Status.TERMINATION_REQUESTED, Status.TERMINATION_REVIEW)
    for name, viewer in place.viewers().items():
        meaning = status_meaning(agreement, viewer)
        text = meaning.sentence.text
        where = (state, agreement.paper, place.college_review, place.school_review, place.termination_review, name)
        assert text.endswith("。") and len(text) > 5, where
        if not place.college_review:
            assert "学院" not in text, (where, text)  # neither "等待学院审核" nor "学院审核已通过"
        if not place.school_review and not agreement.paper and not terminating:
            assert "学校审核" not in text, (where, text)
        if not place.termination_review and status == Status.TERMINATION_REQUESTED:
            assert "学校审核" not in text and "即生效" in text, (where, text)
        if place.termination_review and status == Status.TERMINATION_REQUESTED:
            assert "须经学校审核" in text, (where, text)
        if status == Status.SCHOOL_REVIEW and not agreement.paper:
            assert ("学院审核已通过" in text) == place.college_review, (where, text)
        if status == Status.COLLEGE_REVIEW:
            assert ("转学校审核" in text) == place.school_review, (where, text)
            assert ("即生效" in text) == (not place.school_review), (where, text)
        assert meaning.masked == (name == "employer"), where
        if terminating:
            assert meaning.termination is not None and meaning.termination.state in Termination.OPEN_STATES, where
        elif status == Status.TERMINATED:
            assert meaning.termination is not None and meaning.termination.state == Termination.State.APPROVED
        else:
            assert meaning.termination is None, where
        expected_tone = {
            Status.EFFECTIVE: Tone.SUCCESS,
            Status.RETURNED: Tone.DANGER,
            Status.TERMINATION_REQUESTED: Tone.WARNING,
            Status.TERMINATION_REVIEW: Tone.WARNING,
        }.get(Status(status), Tone.SECONDARY if agreement.is_final else Tone.PRIMARY)
        assert meaning.tone == expected_tone, where


@pytest.mark.parametrize(("college_review", "school_review", "termination_review"), SETTINGS)
def test_every_status_reads_true_for_every_viewer_under_the_settings(
    college_review: bool, school_review: bool, termination_review: bool
) -> None:
    place = make_place(college_review, school_review, termination_review)
    reached = 0
    for state in ONLINE:
        agreement = reach(place, state)
        if agreement is not None:
            reached += 1
            check_true_to_settings(place, state, agreement)
    for state in PAPER_STATES:
        agreement = reach_paper(place, state)
        if agreement is not None:
            check_true_to_settings(place, state, agreement)
    assert reached >= 8  # every setting reaches the invitation's four states, effective and the 解约


def test_the_sentences_the_issue_found_false() -> None:
    # 学院审核 off: an agreement waiting for the school never "passed the college".
    place = make_place(False, True, True)
    agreement = reach(place, "school_review")
    assert agreement is not None
    assert (
        str(status_meaning(agreement, place.student).sentence)
        == "你已同意邀约，协议正在等待学校审核，审核通过后协议即生效。"
    )
    # 学校审核 off: the college's approval makes it effective; nothing is "转学校审核".
    place = make_place(True, False, True)
    agreement = reach(place, "college_review")
    assert agreement is not None
    for viewer in place.viewers().values():
        assert "学院审核通过后协议即生效" in str(status_meaning(agreement, viewer).sentence)
    assert consequence(agreement, Action.APPROVE, place.college_admin).startswith("审核通过后协议书即生效")
    # Both on (the default): the school's wait comes after the college's approval.
    place = make_place(True, True, True)
    agreement = reach(place, "school_review")
    assert agreement is not None
    assert status_meaning(agreement, place.student).sentence.parts == (
        "学院审核已通过，协议正在等待",
        "学校审核",
        "，审核通过后协议即生效。",
    )


def test_a_setting_changed_midway_does_not_rewrite_the_past() -> None:
    """The college approved it, then the school switched 学院审核 off: it still passed the college."""
    place = make_place(True, True, True)
    agreement = reach(place, "school_review")
    assert agreement is not None
    agreement.school.college_review_enabled = False
    agreement.school.save(update_fields=["college_review_enabled"])
    assert "学院审核已通过" in str(status_meaning(_fresh(agreement), place.student).sentence)
