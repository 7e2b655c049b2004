"""Property-based fuzz of the whole API from its own OpenAPI document (schemathesis), in process through the
WSGI app: every generated call — valid and deliberately invalid — is made anonymously and as each role, and no
answer may be a 5xx; every 4xx has SPEC §6's error shape; every body matches the schema its operation declares.

Bounded for `make test`: per operation schemathesis' deterministic boundary cases (its coverage phase) plus
FUZZ_EXAMPLES (5) random ones, each made 5 times, derandomized. A deeper, random run by hand prints its figures:
    FUZZ_EXAMPLES=200 .venv/bin/pytest -q -n0 api/tests/test_fuzz.py -s
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.test import Client as WsgiClient

from testsupport import PASSWORD, World
from wangqian.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
TALLY: Counter[str] = Counter()
SECONDS: dict[str, float] = defaultdict(float)


# The document is read through the app itself, as a client would (pytest-django has set Django up by now).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler would otherwise close the test's database connection (and
    with it the test's transaction) at the end of every request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    """A bearer token per role, from the real login endpoint (through the WSGI app too: Django's test client
    would put back the signal handlers the fixture above took away)."""
    client = WsgiClient(application)
    users = {
        "employer": world.employer,
        "student": world.student.user,
        "college_admin": world.college_admin,
        "school_admin": world.school_admin,
    }
    found: dict[str, str] = {}
    for role, user in users.items():
        response = client.post("/api/v1/auth/token", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        found[role] = response.get_json()["token"]
    # Something for small generated ids to find (an effective one would cost a signed PDF per operation).
    world.reach("college_review")
    world.reach("invited", student=world.other_student)
    return found


def _identities(tokens: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    yield "anonymous", {}
    for role, token in tokens.items():
        yield role, {"Authorization": f"Bearer {token}"}


def assert_error_shape(response: Any, where: str) -> None:
    content_type = response.headers.get("content-type", [""])[0]  # schemathesis: lower-case names, value lists
    assert content_type.startswith("application/json"), where
    body = response.json()
    assert isinstance(body, dict) and {"detail", "code", "errors"} <= set(body), (where, body)
    assert isinstance(body["detail"], str) and body["detail"], (where, body)


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_EXAMPLES"),
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_never_answers_5xx(case: Case, tokens: dict[str, str]) -> None:
    for identity, headers in _identities(tokens):
        # The case's own Authorization (negative mode may forge one) is replaced by each persona's.
        merged: dict[str, Any] = {**dict(case.headers or {}), **headers}
        started = time.perf_counter()
        response = case.call(headers=merged)
        SECONDS[f"{case.method} {case.path}"] += time.perf_counter() - started
        where = f"{identity} {case.method} {case.formatted_path} -> {response.status_code}"
        TALLY["calls"] += 1
        TALLY[f"{response.status_code // 100}xx"] += 1
        assert response.status_code < 500, f"{where}\n{case.as_curl_command()}\n{response.text[:500]}"
        if response.status_code >= 400:
            assert_error_shape(response, where)
        # The body matches the schema the operation declares for this status (api/schemas.py).
        case.validate_response(response, checks=[response_schema_conformance])


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> Iterator[None]:
    yield
    if os.environ.get("FUZZ_EXAMPLES"):
        print(f"\nfuzz: {dict(TALLY)}")
        for operation, seconds in sorted(SECONDS.items(), key=lambda item: -item[1])[:8]:
            print(f"  {seconds:6.1f} s  {operation}")
