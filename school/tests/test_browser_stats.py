"""签约统计 and 就业方案 in Chromium: the two charts drawn from static JavaScript (no CSP violation), 去向落实率 beside
签约率, and a large 就业方案 written by a job whose page offers the download. Screenshots in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from testsupport import Journey, World, make_student

pytestmark = pytest.mark.browser


def test_stats_charts_and_plan_job(world: World, journey: Journey, settings: Any) -> None:
    settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS = 2
    world.reach("effective")
    world.reach("school_review", student=world.other_student)
    for major in ("法学", "思想政治教育"):
        world.reach("effective", student=make_student(world.college, major=major))
    make_student(world.other_college, major="计算机科学与技术")
    page = journey.page
    problems: list[str] = []
    # Script errors and CSP refusals; failed loads are told by URL below (the favicon lands on main separately).
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)

    journey.login("school_neu", landing=r"/school/$")
    journey.go("/school/stats/?year=2027")
    assert page.locator("[data-stat=rate]").inner_text() == "60.0%"  # 3 effective of 5 students
    assert page.locator("[data-stat=placed-rate]").inner_text() == "60.0%"
    datasets = page.evaluate("Chart.getChart('chart-rate').data.datasets.map(d => d.label)")
    assert datasets == ["签约率（%）", "去向落实率（%）"]
    assert page.evaluate("Chart.getChart('chart-status').data.labels") == ["信息科学与工程学院", "文法学院"]
    journey.shot("stats")

    journey.go("/school/plan/?year=2027")
    expect(page.locator("[data-plan-count]")).to_have_text("5")
    journey.shot("plan")
    page.click("text=导出就业方案（xlsx）")
    page.wait_for_url("**/school/exports/*/")
    expect(page.locator("#export-job[data-state=done]")).to_be_visible()
    expect(page.locator("[data-download]")).to_contain_text("2027届就业方案")
    journey.shot("plan-job-done")
    with page.expect_download() as download:
        page.click("[data-download]")
    assert download.value.suggested_filename == "2027届就业方案-东北大学.xlsx"
    assert problems == []
