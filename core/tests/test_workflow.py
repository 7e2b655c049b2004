"""Every transition of SPEC §2 and its refusals, through the domain functions."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Agreement, AgreementEvent, Notification, Status, Termination
from core.services import agreements as wf
from core.services.schools import school_update_settings
from testsupport import World, accepted_terms, confirm, current_terms, invite, make_employer, make_student

pytestmark = pytest.mark.django_db


def events(agreement: Agreement) -> list[str]:
    return list(AgreementEvent.objects.filter(agreement=agreement).values_list("action", flat=True))


def unchanged(agreement: Agreement) -> None:
    """A refused transition changes nothing: same status, no new event."""
    before_status, before_events = agreement.status, events(agreement)
    agreement.refresh_from_db()
    assert agreement.status == before_status
    assert events(agreement) == before_events


# --- 邀约 -----------------------------------------------------------------------------------------------


def test_invite_creates_versioned_terms_event_and_notifies_student(world: World) -> None:
    (agreement,) = invite(world.employer, world.student, monthly_salary=9000)
    assert agreement.status == Status.INVITED
    assert current_terms(agreement).version == 1
    assert current_terms(agreement).unit_name == world.employer.employer.name  # from 签约信息
    assert current_terms(agreement).work_location == "210102"
    assert current_terms(agreement).monthly_salary == 9000
    assert agreement.expires_at - agreement.invited_at == datetime.timedelta(days=7)
    assert events(agreement) == ["invite"]
    assert Notification.objects.filter(recipient=world.student.user).count() == 1


def test_batch_invite_is_all_or_nothing(world: World) -> None:
    second = make_student(world.college)
    invite(world.employer, second)
    with pytest.raises(Conflict, match="请勿重复发送"):
        invite(world.employer, world.student, second)
    assert not Agreement.objects.filter(student=world.student).exists()


def test_batch_invite_with_per_student_override(world: World) -> None:
    second = make_student(world.college)
    for s in (world.student, second):
        from core.services.employers import employer_search_students

        employer_search_students(graduation_year=2027, name=s.name, id_number=s.id_number, acting_user=world.employer)
    first, other = wf.agreements_invite(
        student_ids=[world.student.pk, second.pk],
        terms={"position_category": "13", "position": "工程师", "monthly_salary": 8000},
        overrides={second.pk: {"monthly_salary": 12000, "position": "高级工程师"}},
        acting_user=world.employer,
    )
    assert current_terms(first).monthly_salary == 8000
    assert current_terms(other).monthly_salary == 12000 and current_terms(other).position == "高级工程师"


def test_invite_refusals(world: World) -> None:
    with pytest.raises(Forbidden):
        invite(world.student.user, world.student)  # type: ignore[arg-type]
    unverified = make_employer(verified=False)
    with pytest.raises(Forbidden, match="资质"):
        wf.agreements_invite(student_ids=[world.student.pk], terms={}, acting_user=unverified)
    no_profile = make_employer(profile=False)
    with pytest.raises(Conflict, match="签约信息"):
        wf.agreements_invite(student_ids=[world.student.pk], terms={}, acting_user=no_profile)
    with pytest.raises(InvalidInput) as exc:
        bad_terms = {"position_category": "99x", "position": ""}
        wf.agreements_invite(student_ids=[world.student.pk], terms=bad_terms, acting_user=world.employer)
    assert set(exc.value.errors) == {"position_category", "position"}
    with pytest.raises(NotFound):
        wf.agreements_invite(
            student_ids=[999999], terms={"position_category": "13", "position": "x"}, acting_user=world.employer
        )
    assert Agreement.objects.count() == 0


def test_invite_refused_for_signed_student(world: World) -> None:
    world.reach("college_review")
    with pytest.raises(Conflict, match="已有签约中的协议"):
        invite(world.other_employer, world.student)


# --- 应约 -----------------------------------------------------------------------------------------------


def test_accept_goes_to_first_review_level(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    agreement = wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    assert agreement.status == Status.COLLEGE_REVIEW
    assert agreement.accepted_terms_id == agreement.current_terms_id
    assert agreement.response_status_label == "双方已签约" and agreement.review_status_label == "待学院审核"


@pytest.mark.parametrize(
    ("college", "school", "expected"),
    [(False, True, Status.SCHOOL_REVIEW), (True, False, Status.COLLEGE_REVIEW), (False, False, Status.EFFECTIVE)],
)
def test_review_levels_are_skipped_by_the_workflow(world: World, college: bool, school: bool, expected: str) -> None:
    school_update_settings(
        world.school,
        {"college_review_enabled": college, "school_review_enabled": school},
        acting_user=world.school_admin,
    )
    (agreement,) = invite(world.employer, world.student)
    agreement = wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    assert agreement.status == expected
    if expected == Status.COLLEGE_REVIEW:
        agreement = wf.agreement_approve(agreement, acting_user=world.college_admin)
        assert agreement.status == Status.EFFECTIVE and agreement.number
    if expected == Status.EFFECTIVE:
        assert agreement.number and events(agreement) == ["invite", "accept"]  # no fake approvals


def test_accept_refusals(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    with pytest.raises(Forbidden):
        wf.agreement_accept(agreement, acting_user=world.employer)
    with pytest.raises(NotFound):
        wf.agreement_accept(agreement, acting_user=world.other_student.user)
    unchanged(agreement)
    wf.agreement_decline(agreement, acting_user=world.student.user, remark="已有其他打算")
    with pytest.raises(Conflict, match="已拒约"):  # the status is refused before the missing 本人确认
        wf.agreement_accept(agreement, acting_user=world.student.user)


def test_second_acceptance_is_refused_with_the_reason(world: World) -> None:
    first, second = invite(world.employer, world.student)[0], invite(world.other_employer, world.student)[0]
    wf.agreement_accept(
        first, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", first)
    )
    with pytest.raises(Conflict, match="须先办理解约"):
        wf.agreement_accept(
            second, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", second)
        )
    unchanged(second)


def test_expired_invitation_cannot_be_accepted_and_expiry_command(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        with pytest.raises(Conflict, match="有效期"):
            wf.agreement_accept(
                agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
            )
        assert wf.invitations_expire() == 1
        assert wf.invitations_expire() == 0
    agreement.refresh_from_db()
    assert agreement.status == Status.EXPIRED
    event = AgreementEvent.objects.get(agreement=agreement, action="expire")
    assert event.actor is None and event.actor_name == "系统"


def test_decline_and_withdraw(world: World) -> None:
    (agreement,) = invite(world.employer, world.student)
    with pytest.raises(Forbidden):
        wf.agreement_withdraw(agreement, acting_user=world.student.user)
    with pytest.raises(NotFound):
        wf.agreement_withdraw(agreement, acting_user=world.other_employer)
    assert wf.agreement_withdraw(agreement, acting_user=world.employer).status == Status.WITHDRAWN
    with pytest.raises(Conflict):
        wf.agreement_decline(agreement, acting_user=world.student.user)


# --- 修改 -----------------------------------------------------------------------------------------------


def test_modify_signed_agreement_needs_new_consent(world: World) -> None:
    agreement = world.reach("school_review")
    agreement = wf.agreement_modify(agreement, terms={"monthly_salary": 9500}, acting_user=world.employer)
    assert agreement.status == Status.INVITED
    assert current_terms(agreement).version == 2 and accepted_terms(agreement).version == 1
    with pytest.raises(InvalidInput, match="没有变化"):
        wf.agreement_modify(agreement, terms={"monthly_salary": 9500}, acting_user=world.employer)
    agreement = wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    assert agreement.status == Status.COLLEGE_REVIEW and accepted_terms(agreement).version == 2


def test_modify_refused_after_final_approval(world: World) -> None:
    agreement = world.reach("effective")
    with pytest.raises(Conflict, match="已生效"):
        wf.agreement_modify(agreement, terms={"monthly_salary": 1}, acting_user=world.employer)
    unchanged(agreement)


def test_returned_agreement_can_be_modified_or_withdrawn(world: World) -> None:
    agreement = world.reach("returned")
    assert agreement.review_status_label == "签约审核退回"
    modified = wf.agreement_modify(agreement, terms={"position": "测试工程师"}, acting_user=world.employer)
    assert modified.status == Status.INVITED
    other = world.reach("returned", student=world.other_student)
    assert wf.agreement_withdraw(other, acting_user=world.employer).status == Status.WITHDRAWN


# --- 审核 -----------------------------------------------------------------------------------------------


def test_review_scoping(world: World) -> None:
    agreement = world.reach("college_review")
    with pytest.raises(NotFound):
        wf.agreement_approve(agreement, acting_user=world.other_college_admin)
    with pytest.raises(NotFound):
        wf.agreement_approve(agreement, acting_user=world.other_school_admin)
    with pytest.raises(Conflict, match="学院审核"):
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    with pytest.raises(Forbidden):
        wf.agreement_approve(agreement, acting_user=world.employer)
    with pytest.raises(InvalidInput):
        wf.agreement_return(agreement, remark="  ", acting_user=world.college_admin)
    unchanged(agreement)
    agreement = wf.agreement_approve(agreement, acting_user=world.college_admin)
    with pytest.raises(Conflict):
        wf.agreement_approve(agreement, acting_user=world.college_admin)


def test_numbers_are_sequential_per_school_and_year(world: World) -> None:
    first = world.reach("effective")
    second = world.reach("effective", student=world.other_student)
    assert first.number == "2027" + "10145" + "00001"
    assert second.number == "2027" + "10145" + "00002"
    assert first.verification_code != second.verification_code


def test_batch_approve_reports_refusals(world: World) -> None:
    a = world.reach("college_review")
    b = world.reach("college_review", student=world.other_student)
    approved, refused = wf.agreements_approve_batch([a.pk, b.pk], acting_user=world.college_admin)
    assert approved == 1 and len(refused) == 1


# --- 解约 -----------------------------------------------------------------------------------------------


def test_employer_termination_refused_by_student_returns_to_previous(world: World) -> None:
    agreement = world.reach("effective")
    with pytest.raises(InvalidInput, match="200"):
        wf.termination_request(agreement, reason="长" * 201, acting_user=world.employer)
    agreement = wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    assert agreement.status == Status.TERMINATION_REQUESTED
    with pytest.raises(Conflict, match="无法撤回"):
        wf.termination_withdraw(agreement, acting_user=world.employer)
    with pytest.raises(Conflict, match="对方"):
        wf.termination_accept(agreement, acting_user=world.employer)
    with pytest.raises(InvalidInput):
        wf.termination_decline(
            agreement,
            remark="",
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination/decline", agreement),
        )
    agreement = wf.termination_decline(
        agreement,
        remark="不同意",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination/decline", agreement),
    )
    assert agreement.status == Status.EFFECTIVE
    assert Termination.objects.get(agreement=agreement).state == "declined"


def test_student_may_withdraw_own_request(world: World) -> None:
    agreement = world.reach("school_review")
    wf.termination_request(
        agreement,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    agreement = wf.termination_withdraw(agreement, acting_user=world.student.user)
    assert agreement.status == Status.SCHOOL_REVIEW


def test_termination_review_return_and_approve(world: World) -> None:
    agreement = world.reach("termination_review")
    with pytest.raises(Forbidden):
        wf.termination_approve(agreement, acting_user=world.college_admin)
    with pytest.raises(NotFound):
        wf.termination_approve(agreement, acting_user=world.other_school_admin)
    agreement = wf.termination_return(agreement, remark="请补充材料", acting_user=world.school_admin)
    assert agreement.status == Status.EFFECTIVE
    wf.termination_request(
        agreement,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    wf.termination_accept(agreement, acting_user=world.employer)
    agreement = wf.termination_approve(agreement, acting_user=world.school_admin)
    assert agreement.status == Status.TERMINATED and agreement.terminated_at
    # The student may sign again.
    (again,) = invite(world.other_employer, world.student)
    assert (
        wf.agreement_accept(
            again, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", again)
        ).status
        == Status.COLLEGE_REVIEW
    )


def test_termination_without_school_review(world: World) -> None:
    school_update_settings(world.school, {"termination_review_enabled": False}, acting_user=world.school_admin)
    agreement = world.reach("termination_requested")
    assert wf.termination_accept(agreement, acting_user=world.employer).status == Status.TERMINATED


def test_termination_limits(world: World) -> None:
    school_update_settings(world.school, {"max_terminations": 1}, acting_user=world.school_admin)
    world.reach("terminated")
    second = world.reach("effective", employer=world.other_employer)
    with pytest.raises(Conflict, match="上限"):
        wf.termination_request(
            second,
            reason="再次解约",
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination", second),
        )
    today = timezone.localdate()
    school_update_settings(
        world.school,
        {"max_terminations": None, "termination_window_start": today + datetime.timedelta(days=1)},
        acting_user=world.school_admin,
    )
    with pytest.raises(Conflict, match="尚未开放"):
        wf.termination_request(
            second,
            reason="再次解约",
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination", second),
        )
    unchanged(second)


def test_settings_changes_are_recorded_and_validated(world: World) -> None:
    school_update_settings(world.school, {"invitation_validity_days": 3}, acting_user=world.school_admin)
    change = world.school.settings_changes.get()
    assert change.changes == {"invitation_validity_days": [7, 3]} and change.actor == world.school_admin
    with pytest.raises(InvalidInput):
        school_update_settings(world.school, {"number_format": "{year}{nope}"}, acting_user=world.school_admin)
    with pytest.raises(Forbidden):
        school_update_settings(world.school, {"invitation_validity_days": 5}, acting_user=world.other_school_admin)


def test_every_status_change_left_an_event(world: World) -> None:
    agreement = world.reach("terminated")
    trail = list(AgreementEvent.objects.filter(agreement=agreement))
    assert [e.new_status for e in trail] == [
        "invited",
        "college_review",
        "school_review",
        "effective",
        "termination_requested",
        "termination_review",
        "terminated",
    ]
    assert all(e.old_status != e.new_status for e in trail[1:])


def test_invite_reaches_only_students_found_by_this_employer(world: World) -> None:
    terms = {"position_category": "13", "position": "工程师"}
    with pytest.raises(NotFound) as unsearched:
        wf.agreements_invite(student_ids=[world.student.pk], terms=terms, acting_user=world.employer)
    with pytest.raises(NotFound) as nonexistent:
        wf.agreements_invite(student_ids=[999999], terms=terms, acting_user=world.employer)
    assert (unsearched.value.detail, unsearched.value.errors) == (nonexistent.value.detail, nonexistent.value.errors)
    assert not Agreement.objects.exists()
    assert invite(world.employer, world.student)[0].student_id == world.student.pk  # after the search it works
