"""A username of any length at login, token, activation and reset is an answer, never a 500 (issue 19 item 7a).

axes keeps the name typed in varchar(255) columns: PostgreSQL refuses a longer value where SQLite stores it, so this
test means most on PostgreSQL (DATABASE_URL=postgres://...).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from testsupport import PASSWORD, World

pytestmark = pytest.mark.django_db

LENGTHS = [151, 255, 256, 300, 5000]


def names(length: int) -> list[str]:
    return ["a" * length, "学" * length, "x@" * (length // 2) + "y"]


@pytest.mark.parametrize("length", LENGTHS)
def test_long_usernames_are_answers_everywhere(client: Client, world: World, length: int) -> None:
    for name in names(length):
        login = client.post("/login/", {"username": name, "password": "wrong-password"})
        assert login.status_code in (200, 429), login.status_code
        token = client.post(
            "/api/v1/auth/token", {"username": name, "password": "wrong"}, content_type="application/json"
        )
        assert token.status_code in (400, 401, 429), token.content
        activate = client.post(
            "/api/v1/auth/activate",
            {"username": name, "code": "AAAA-BBBB-CCCC", "new_password": "Neu-2027-xyz"},
            content_type="application/json",
        )
        assert activate.status_code in (400, 429), activate.content
        page: Any = client.post(
            "/activate/",
            {"username": name, "code": "AAAA", "new_password": "Neu-2027-xyz", "new_password2": "Neu-2027-xyz"},
        )
        assert page.status_code in (200, 400, 429), page.status_code
        reset = client.post("/api/v1/auth/password-reset", {"username": name}, content_type="application/json")
        assert reset.status_code in (200, 400, 429), reset.content
        assert client.post("/password-reset/", {"username": name}).status_code in (200, 302, 400, 429)
    # the real account still signs in (from another address: this one has used up its budget)
    ok = client.post(
        "/api/v1/auth/token",
        {"username": world.employer.username, "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    assert ok.status_code == 200
