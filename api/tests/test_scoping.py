"""Nobody sees or touches what is not theirs (404); a role that may never act gets 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Status
from testsupport import ApiClient, World, invite, make_student

pytestmark = pytest.mark.django_db


def test_each_role_sees_only_its_own(api: ApiClient, world: World) -> None:
    mine = world.reach("college_review")
    theirs = world.reach("college_review", student=world.other_student, employer=world.other_employer)
    elsewhere = world.reach("invited", student=world.outsider_student)
    cases = [
        (world.employer, {mine.pk, elsewhere.pk}),
        (world.other_employer, {theirs.pk}),
        (world.student.user, {mine.pk}),
        (world.college_admin, {mine.pk}),
        (world.other_college_admin, {theirs.pk}),
        (world.school_admin, {mine.pk, theirs.pk}),
        (world.other_school_admin, {elsewhere.pk}),
    ]
    for user, visible in cases:
        api.login(user)
        listed = {row["id"] for row in api.get("/agreements").json()["results"]}
        assert listed == visible, user.username
        for agreement in (mine, theirs, elsewhere):
            expected = 200 if agreement.pk in visible else 404
            assert api.get(f"/agreements/{agreement.pk}").status_code == expected, (user.username, agreement.pk)


def test_actions_on_someone_elses_agreement_answer_404(api: ApiClient, world: World) -> None:
    agreement = world.reach("invited")
    api.login(world.other_employer)
    for action in ("withdraw", "modify"):
        assert api.post(f"/agreements/{agreement.pk}/{action}", {"terms": {"position": "x"}}).status_code == 404
    api.login(world.other_student.user)
    assert api.post(f"/agreements/{agreement.pk}/accept").status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Status.INVITED


def test_roles_that_may_never_act_get_403(api: ApiClient, world: World) -> None:
    agreement = world.reach("college_review")
    api.login(world.employer)
    assert api.post(f"/agreements/{agreement.pk}/approve").json()["code"] == "forbidden_role"
    assert api.get("/school/employers").status_code == 403
    api.login(world.student.user)
    assert api.post(f"/agreements/{agreement.pk}/withdraw").status_code == 403
    assert api.get("/employer/profile").status_code == 403
    assert api.post("/agreements", {"student_ids": [1], "terms": {}}).status_code == 403
    api.login(world.college_admin)
    assert api.post(f"/agreements/{agreement.pk}/termination", {"reason": "x"}).status_code == 403
    assert api.post("/school/employers/1/verify").status_code == 403


def test_employer_sees_masked_student_data(api: ApiClient, world: World) -> None:
    agreement = world.reach("effective")
    api.login(world.employer)
    student = api.get(f"/agreements/{agreement.pk}").json()["student"]
    s = world.student
    assert student["id_number"] == f"{s.id_number[:6]}*****{s.id_number[-4:]}"
    assert student["phone"] == f"{s.phone[:3]}****{s.phone[-4:]}"
    assert student["email"].endswith("***@example.com") and student["student_no"] is None
    api.login(world.college_admin)
    assert api.get(f"/agreements/{agreement.pk}").json()["student"]["id_number"] == s.id_number


def test_search_is_exact_and_send_list_needs_a_search_hit(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    s = world.student
    assert api.get("/employer/students", graduation_year=2027, name=s.name[:1], id_number=s.id_number).json() == []
    assert api.get("/employer/students", graduation_year=2026, name=s.name, id_number=s.id_number).json() == []
    assert api.get("/employer/students", graduation_year=2027, name=s.name).status_code == 400
    # Ids cannot be enumerated: a student never found cannot be added.
    assert api.post("/employer/send-list", {"student_id": world.other_student.pk}).status_code == 404
    found = api.get("/employer/students", graduation_year=2027, name=s.name, phone=s.phone).json()
    assert [row["id"] for row in found] == [s.pk]
    assert api.post("/employer/send-list", {"student_id": s.pk}).status_code == 201
    assert [row["id"] for row in api.get("/employer/send-list").json()] == [s.pk]
    assert api.delete(f"/employer/send-list/{s.pk}").json() == []
    assert api.delete(f"/employer/send-list/{s.pk}").status_code == 404


def test_unverified_employer_cannot_search(api: ApiClient, world: World) -> None:
    from testsupport import make_employer

    api.login(make_employer(verified=False))
    s = world.student
    response = api.get("/employer/students", graduation_year=2027, name=s.name, id_number=s.id_number)
    assert response.status_code == 403 and response.json()["code"] == "employer_not_verified"


def test_employer_verification_by_school(api: ApiClient, world: World) -> None:
    from testsupport import make_employer

    pending = make_employer(verified=False, licence=True).employer
    api.login(world.school_admin)
    assert [e["id"] for e in api.get("/school/employers").json()] == [pending.pk]
    assert api.post(f"/school/employers/{pending.pk}/verify", {"approve": False}).status_code == 400
    verified = api.post(f"/school/employers/{pending.pk}/verify", {"approve": True}).json()
    assert verified["verification_status"] == "verified"
    assert api.post(f"/school/employers/{pending.pk}/verify", {"approve": True}).status_code == 409


def test_list_query_count_is_constant(api: ApiClient, world: World) -> None:
    def count_queries(user: Any) -> int:
        api.login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/agreements", page_size=100).status_code == 200
        return len(ctx.captured_queries)

    world.reach("effective")
    world.reach("termination_requested", student=world.other_student)
    small = {u.username: count_queries(u) for u in (world.employer, world.school_admin)}
    for _ in range(15):
        invite(world.employer, make_student(world.college))
    large = {u.username: count_queries(u) for u in (world.employer, world.school_admin)}
    assert small == large, (small, large)


def test_employer_initiated_termination_through_http(api: ApiClient, world: World) -> None:
    agreement = world.reach("effective")
    api.login(world.employer)
    requested = api.post(f"/agreements/{agreement.pk}/termination", {"reason": "单位岗位调整"}).json()
    assert requested["termination"]["requester_role"] == "employer"
    assert api.post(f"/agreements/{agreement.pk}/termination/withdraw").status_code == 409
    api.login(world.student.user)
    proof = api.confirm("termination/accept", agreement.pk)
    answer = {"remark": "同意", "confirmation": proof}
    assert api.post(f"/agreements/{agreement.pk}/termination/accept", answer).status_code == 200
    api.login(world.school_admin)
    returned = api.post(f"/agreements/{agreement.pk}/termination/return", {"remark": "请补充解约函"}).json()
    assert returned["status"] == "effective"
    assert [e["action"] for e in returned["events"]][-3:] == [
        "termination_request",
        "termination_accept",
        "termination_return",
    ]
