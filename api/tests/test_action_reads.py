"""An action reads its agreement once, locked, in the service: the endpoint only checks the id is the viewer's."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Agreement
from testsupport import ApiClient, World

pytestmark = pytest.mark.django_db

AGREEMENT_ROWS = re.compile(r'^SELECT "core_agreement"\."id", "core_agreement"\."school_id"')


def test_accept_reads_the_agreement_once_before_writing(api: ApiClient, world: World) -> None:
    agreement = world.reach("invited")
    api.login(world.student.user)
    api.get("/me")  # the token's last_used_at is written now, not during the action
    body = {"confirmation": api.confirm("accept", agreement.pk)}
    with CaptureQueriesContext(connection) as ctx:
        response = api.post(f"/agreements/{agreement.pk}/accept", body)
    assert response.status_code == 200 and response.json()["status"] == "college_review"
    sql = [q["sql"] for q in ctx.captured_queries]
    update = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "core_agreement"'))
    before = sql[:update]
    assert len([q for q in before if AGREEMENT_ROWS.match(q)]) == 1, before  # the locked read
    assert not [q for q in before if q.startswith('SELECT "core_student"')], before  # locked with it
    assert not [q for q in sql if "core_apitoken" in q and q.startswith("UPDATE")]
    assert Agreement.objects.get(pk=agreement.pk).status == "college_review"


def test_an_action_on_another_partys_agreement_is_404_before_anything_else(api: ApiClient, world: World) -> None:
    agreement = world.reach("invited", student=world.other_student)
    api.login(world.student.user)
    response = api.post(f"/agreements/{agreement.pk}/accept")
    assert response.status_code == 404
    api.login(world.employer)  # a role that may never accept: still 404 for an id it cannot see
    other = world.reach("invited", student=world.outsider_student, employer=world.other_employer)
    assert api.post(f"/agreements/{other.pk}/accept").status_code == 404
    assert api.post(f"/agreements/{agreement.pk}/accept").status_code == 403
