"""Shared fixtures: the persona world, an API client with tokens, and Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from core.testing import make_world

# Property tests judge behaviour, not speed: on a loaded 2-core machine (CI beside other work) data generation
# can be slow, and a health check failing on time alone would make the suite flaky.
hypothesis.settings.register_profile("wangqian", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("wangqian")

ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def world(db: None) -> Any:
    return make_world()


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client: Any):
        self.client = client
        self.token = ""

    def login(self, user: Any, password: str = "test-pass-2026") -> ApiClient:
        response = self.client.post(
            "/api/v1/auth/token", {"username": user.username, "password": password}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        return self

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        if "format" in extra:  # multipart
            extra.pop("format")
            return self.client.post(f"/api/v1{path}", data, **self._headers())
        return self.client.post(
            f"/api/v1{path}", data if data is not None else {}, content_type="application/json", **self._headers()
        )

    def put(self, path: str, data: Any) -> Any:
        return self.client.put(f"/api/v1{path}", data, content_type="application/json", **self._headers())

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self._headers())


@pytest.fixture
def api(client: Any) -> ApiClient:
    return ApiClient(client)


# --- browser tests ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing: browser tests must run in CI")
        pytest.skip("chromium is not installed (INSTALL_CHROMIUM=1 make test installs it)")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls are in another.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """A folder for this test's screenshots under test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_terminal_summary(terminalreporter: Any) -> None:
    shots = ARTIFACTS / "screenshots"
    if shots.exists() and any(shots.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {shots}")
    docs = ARTIFACTS / "documents"
    if docs.exists() and any(docs.iterdir()):
        terminalreporter.write_line(f"rendered agreement pages: {docs}")
