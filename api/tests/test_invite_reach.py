"""POST /agreements reaches only students the employer found by its exact search (or has on its send list):
any other id answers 404 exactly as a nonexistent one, so sequential ids cannot list the student body."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from django.conf import settings

from core.models import Agreement, SendListItem, Student
from testsupport import TERMS, ApiClient, World, make_student

pytestmark = pytest.mark.django_db


def _search(api: ApiClient, student: Student) -> None:
    query = {"graduation_year": student.graduation_year, "name": student.name, "phone": student.phone}
    found = api.get("/employer/students", **query)
    assert [row["id"] for row in found.json()] == [student.pk]


def _invite(api: ApiClient, *ids: int) -> Any:
    return api.post("/agreements", {"student_ids": list(ids), "terms": TERMS})


def test_unsearched_and_nonexistent_ids_answer_identically(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    unsearched = world.other_student
    nonexistent = Student.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    first, second = _invite(api, unsearched.pk), _invite(api, nonexistent)
    assert first.status_code == second.status_code == 404
    assert first.content == second.content
    assert first.json()["code"] == "not_found"
    text = json.dumps(first.json(), ensure_ascii=False)
    for leak in (unsearched.name, unsearched.school.name, unsearched.major.name, f"{unsearched.pk}"):
        assert leak not in text
    assert not Agreement.objects.exists()


def test_one_unsearched_id_in_a_batch_sends_nothing(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    _search(api, world.student)
    response = _invite(api, world.student.pk, world.other_student.pk)
    assert response.status_code == 404
    assert response.content == _invite(api, world.student.pk, 10**9).content
    assert not Agreement.objects.exists()


def test_a_found_student_can_be_invited(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    _search(api, world.student)
    response = _invite(api, world.student.pk)
    assert response.status_code == 201, response.content
    assert [row["student"]["name"] for row in response.json()] == [world.student.name]


def test_another_employers_search_does_not_count(api: ApiClient, world: World) -> None:
    api.login(world.other_employer)
    _search(api, world.student)
    api.login(world.employer)
    assert _invite(api, world.student.pk).status_code == 404


def test_a_search_expires_but_the_send_list_stays(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    listed = make_student(world.college)
    _search(api, world.student)
    _search(api, listed)
    assert api.post("/employer/send-list", {"student_id": listed.pk}).status_code == 201
    days = settings.WANGQIAN_SEARCH_VALID_DAYS
    with time_machine.travel(datetime.timedelta(days=days, hours=1)):
        api.login(world.employer)  # a fresh token: tokens may expire sooner than a search
        expired = _invite(api, world.student.pk)
        assert expired.status_code == 404
        assert expired.content == _invite(api, 10**9).content
        assert api.post("/employer/send-list", {"student_id": world.student.pk}).status_code == 404
        assert _invite(api, listed.pk).status_code == 201
    assert not SendListItem.objects.exists()  # sending takes the student off the list
