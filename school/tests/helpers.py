"""Builders shared by the school portal's tests."""

from __future__ import annotations

from core.models import Agreement
from testsupport import World, confirm


def reach_outsider(world: World, status: str = "effective") -> Agreement:
    """An agreement of the other school's student, approved by that school's own admins."""
    from core.services import agreements as wf
    from testsupport import invite, make_college_admin

    student = world.outsider_student
    (agreement,) = invite(world.employer, student)
    if status == "invited":
        return agreement
    wf.agreement_accept(agreement, acting_user=student.user, confirmation=confirm(student.user, "accept", agreement))
    if status != "college_review":
        wf.agreement_approve(agreement, acting_user=make_college_admin(student.college))
        if status != "school_review":
            wf.agreement_approve(agreement, acting_user=world.other_school_admin)
    agreement.refresh_from_db()
    assert agreement.status == status, agreement.status
    return agreement
