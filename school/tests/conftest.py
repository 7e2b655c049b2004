"""Helpers for the school portal's tests: agreements in a given status for a given college."""

from __future__ import annotations

from typing import Any, Protocol

import pytest

from core.models import Agreement, College, User
from testsupport import World, make_student


class Reach(Protocol):
    def __call__(
        self, status: str, college: College | None = None, employer: User | None = None, **student: Any
    ) -> Agreement: ...


@pytest.fixture
def reach(world: World) -> Reach:
    """reach(status, college=None, **student) → an agreement of a fresh student of that college."""

    def build(status: str, college: College | None = None, employer: User | None = None, **student: Any) -> Agreement:
        return world.reach(status, student=make_student(college or world.college, **student), employer=employer)

    return build
