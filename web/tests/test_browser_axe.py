"""Nobody is left out: axe-core (the npm package, a dev dependency read from node_modules by this test and never
served to users) checks every GET page of every portal, as every persona, at 1280 px and at 375 px, against the
WCAG 2.1 A and AA rules and axe's best practices. The test prints how many pages it checked and how many violations
it found, and fails on any violation. The pages are those of `web/tests/page_walk.py`, so a page added later is held
to it too."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from testsupport import LoginAs, World
from web.tests.page_walk import Persona, walk, world_objects, world_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (a page's one <h1>, a field named by more than its title), which a
# screen-reader user needs as much.
AXE_SUMMARY = "axe-summary.txt"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Runs axe on the page as it is now; each violation as rule, impact, help and the first elements it names.
RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({
        rule: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n')[1]),
    }));
}"""


def axe_source() -> str:
    assert AXE.exists(), f"{AXE} is missing: run `make node` (npm ci installs the dev dependency axe-core)"
    return AXE.read_text(encoding="utf-8")


def skip_to_content(page: Any) -> dict[str, Any] | None:
    """The first Tab stop is 跳到主要内容 and Enter on it brings the keyboard to the page's own content (<main>);
    what went wrong, as a violation of its own, else None."""
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.textContent.trim(), document.activeElement.hash]")
    if first != ["跳到主要内容", "#main"]:
        return {
            "rule": "skip-link",
            "impact": "serious",
            "help": "跳到主要内容 is not the first Tab stop",
            "count": 1,
            "targets": [str(first)],
        }
    page.keyboard.press("Enter")
    try:
        page.wait_for_function("() => document.activeElement?.tagName === 'MAIN'", timeout=5000)
    except PlaywrightTimeout:
        landed = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 120) ?? null")
        return {
            "rule": "skip-link",
            "impact": "serious",
            "help": "Enter on 跳到主要内容 does not bring the keyboard to <main>",
            "count": 1,
            "targets": [str(landed)],
        }
    return None


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 812)], ids=["desktop", "phone"])
def test_every_page_passes_axe(
    browser: Any,
    live_server: Any,
    screenshots: Path,
    world: World,
    login_as: LoginAs,
    client: Client,
    width: int,
    height: int,
) -> None:
    source = axe_source()
    objects = world_objects(world)
    personas = world_personas(world)
    found: list[dict[str, Any]] = []
    pages = 0

    def visit(persona: Persona, page: Any, route: str, path: str) -> None:
        nonlocal pages
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (persona.label, path)
        page.wait_for_load_state("load")
        page.evaluate(source)  # through the DevTools protocol: the site's Content-Security-Policy does not apply
        pages += 1
        for violation in page.evaluate(RUN, TAGS):
            found.append({"persona": persona.label, "route": route, "path": path, **violation})
        skipped = skip_to_content(page)
        if skipped:
            found.append({"persona": persona.label, "route": route, "path": path, **skipped})

    walk(browser, live_server.url, client, login_as, personas, objects, width=width, height=height, visit=visit)
    total = sum(v["count"] for v in found)
    report = Path(screenshots) / "axe.json"
    report.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    by_rule = Counter({v["rule"]: 0 for v in found})
    for v in found:
        by_rule[v["rule"]] += v["count"]
    summary = f"axe at {width} px: {pages} pages, {total} violations {dict(by_rule)}"
    (Path(screenshots) / AXE_SUMMARY).write_text(summary, encoding="utf-8")  # printed at the end of the run (conftest)
    print(summary)
    assert pages > 40, f"only {pages} pages were checked"
    assert not found, f"{total} violations on {len({v['path'] for v in found})} of {pages} pages:\n" + "\n".join(
        f"{v['persona']} {v['path']} [{v['rule']}, {v['impact']}] {v['help']} ×{v['count']}: {v['targets']}"
        for v in found
    )
