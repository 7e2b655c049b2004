"""Helpers for the student portal's tests: a logged-in client per persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def student_client(world: Any) -> Client:
    """The world's student (李明), logged in."""
    client = Client()
    client.force_login(world.student.user)
    return client


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(html: str) -> str:
    """The page's visible words, tags dropped and whitespace collapsed, for asserting on what people read."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
