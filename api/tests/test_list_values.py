"""The list's rows are built from plain values (core.selectors.agreement_values, api.representations.
agreement_row_data), not from models and pydantic answers: each row must be exactly what the detail's representation
of the same agreement (`agreement_data`, the AgreementOut schema) answers, for every role and every kind of row —
each status, a 解约 asked by either party, a paper agreement, an invitation past its date, a graduate of a year that
still shows the 报到证 fields."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.renderers import JSONRenderer

from api.representations import agreement_data
from core.models import User
from core.selectors import agreements_visible_to, get_agreement_for_user
from core.services import agreements as wf
from testsupport import REACHABLE, ApiClient, World, confirm, invite, make_student, register_paper

pytestmark = pytest.mark.django_db


def _expected(agreement_id: int, viewer: User) -> dict[str, object]:
    """The row as the schema's representation answers it, rendered as the API renders every answer."""
    agreement = get_agreement_for_user(viewer, agreement_id)
    dumped = agreement_data(agreement, viewer).model_dump()
    return json.loads(JSONRenderer().render(None, dumped, response_status=200))  # type: ignore[arg-type, no-any-return]


def _every_kind_of_row(world: World) -> None:
    for status in REACHABLE:
        world.reach(status, make_student(world.college))
    world.reach("college_review", make_student(world.other_college))
    # The employer asks for the 解约 (the graduate answers), for a graduate of 2022: the 报到证 fields shown.
    effective = world.reach("effective", make_student(world.college, year=2022))
    wf.termination_request(effective, reason="岗位调整", acting_user=world.employer)
    # A paper agreement naming the (verified) employer: registered, and another approved.
    credit_code = world.employer.employer.credit_code
    register_paper(make_student(world.college), {"credit_code": credit_code})
    paper = register_paper(make_student(world.college), {"credit_code": credit_code})
    wf.agreement_approve(paper, acting_user=world.school_admin)
    # The main graduate's own: an invitation that is answered.
    (own,) = invite(world.employer, world.student)
    wf.agreement_accept(own, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", own))


@pytest.mark.parametrize("later", [False, True], ids=["now", "after-invitations-expire"])
def test_list_rows_are_the_schemas_answer_for_every_role(api: ApiClient, world: World, later: bool) -> None:
    _every_kind_of_row(world)
    viewers = [world.employer, world.student.user, world.college_admin, world.other_college_admin, world.school_admin]
    # Past the invitations' date, `accept` leaves a student's actions and the labels stay: both paths read the clock.
    moment = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=60 if later else 0)
    with time_machine.travel(moment, tick=False):
        for viewer in viewers:
            api.login(viewer)
            answer = api.get("/agreements", page_size=100)
            assert answer.status_code == 200, answer.content
            body = answer.json()
            rows = body["results"]
            visible = set(agreements_visible_to(viewer).values_list("pk", flat=True))
            assert {row["id"] for row in rows} == visible and body["count"] == len(visible)
            for row in rows:
                assert row == _expected(row["id"], viewer), (viewer.username, row["status"])
    kinds = {(row["status"], row["paper"], row["termination"] is not None) for row in rows}
    assert len(kinds) >= 11, kinds  # the school admin saw every kind of row


def test_list_page_queries_are_constant(api: ApiClient, world: World) -> None:
    """The token, the page's ids with the count, its rows: the same queries for a page of 2 rows and of 20."""
    api.login(world.employer)
    api.get("/me")  # the token's last use written (once a minute)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/agreements", page_size=20).status_code == 200
        return len(captured)

    world.reach("effective", make_student(world.college))
    world.reach("invited", make_student(world.other_college))
    few = queries()
    for _ in range(18):
        world.reach("invited", make_student(world.college))
    assert queries() == few == 3
