"""本人确认 in Chromium on a phone (issue 20, "Done when"): a graduate registers a passkey under 账号安全 with the
browser's own WebAuthn (a virtual authenticator through the DevTools WebAuthn domain) and accepts an 邀约 with it at
375 px; the employer and the college's reviewer see "本人确认" in 流程追踪; a second graduate, in another browser
context without any passkey, confirms by the SMS code instead. Screenshots in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.models import Confirmation, Status
from school.tests.test_browser_staff import PHONE, Browser, site  # noqa: F401  (the `site` fixture)
from student.tests.test_browser_journey import _last_code
from testsupport import PASSWORD, World, invite

pytestmark = pytest.mark.browser


def test_accept_with_a_passkey_on_a_phone_and_by_sms_without_one(
    browser: Any,
    site: str,  # noqa: F811
    screenshots: Path,
    world: World,
) -> None:
    (offer,) = invite(world.employer, world.student)
    (other_offer,) = invite(world.employer, world.other_student)

    # The graduate adds a passkey on the phone they sign with, under 账号安全.
    graduate = Browser(browser, site, screenshots, "passkey", viewport=PHONE)
    page = graduate.page
    graduate.login(world.student.student_no, PASSWORD, landing=r"/student/")
    graduate.authenticator()
    graduate.go("/account/security/")
    page.fill("#id_passkey_name", "我的手机")
    page.click("button:has-text('添加通行密钥')")
    expect(page.locator("#passkeys input[value='我的手机']")).to_be_visible()
    graduate.shot("passkey-added")

    # 同意 with the passkey: no code, the device's own check.
    graduate.go(f"/student/invitations/{offer.pk}/accept/")
    expect(page.locator("#confirm-act")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    graduate.shot("accept-with-passkey")
    page.click("button:has-text('使用通行密钥确认并同意')")
    page.wait_for_url(re.compile(rf"/student/agreements/{offer.pk}/"))
    expect(page.locator(".wq-confirmed", has_text="本人确认（通行密钥）").first).to_be_visible()
    graduate.shot("accepted")
    offer.refresh_from_db()
    assert offer.status == Status.COLLEGE_REVIEW
    evidence = Confirmation.objects.get(agreement_event__agreement=offer)
    assert evidence.method == "passkey" and evidence.credential_id and evidence.assertion

    # The employer and the college's reviewer see it in 流程追踪.
    for username, path, label in (
        ("alice", f"/employer/agreements/{offer.pk}/", "employer"),
        ("college_law", f"/school/agreements/{offer.pk}/", "reviewer"),
    ):
        viewer = Browser(browser, site, screenshots, label)
        viewer.login(username, PASSWORD, landing=r"/(employer|school)/")
        viewer.go(path)
        expect(viewer.page.locator(".wq-confirmed", has_text="本人确认（通行密钥）").first).to_be_visible()
        viewer.shot("timeline")
        viewer.context.close()

    # Another graduate, another browser without a passkey: the SMS code.
    other = Browser(browser, site, screenshots, "sms", viewport=PHONE)
    other.login(world.other_student.student_no, PASSWORD, landing=r"/student/")
    other.go(f"/student/invitations/{other_offer.pk}/accept/")
    expect(other.page.locator("button:has-text('使用通行密钥确认并同意')")).to_have_count(0)
    other.page.click("button:has-text('发送短信验证码')")
    other.page.fill("#id_code", _last_code())
    other.shot("sms-code")
    other.page.click("button:has-text('确认并同意')")
    other.page.wait_for_url(re.compile(rf"/student/agreements/{other_offer.pk}/"))
    expect(other.page.locator(".wq-confirmed", has_text="本人确认（短信验证码）").first).to_be_visible()
    other.shot("accepted-by-sms")
    graduate.context.close()
    other.context.close()
