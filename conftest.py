"""Shared fixtures: the persona world, `login_as`, an API client with tokens, and Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.core.cache import cache
from django.test import Client

from core.models import Student, User
from testsupport import BROWSER_TIMEOUT_MS, ApiClient, Journey, LoginAs, World, make_world

# Property tests judge behaviour, not speed: on a loaded 2-core machine (CI beside other work) data generation
# can be slow, and a health check failing on time alone would make the suite flaky.
hypothesis.settings.register_profile("wangqian", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("wangqian")

ARTIFACTS = Path(__file__).parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def smsoutbox() -> Iterator[list[Any]]:
    """The short messages the locmem SMS backend kept during the test (as pytest-django's mailoutbox)."""
    from core import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache (cached list counts are keyed by ids a rolled-back test may reuse)."""
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def login_as(client: Client) -> LoginAs:
    """The one way a test logs in: `client = login_as(world.employer)` (a student persona logs in as its user)."""

    def login(person: User | Student) -> Client:
        user = person.user if isinstance(person, Student) else person
        assert user is not None, "this student has no account"
        client.force_login(user)
        return client

    return login


@pytest.fixture
def client() -> Client:
    """Django's test client that also checks every /api/v1 answer against the OpenAPI document."""
    from api.tests.contract import ContractClient

    return ContractClient()


@pytest.fixture
def api(client: Client) -> ApiClient:
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
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
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
        _browsers.append(instance)
        yield instance
        _browsers.remove(instance)
        instance.close()


_browsers: list[Any] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed browser test says what each open page showed: its address, its error messages and a screenshot
    under test-artifacts/failures/<test>/ (so a failure on CI can be read, not guessed)."""
    outcome: Any = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = [page for browser in _browsers for context in browser.contexts for page in context.pages]
    for n, page in enumerate(pages, start=1):
        try:
            folder = ARTIFACTS / "failures" / item.name
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"page{n}.png"), full_page=True, timeout=5_000)
            shown = page.locator(".field-error, .alert, .invalid-feedback, .errorlist").all_inner_texts()
            text = "\n".join([page.url, *(line.strip() for line in shown if line.strip())])
        except Exception as error:  # a closed or hung page: say so, never hide the test's own failure
            text = f"{page.url}: could not be read ({error})"
        report.sections.append((f"page {n} at failure", text))


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """A folder for this test's screenshots under test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def journey(browser: Any, live_server: Any, screenshots: Path) -> Iterator[Journey]:
    """A desktop Chromium page on the live server (employer and school journeys)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield Journey(page, screenshots, live_server.url)
    context.close()


_started = time.time()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    shots = ARTIFACTS / "screenshots"
    # What the browser suite counted this run (web/tests/test_browser_axe.py: pages checked, violations found).
    for summary in sorted(shots.glob("*/axe-summary.txt")) if shots.exists() else []:
        if summary.stat().st_mtime >= _started:
            terminalreporter.write_line(summary.read_text(encoding="utf-8"))
    if shots.exists() and any(shots.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {shots}")
    docs = ARTIFACTS / "documents"
    if docs.exists() and any(docs.iterdir()):
        terminalreporter.write_line(f"rendered agreement pages: {docs}")
