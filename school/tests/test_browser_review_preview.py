"""In Chromium: the reviewer's page shows the agreement as it will print (both sides of a copy, watermarked) and
the terms' last changes; 通过 asks in a dialog (cancel keeps it, OK approves), and without JavaScript on a page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import Agreement, Status
from core.services import agreements as wf
from testsupport import BROWSER_TIMEOUT_MS, Journey, World, browser_login, confirm, make_student, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_sees_the_preview_and_confirms_approve(world: World, journey: Journey) -> None:
    agreement = world.reach("college_review")
    wf.agreement_modify(agreement, terms={"position": "法务专员", "monthly_salary": 9000}, acting_user=world.employer)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    page = journey.page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    journey.login(world.college_admin.username, landing=r"/school/$")
    journey.go(f"/school/agreements/{agreement.pk}/?next=/school/reviews/")
    expect(page.locator("h2", has_text="签约审核（待学院审核）")).to_be_visible()
    expect(page.locator(".wq-diff-table th", has_text="拟聘用职位")).to_be_visible()
    images = page.locator("img.wq-draft-page")
    expect(images).to_have_count(2)
    for index in range(2):
        images.nth(index).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 900", arg=images.nth(index).element_handle())
    journey.shot("review-preview")
    screenshot(page.locator(".wq-review-preview"), journey.folder / "review-preview-section.png")

    # Cancel in the dialog: nothing happens.
    questions: list[str] = []

    def dismiss(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("form[data-confirm] button:has-text('通过')")
    # The question, then what the step will do (core.status_words): at the college, on to the school.
    question = f"确定审核通过{world.student.name}与{world.employer.employer.name}的协议书吗？"
    assert questions == [f"{question}\n\n学院审核通过后，协议书转学校审核。"]
    # Had the dismissed dialog submitted, the approval below would be refused (already at the school's level).

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[data-confirm] button:has-text('通过')")
    page.wait_for_url(re.compile(r"/school/reviews/$"))
    expect(page.locator(".alert-success", has_text="审核通过")).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.status == Status.SCHOOL_REVIEW
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_without_javascript_approve_asks_on_a_page(browser: Any, live_server: Any, world: World) -> None:
    agreement = world.reach("college_review", student=make_student(world.college, name="陈静"))
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        browser_login(page, live_server.url, world.college_admin.username, landing=r"/school/$")
        page.goto(f"{live_server.url}/school/agreements/{agreement.pk}/?next=/school/reviews/")
        page.click("form[data-confirm] button:has-text('通过')")
        expect(page.locator("h1", has_text="审核通过确认")).to_be_visible()
        assert Agreement.objects.get(pk=agreement.pk).status == Status.COLLEGE_REVIEW
        page.click("button:has-text('确定通过')")
        page.wait_for_url(re.compile(r"/school/reviews/$"))
        assert Agreement.objects.get(pk=agreement.pk).status == Status.SCHOOL_REVIEW
    finally:
        context.close()
