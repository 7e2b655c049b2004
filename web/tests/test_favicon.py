"""The favicon: linked from every page, and answered at /favicon.ico where browsers ask without a link."""

from __future__ import annotations

import pytest
from django.test import Client


def test_favicon_is_answered_at_the_root(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.django_db  # the login page lists the schools to sign in with
def test_every_page_links_the_icon(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in page
    assert client.get("/static/favicon.ico").status_code == 200
    assert client.get("/static/apple-touch-icon.png").status_code == 200
