"""学校代为登记 in Chromium at 375×812 (issue 20 item 2): the school admin enters a graduate's 去向 from the student's
page, with the kind's own fields and the place cascade, and sees 待本人确认; 去向落实率 does not count it until the
graduate confirms. The same page without JavaScript (选择 and 刷新地区 buttons). Screenshots in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from core.services import destinations as svc
from testsupport import BROWSER_TIMEOUT_MS, PASSWORD, World, browser_login, confirm, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def _phone(browser: Any, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=javascript
    )
    page: Page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    return page


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_school_enters_a_destination_on_a_phone(
    world: World, browser: Any, live_server: Any, screenshots: Path, settings: Any
) -> None:
    settings.STATS_CACHE_SECONDS = 0  # 统计 is read before and after the graduate's 本人确认, seconds apart
    page = _phone(browser)
    base = live_server.url
    shot = iter(range(1, 100))

    def snap(name: str) -> None:
        screenshot(page, screenshots / f"{next(shot):02d}-{name}.png", full_page=True)

    browser_login(page, base, "school_neu", PASSWORD, landing=r"/school/")
    page.goto(f"{base}/school/stats/?year={world.student.graduation_year}")
    assert page.locator("[data-stat=placed-rate]").inner_text() == "0.0%"
    page.goto(f"{base}/school/students/{world.student.pk}/")
    page.locator("#enter-destination").tap()
    page.wait_for_url(f"**/school/students/{world.student.pk}/destination/")
    assert "待本人确认" in page.locator("#enter-notice").inner_text()
    page.select_option("#id_kind", "46")  # 应征义务兵: the page reloads with its own fields
    page.wait_for_url(re.compile(r"code=46"))
    assert page.locator("label[for=id_unit_location]").inner_text() == "入伍地"
    page.select_option("select[name=unit_location_p]", "210000")
    expect(page.locator("select[name=unit_location_c] option[value='210100']")).to_be_attached()
    page.select_option("select[name=unit_location_c]", "210100")
    expect(page.locator("#id_unit_location option[value='210102']")).to_be_attached()
    page.select_option("#id_unit_location", "210102")
    page.fill("#id_contract_start", "2027-09-01")
    _fits(page)
    snap("enter-form")
    page.locator("#save-destination").tap()
    page.wait_for_url(re.compile(r"/school/destinations/\d+/$"))
    assert "已代为登记李明的毕业去向，待本人确认" in page.content()
    assert "待本人确认" in page.locator("main").inner_text()
    _fits(page)
    snap("entered-pending")

    # Not counted until the graduate's 本人确认; then it is.
    page.goto(f"{base}/school/stats/?year={world.student.graduation_year}")
    assert page.locator("[data-stat=placed-rate]").inner_text() == "0.0%"
    snap("stats-not-counted")
    user = world.student.user
    assert user is not None
    svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    page.reload()
    assert page.locator("[data-stat=placed-rate]").inner_text() != "0.0%"


def test_the_page_works_without_javascript(world: World, browser: Any, live_server: Any, screenshots: Path) -> None:
    page = _phone(browser, javascript=False)
    base = live_server.url
    browser_login(page, base, "school_neu", PASSWORD, landing=r"/school/")
    page.goto(f"{base}/school/students/{world.other_student.pk}/destination/")
    page.select_option("#id_kind", "46")
    page.locator("#kind-form button", has_text="选择").click()
    page.wait_for_url(re.compile(r"code=46"))
    page.select_option("select[name=unit_location_p]", "210000")
    page.locator("button", has_text="刷新地区").click()
    page.wait_for_load_state()
    page.select_option("select[name=unit_location_c]", "210100")
    page.locator("button", has_text="刷新地区").click()
    page.wait_for_load_state()
    page.select_option("#id_unit_location", "210102")
    page.fill("#id_contract_start", "2027-09-01")
    _fits(page)
    screenshot(page, screenshots / "no-js-form.png", full_page=True)
    page.locator("#save-destination").click()
    page.wait_for_url(re.compile(r"/school/destinations/\d+/$"))
    assert "待本人确认" in page.locator("main").inner_text()
