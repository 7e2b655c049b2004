"""The API tests' Django client checks each answer against the OpenAPI document (api/tests/contract.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponseBase
from django.test import Client

from api.tests.contract import check_answer


class ContractClient(Client):
    def request(self, **request: Any) -> HttpResponseBase:
        response = super().request(**request)
        check_answer(request["REQUEST_METHOD"], request["PATH_INFO"], response)
        return response


@pytest.fixture
def client() -> Client:
    return ContractClient()
