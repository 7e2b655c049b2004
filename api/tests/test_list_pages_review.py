"""Page numbers a client may send to the agreement lists (the API's and the pages'): never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.tests.test_errors import shape
from testsupport import ApiClient, World, make_student

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", [2**31, 2**62, 2**63 - 1, 2**63, 10**30])
def test_a_page_past_any_offset_the_database_takes_is_400(api: ApiClient, world: World, page: int) -> None:
    world.reach("effective")
    api.login(world.employer)
    raw = Client(raise_request_exception=False)
    response = raw.get(f"/api/v1/agreements?page={page}", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    shape(response, 400)


@pytest.mark.parametrize("page", ["", "0", "-1", "x", "1.5", "2", "3", "99", str(2**63), "9" * 5000, "１"])
def test_the_html_lists_answer_any_page(world: World, login_as: Any, api: ApiClient, page: str) -> None:
    for _ in range(3):
        world.reach("effective", student=make_student(world.college))
    for viewer, url in (
        (world.school_admin, "/school/agreements/"),
        (world.college_admin, "/school/agreements/"),
        (world.employer, "/employer/agreements/"),
    ):
        client = login_as(viewer)
        client.raise_request_exception = False
        for tab in ("all", "accepted", "pending", "nonsense"):
            response = client.get(f"{url}?tab={tab}&page={page}")
            assert response.status_code == 200, (viewer.username, tab, page, response.status_code)
    api.login(world.school_admin)
    raw = Client(raise_request_exception=False)
    response = raw.get(f"/api/v1/agreements?page={page}&page_size=2", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code in (200, 400), (page, response.status_code)
