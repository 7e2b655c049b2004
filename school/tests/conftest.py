"""Helpers for the school portal's tests: agreements in a given status for a given college."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import Agreement
from core.testing import make_student


@pytest.fixture
def reach(world: Any) -> Any:
    """reach(status, college=None, **student) → an agreement of a fresh student of that college."""

    def build(status: str, college: Any = None, employer: Any = None, **student: Any) -> Agreement:
        return world.reach(status, student=make_student(college or world.college, **student), employer=employer)

    return build
