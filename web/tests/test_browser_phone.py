"""Every page of the three portals on a phone (Chromium at 375×812, touch): no page scrolls sideways, and the page's
own content, not the portal's menu, fills the first screen (the menu is a drawer behind the top bar's 菜单 button).

The pages are those of `web/tests/page_walk.py`: every GET page of every portal as every persona, read from the URL
conf. Screenshots in test-artifacts/screenshots/<test name>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Student
from testsupport import LoginAs, World, make_student, screenshot
from web.tests.page_walk import Persona, walk, world_objects, world_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 375, 812

# What the page looks like, measured in the browser. `wide` names the first elements that stick out.
MEASURE = """() => {
    const menu = document.getElementById('wq-portal-menu');
    const main = document.querySelector('main');
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .filter(e => !e.closest('.table-responsive, .offcanvas-md, .modal'))
        .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        // The layout viewport: on a phone, window.innerWidth grows to whatever the content needs (the browser
        // zooms out), so it cannot tell that the page scrolls sideways.
        clientWidth: document.documentElement.clientWidth,
        wide: wide,
        menuShown: menu ? getComputedStyle(menu).visibility !== 'hidden' : false,
        mainTop: main ? main.getBoundingClientRect().top : null,
        mainHeight: main ? main.getBoundingClientRect().height : 0,
    };
}"""


def check_fits(page: Any, base: str, folder: Path, label: str, path: str) -> list[str]:
    """Open `path` at the page's phone size and take a screenshot; what is wrong with it (no sideways scrolling,
    the content first)."""
    response = page.goto(base + path)
    assert response is not None and response.status == 200, (label, path, response and response.status)
    shape = page.evaluate(MEASURE)
    name = re.sub(r"\W+", "-", path).strip("-") or "home"
    screenshot(page, folder / f"{label}-{name}.png")
    problems = []
    if shape["clientWidth"] != WIDTH:
        problems.append(f"{label} {path}: the layout is not a phone's: {shape}")
    if shape["scrollWidth"] > WIDTH:
        problems.append(f"{label} {path} scrolls sideways: {shape}")
    if shape["menuShown"]:
        problems.append(f"{label} {path}: the menu covers the page")
    if shape["mainTop"] is None or shape["mainTop"] >= HEIGHT / 3:
        problems.append(f"{label} {path}: content below {shape}")
    if shape["mainHeight"] <= 40:
        problems.append(f"{label} {path}: no content {shape}")
    return problems


def _search_result_in_view(page: Any, base: str, folder: Path, student: Student) -> None:
    """签约搜索's result reads as a card (.wq-cards): its 加入 is on the screen, not past the end of the screen."""
    page.goto(base + reverse("employer:invite"))
    page.select_option("#id_year", str(student.graduation_year))
    page.fill("#id_name", student.name)
    page.fill("#id_keyword", student.id_number)
    page.click("form button:has-text('搜索')")
    page.wait_for_load_state("load")  # the cards are labelled by the page's script
    box = page.locator("#wq-results button:has-text('加入')").bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTH, box
    screenshot(page, folder / "employer-search-result-card.png")


def test_every_portal_page_fits_a_phone(
    browser: Any,
    live_server: Any,
    screenshots: Path,
    world: World,
    login_as: LoginAs,
    client: Client,
) -> None:
    objects = world_objects(world)
    personas = world_personas(world)
    searchable = make_student(world.college, name="周密")
    base = live_server.url

    problems: list[str] = []

    def visit(persona: Persona, page: Any, route: str, path: str) -> None:
        problems.extend(check_fits(page, base, screenshots, persona.label, path))

    def after(persona: Persona, page: Any) -> None:
        # Every entry of the portal's menu was checked, and the drawer opens from the top bar.
        page.goto(base + next(iter(persona.visited.values())))
        links = page.eval_on_selector_all(
            "#wq-portal-menu a[href], .wq-bottomnav a[href]", "links => links.map(a => a.pathname)"
        )
        checked = {path for p in personas for path in p.visited.values()}
        assert set(links) <= checked, (persona.label, set(links) - checked)
        if page.locator(".wq-menu-toggle").count():
            page.click(".wq-menu-toggle")
            page.wait_for_selector("#wq-portal-menu.show")
            assert page.locator("#wq-portal-menu a[href]").first.is_visible()
        if persona.label == "employer":
            _search_result_in_view(page, base, screenshots, searchable)

    walk(browser, base, client, login_as, personas, objects, width=WIDTH, height=HEIGHT, visit=visit, after=after)
    assert not problems, "\n".join(problems)
    visited = {route for persona in personas for route in persona.visited}
    assert "documents:verify_code" in visited, "the page the agreement's QR code leads to was not checked"
