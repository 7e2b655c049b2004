"""Helpers for the student portal's tests."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from testsupport import LoginAs, World


@pytest.fixture
def student_client(world: World, login_as: LoginAs) -> Client:
    """The world's student (李明), logged in."""
    return login_as(world.student)


def text_of(html: str) -> str:
    """The page's visible words, tags dropped and whitespace collapsed, for asserting on what people read."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
