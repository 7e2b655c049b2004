"""The API tests' Django client checks each answer against the OpenAPI document (api/tests/contract.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.tests.contract import check_answer


class ContractClient(Client):
    """Django's test client; every answer under /api/v1 must be one the OpenAPI document declares."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answered: set[tuple[str, int]] = set()  # (operation, status) pairs checked so far

    def request(self, **request: Any) -> Any:  # Django's test response type is private
        response = super().request(**request)
        operation = check_answer(request["REQUEST_METHOD"], request["PATH_INFO"], response)
        if operation:
            self.answered.add((operation, response.status_code))
        return response


@pytest.fixture
def client() -> ContractClient:
    return ContractClient()
