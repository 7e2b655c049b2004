"""Every answer under /api/v1 checked against /api/v1/openapi.json: its status is declared for the operation and
its body validates against the declared schema, with no undeclared key. api/tests/conftest.py applies it to
every request the tests make through the `client` fixture (conftest.py)."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from django.http import HttpResponseBase
from django.test import Client
from jsonschema import Draft202012Validator

API_PREFIX = "/api/v1"


@functools.cache
def openapi() -> dict[str, Any]:
    from api.api import api

    return json.loads(json.dumps(api.get_openapi_schema()))


def closed(schema: Any) -> Any:
    """The schema with every object closed (additionalProperties: false), so an undeclared key fails."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


@functools.cache
def _components() -> dict[str, Any]:
    return closed(copy.deepcopy(openapi()["components"]))


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    # Refs are "#/components/schemas/X": resolve them inside one document that carries the components.
    return Draft202012Validator({**closed(schema), "components": _components()})


@functools.cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "/?$"), path) for path in openapi()["paths"]]
    # A literal segment wins over a parameter (/agreements/export before /agreements/{agreement_id}).
    return sorted(routes, key=lambda route: route[1].count("{"))


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """The operation's name ("GET /api/v1/agreements/{agreement_id}") and its OpenAPI description."""
    for pattern, template in _routes():
        if pattern.match(path):
            operation = openapi()["paths"][template].get(method.lower())
            return (f"{method.upper()} {template}", operation) if operation else None
    return None


def check_answer(method: str, path: str, response: HttpResponseBase) -> str | None:
    """Raise AssertionError when the answer is not one the OpenAPI document declares for this operation; return
    the operation's name, or None for a path that names no operation."""
    if not path.startswith(API_PREFIX):
        return None
    found = operation_for(method, path)
    if found is None:
        return None  # no such operation: the 404/405 answers are the error handlers' business (test_errors.py)
    name, operation = found
    status = str(response.status_code)
    declared = operation["responses"]
    assert status in declared, f"{method} {path} answered {status}, which its OpenAPI operation does not declare"
    content = declared[status].get("content")
    if not content:
        return name
    media_type = response.get("Content-Type", "").split(";")[0]
    assert media_type in content, f"{method} {path} answered {media_type}, declared {list(content)}"
    schema = content[media_type].get("schema")
    if media_type != "application/json" or schema is None:
        return name
    body = json.loads(response.content)  # type: ignore[attr-defined]
    errors = sorted(validator(schema).iter_errors(body), key=lambda error: list(error.absolute_path))
    assert not errors, f"{method} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors[:5]
    )
    return name


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
