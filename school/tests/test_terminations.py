"""解约审核: the queue with both sides' statements, 通过 and 退回."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Status
from core.services import agreements as wf
from testsupport import LoginAs, World, confirm

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends


def _termination_review(world: World, student: Any = None, *, by_employer: bool = False) -> Any:
    agreement = world.reach("effective", student=student)
    student_user = agreement.student.user
    assert student_user is not None
    if by_employer:
        wf.termination_request(agreement, reason="单位岗位调整", acting_user=world.employer)
        wf.termination_accept(
            agreement,
            remark="同意，已协商一致",
            acting_user=student_user,
            confirmation=confirm(student_user, "termination/accept", agreement),
        )
    else:
        wf.termination_request(
            agreement,
            reason="考取研究生",
            acting_user=student_user,
            confirmation=confirm(student_user, "termination", agreement),
        )
        wf.termination_accept(agreement, remark="同意学生解约", acting_user=world.employer)
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW
    return agreement


def test_queue_shows_both_statements(world: World, client: Client, login_as: LoginAs) -> None:
    from testsupport import make_student

    _termination_review(world)
    _termination_review(world, make_student(world.other_college, name="赵六"), by_employer=True)
    world.reach("termination_requested", student=make_student(world.college, name="孙七"))
    login_as(world.school_admin)
    page = client.get(reverse("school:terminations")).content.decode()
    assert "考取研究生" in page and "同意学生解约" in page
    assert "单位岗位调整" in page and "同意，已协商一致" in page
    assert "赵六" in page
    assert "孙七" not in page  # still waiting for the other party


def test_detail_approve_and_return(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = _termination_review(world)
    login_as(world.school_admin)
    page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert "解约审核" in page and "考取研究生" in page and "同意学生解约" in page

    response = client.post(reverse("school:termination_return", args=[agreement.pk]), {"remark": "", **CONFIRMED})
    assert response.status_code == 400 and "不能为空" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW

    response = client.post(
        reverse("school:termination_return", args=[agreement.pk]), {"remark": "请先提交解约函", **CONFIRMED}
    )
    assert response["Location"] == reverse("school:terminations")
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE  # back to where it came from

    wf.termination_request(
        agreement,
        reason="考取研究生",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    wf.termination_accept(agreement, acting_user=world.employer)
    client.post(reverse("school:termination_approve", args=[agreement.pk]), {"remark": "", **CONFIRMED})
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATED and agreement.terminated_at


def test_other_school_termination_is_404(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = _termination_review(world)
    login_as(world.other_school_admin)
    assert client.get(reverse("school:agreement", args=[agreement.pk])).status_code == 404
    assert client.post(reverse("school:termination_approve", args=[agreement.pk])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW


def test_college_admin_may_not_review_terminations(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = _termination_review(world)
    login_as(world.college_admin)
    assert client.post(reverse("school:termination_approve", args=[agreement.pk])).status_code == 403
    page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert 'action="/school/agreements/' + str(agreement.pk) + '/termination/approve/"' not in page


def test_queue_query_count_is_constant(world: World, client: Client, login_as: LoginAs) -> None:
    from testsupport import make_student

    login_as(world.school_admin)
    _termination_review(world)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:terminations"))
    for _ in range(4):
        _termination_review(world, make_student(world.college))
    cache.clear()  # both views measured with cold caches (filter choices are kept)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("school:terminations")).content.decode()
    assert page.count("查看并审核") == 5
    assert len(many) == len(few)
