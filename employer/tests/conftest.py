from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.testing import PASSWORD


@pytest.fixture
def login(client: Client) -> Any:
    def _login(user: Any) -> Client:
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
