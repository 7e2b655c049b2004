"""With the Content-Security-Policy on, a walk through every portal in Chromium shows no CSP violation in the
console and the pages' scripts still run (htmx, Bootstrap, Chart.js, the portals' own files, the API docs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from testsupport import BROWSER_TIMEOUT_MS, PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_MESSAGE = re.compile(r"Content[ -]Security[ -]Policy|Refused to (execute|load|apply|evaluate)", re.I)


class Walk:
    """One browser page that records every console error and uncaught script error it sees."""

    def __init__(self, page: Any, base: str):
        self.page, self.base = page, base
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and CSP_MESSAGE.search(message.text):
            self.violations.append(f"{self.page.url}: {message.text}")
        elif message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"{self.page.url}: {message.text}")

    def visit(self, path: str, *, ours: bool = True) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        self.page.wait_for_load_state("networkidle")
        if ours:  # htmx was loaded and ran (evaluate goes through the debugger, not through eval)
            assert self.page.evaluate("typeof window.htmx") == "object", path

    def login(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.visit("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/login/" not in self.page.url, self.page.url


@pytest.fixture
def walk(browser: Any, live_server: Any) -> Iterator[Walk]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield Walk(page, live_server.url)
    context.close()


def test_portals_run_under_the_policy_without_violations(walk: Walk, world: World) -> None:
    effective = world.reach("effective")
    review = world.reach("college_review", student=world.other_student)
    pages = {
        "": ["/login/", "/verify/", f"/verify/{effective.verification_code}", "/employer/register/"],
        world.employer.username: [
            "/employer/",
            "/employer/agreements/",
            f"/employer/agreements/{effective.pk}/",
            "/employer/invite/",
            "/employer/profile/",
            "/employer/terminations/",
            f"/documents/agreements/{effective.pk}/preview/",
        ],
        world.student.user.username: [
            "/student/",
            "/student/invitations/",
            "/student/agreement/",
            "/student/messages/",
        ],
        world.college_admin.username: ["/school/", "/school/reviews/", f"/school/agreements/{effective.pk}/"],
        world.school_admin.username: [
            "/school/",
            "/school/agreements/",
            f"/school/agreements/{review.pk}/",
            "/school/students/",
            "/school/stats/",
            "/school/plan/",
            "/school/settings/",
            "/school/employers/",
            "/school/roster/import/",
        ],
    }
    for username, paths in pages.items():
        if username:
            walk.login(username)
        for path in paths:
            walk.visit(path)
    # The statistics page drew its charts: Chart.js ran from its static file.
    walk.visit("/school/stats/")
    assert walk.page.locator("#chart-status").get_attribute("width") not in (None, "0")
    # The API's interactive docs render offline, under the same policy.
    walk.visit("/api/v1/docs", ours=False)
    walk.page.locator(".swagger-ui .opblock").first.wait_for()
    assert walk.violations == []
    assert walk.errors == []


def test_an_inline_script_would_be_reported(walk: Walk) -> None:
    """The collector above is not blind: an injected inline script is refused and shows up as a violation."""
    walk.visit("/login/")
    walk.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; "
        "document.body.appendChild(s); }"
    )
    for _ in range(50):  # console events reach Python asynchronously
        if walk.violations:
            break
        walk.page.wait_for_timeout(50)
    assert walk.page.evaluate("typeof window.pwned") == "undefined"
    assert any("inline" in violation for violation in walk.violations), walk.violations
