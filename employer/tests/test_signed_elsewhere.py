"""签约搜索 says when the student found already holds an agreement with another employer, before 加入, without
saying with whom (web page and API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.services import agreements as wf
from testsupport import ApiClient, LoginAs, World, confirm, invite, make_student

pytestmark = pytest.mark.django_db

HINT = "该生已与其他单位签约，须先解约才能接受新的邀约"


def _search_page(world: World, login_as: LoginAs, student: object) -> str:
    client = login_as(world.other_employer)
    params = {"search": 1, "year": student.graduation_year, "name": student.name, "keyword": student.id_number}  # type: ignore[attr-defined]
    return client.get(reverse("employer:invite"), params).content.decode()


@pytest.mark.parametrize("status", ["college_review", "returned", "effective", "termination_requested"])
def test_search_says_the_student_is_signed_elsewhere(world: World, login_as: LoginAs, status: str) -> None:
    world.reach(status)
    page = _search_page(world, login_as, world.student)
    row = page.split('id="wq-results"', 1)[1].split("</table>", 1)[0]
    assert HINT in row
    assert row.index(HINT) < row.index("加入")  # said before the button
    assert world.employer.employer.name not in page  # never with whom


@pytest.mark.parametrize("status", ["invited", "declined", "withdrawn", "terminated"])
def test_no_hint_while_the_student_is_free(world: World, login_as: LoginAs, status: str) -> None:
    world.reach(status)
    assert HINT not in _search_page(world, login_as, world.student)


def test_own_agreement_is_not_elsewhere(world: World, login_as: LoginAs) -> None:
    world.reach("effective", employer=world.other_employer)
    assert HINT not in _search_page(world, login_as, world.student)


def test_api_search_flags_only_students_signed_elsewhere(api: ApiClient, world: World) -> None:
    free = make_student(world.college, name="周六")
    world.reach("college_review")
    api.login(world.other_employer)
    for student, signed in ((world.student, True), (free, False)):
        (row,) = api.get(
            "/employer/students", graduation_year=student.graduation_year, name=student.name, phone=student.phone
        ).json()
        assert row["signed_elsewhere"] is signed
        assert world.employer.employer.name not in str(row)
    # The send list does not carry the flag (it is the search's answer).
    assert api.post("/employer/send-list", {"student_id": world.student.pk}).status_code == 201
    assert "signed_elsewhere" not in api.get("/employer/send-list").json()[0]
    (invited,) = invite(world.other_employer, free)
    wf.agreement_accept(invited, acting_user=free.user, confirmation=confirm(free.user, "accept", invited))
    api.login(world.employer)
    (row,) = api.get(
        "/employer/students", graduation_year=free.graduation_year, name=free.name, phone=free.phone
    ).json()
    assert row["signed_elsewhere"] is True
