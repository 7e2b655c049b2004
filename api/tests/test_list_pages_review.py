"""Page numbers an API client may send to the agreements list: never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tests.test_errors import shape
from testsupport import ApiClient, World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", [2**31, 2**62, 2**63 - 1, 2**63, 10**30])
def test_a_page_past_any_offset_the_database_takes_is_400(api: ApiClient, world: World, page: int) -> None:
    world.reach("effective")
    api.login(world.employer)
    raw = Client(raise_request_exception=False)
    response = raw.get(f"/api/v1/agreements?page={page}", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    shape(response, 400)
