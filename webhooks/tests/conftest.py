from __future__ import annotations

from collections.abc import Iterator

import pytest

from webhooks.tests.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on this machine that records what it is sent (answer: 204 unless told otherwise)."""
    with Receiver() as server:
        yield server
