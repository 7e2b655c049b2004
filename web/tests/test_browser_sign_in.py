"""The sign-in pages with the school chosen from a searchable list (issue 19: every school's 学号 space is its own),
on a phone and a desktop: a student of 辽宁大学 finds the school by typing, signs in with the 学号 东北大学 has too,
and the list offers the school again next time; axe finds nothing on 登录, 激活账号 and 忘记密码."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import User
from core.usernames import student_username
from testsupport import PASSWORD, World, make_college, make_student, screenshot
from web.tests.test_browser_axe import RUN, TAGS, axe_source, skip_to_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 812)], ids=["desktop", "phone"])
def test_a_student_chooses_the_school_by_typing_and_signs_in(
    browser: Any, live_server: Any, screenshots: Path, world: World, width: int, height: int
) -> None:
    ours = make_student(world.college, name="李明")
    theirs = make_student(make_college(world.other_school, "信息学院"), name="陈晨")
    # Both have the 学号 2027001, each in their own school.
    for student in (ours, theirs):
        User.objects.filter(pk=student.user.pk).update(username=student_username(student.school.code, "2027001"))
        type(student).objects.filter(pk=student.pk).update(student_no="2027001")
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    source = axe_source()
    found: list[Any] = []
    for path in ("/activate/", "/password-reset/", "/login/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        page.evaluate(source)
        found += [{"path": path, **v} for v in page.evaluate(RUN, TAGS)]
        skipped = skip_to_content(page)
        if skipped:
            found.append({"path": path, **skipped})
    assert found == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width

    page.goto(live_server.url + "/login/")
    page.click(".ts-control")
    page.keyboard.type("辽宁")
    page.click(".ts-dropdown .option:has-text('辽宁大学（10140）')")
    expect(page.locator("#id_school_code")).to_have_value("10140")
    # Chosen, the list closes and hands the focus to the 学号, the field below it (it used to reopen over it).
    expect(page.locator(".ts-dropdown")).to_be_hidden()
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type("2027001")  # as a user goes on typing
    page.fill("#id_password", PASSWORD)
    expect(page.locator("#id_username")).to_have_value("2027001")
    expect(page.locator("#id_password")).to_have_value(PASSWORD)
    screenshot(page, screenshots / f"sign-in-school-{width}.png", full_page=True)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.wait_for_function("() => location.pathname.startsWith('/student/')")
    page.goto(live_server.url + "/student/profile/")
    text = page.evaluate("() => document.body.innerText")
    assert "陈晨" in text and "辽宁大学" in text and "李明" not in text
    page.context.clear_cookies(name="sessionid")
    page.goto(live_server.url + "/login/")
    assert page.locator("#id_school_code").input_value() == "10140"  # offered again
    context.close()
