"""账号管理 and the second factor in Chromium (issue 23): a school that requires a second factor; its admin enrols a
passkey (Chromium's virtual authenticator, through the DevTools WebAuthn domain) and keeps the recovery codes;
adds a 学院管理员, who follows the e-mailed link, sets a password and an authenticator app; the school admin
disables (the college admin's open page is signed out), enables and re-invites them; the next sign-in asks for the
passkey. Screenshots at 1280 px and 375 px in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from core.models import Passkey, School, User
from testsupport import BROWSER_TIMEOUT_MS, PASSWORD, World, screenshot

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


class Browser:
    """One person's browser context, with a virtual passkey authenticator when asked for one."""

    def __init__(self, browser: Any, base: str, folder: Path, label: str, viewport: dict[str, int] = DESKTOP):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(BROWSER_TIMEOUT_MS)
        self.base, self.folder, self.label, self.n = base, folder, label, 0

    def authenticator(self) -> str:
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        options = {
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": True,
            "hasUserVerification": True,
            "isUserVerified": True,
            "automaticPresenceSimulation": True,
        }
        return str(cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"])

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        self.n += 1
        screenshot(self.page, self.folder / f"{self.label}-{self.n:02d}-{name}.png", full_page=True)

    def login(self, username: str, password: str, landing: str) -> None:
        self.go("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(re.compile(landing))

    def confirm_next_dialog(self) -> None:
        self.page.once("dialog", lambda dialog: dialog.accept())


@pytest.fixture
def site(live_server: Any) -> Iterator[str]:
    # Passkeys are made for the host people reach the site at (SITE_URL); the live server is that host here.
    with override_settings(SITE_URL=live_server.url):
        yield live_server.url


def _invitation_path() -> str:
    match = re.search(r"https?://[^/\s]+(/invitation/[^\s]+/)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_school_admin_staffs_the_school_with_a_second_factor(
    browser: Any, site: str, screenshots: Path, world: World
) -> None:
    School.objects.filter(pk=world.school.pk).update(second_factor_required=True)
    admin = Browser(browser, site, screenshots, "school")
    page = admin.page

    # First sign-in: no page before a second factor. A passkey on this computer.
    admin.login("school_neu", PASSWORD, landing=r"/account/second-factor/")
    expect(page.locator("h1", has_text="设置两步验证")).to_be_visible()
    admin.shot("second-factor-setup")
    admin.authenticator()
    page.fill("#id_passkey_name", "办公室电脑")
    page.click("button:has-text('添加通行密钥')")
    page.wait_for_url(re.compile(r"/account/security/"))
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    admin.shot("recovery-codes")
    page.click("a:has-text('我已妥善保存，继续')")
    page.wait_for_url(re.compile(r"/school/$"))
    assert Passkey.objects.filter(user=world.school_admin, name="办公室电脑").exists()

    # 账号管理: add a 学院管理员 of 文法学院.
    page.click("nav.wq-menu >> text=账号管理")
    expect(page.locator("h1", has_text="账号管理")).to_be_visible()
    admin.shot("staff-list")
    page.click("a:has-text('添加学院管理员')")
    page.select_option("#id_college_id", label="文法学院")
    page.fill("#id_username", "wfxy_zhang")
    page.fill("#id_display_name", "张老师")
    page.fill("#id_email", "zhang@neu.edu.cn")
    admin.shot("staff-add-form")
    page.click("button:has-text('保存并发送邀请')")
    page.wait_for_url(re.compile(r"/school/staff/\d+/$"))
    expect(page.locator(".alert-success", has_text="邀请链接已发送到 zhang@neu.edu.cn")).to_be_visible()
    expect(page.locator("td", has_text="待接受邀请")).to_be_visible()
    admin.shot("staff-added")
    detail = page.url

    # The college admin follows the e-mailed link: a password, then an authenticator app.
    college = Browser(browser, site, screenshots, "college")
    college.go(_invitation_path())
    expect(college.page.locator("h1", has_text="接受账号邀请")).to_be_visible()
    college.shot("invitation")
    college.page.fill("#id_new_password", "Wfxy-2027-zhang")
    college.page.fill("#id_new_password2", "Wfxy-2027-zhang")
    college.page.click("button:has-text('设置密码')")
    college.page.wait_for_url(re.compile(r"/account/second-factor/"))
    college.page.click("a:has-text('设置验证器应用')")
    college.page.wait_for_url(re.compile(r"/account/security/totp/"))
    college.shot("totp-qr")
    secret = college.page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    college.page.fill("#id_code", f"{TOTP(key).token():06d}")
    college.page.click("button:has-text('完成设置')")
    college.page.wait_for_url(re.compile(r"/account/security/"))
    expect(college.page.locator("#recovery-codes li")).to_have_count(10)
    college.page.click("a:has-text('我已妥善保存，继续')")
    college.page.wait_for_url(re.compile(r"/school/$"))
    college.go("/school/reviews/")
    expect(college.page.locator("h1, .wq-panel-title").first).to_be_visible()
    college.shot("college-portal")

    # The school admin sees the account active, and disables it: the college admin's open page is signed out.
    page.goto(detail)
    expect(page.locator("td", has_text="正常")).to_be_visible()
    admin.confirm_next_dialog()
    page.click("button:has-text('停用')")
    expect(page.locator(".alert-success", has_text="已停用，已在所有设备上退出登录")).to_be_visible()
    expect(page.locator("td", has_text="已停用")).to_be_visible()
    admin.shot("staff-disabled")
    college.page.reload()
    college.page.wait_for_url(re.compile(r"/login/"))
    college.shot("signed-out")

    # Enabled again, with a new invitation; then re-invited once more (the earlier link stops working).
    admin.confirm_next_dialog()
    page.click("button:has-text('启用并发送邀请')")
    expect(page.locator(".alert-success", has_text="已启用，邀请链接已发送到 zhang@neu.edu.cn")).to_be_visible()
    first_link = _invitation_path()
    admin.confirm_next_dialog()
    page.click("button:has-text('重新邀请')")
    expect(page.locator(".alert-success", has_text="已重新发送邀请到 zhang@neu.edu.cn")).to_be_visible()
    admin.shot("staff-reinvited")
    assert _invitation_path() != first_link
    college.go(first_link)
    expect(college.page.locator(".alert-warning", has_text="邀请链接无效、已使用或已过期")).to_be_visible()
    page.goto(site + "/school/staff/")
    expect(page.locator("#changes td", has_text="停用")).not_to_have_count(0)
    admin.shot("staff-record")
    college.context.close()

    # The same pages on a phone.
    phone = Browser(browser, site, screenshots, "phone", PHONE)
    phone.context.add_cookies(admin.context.cookies())
    for path, name in (("/school/staff/", "staff-list"), ("/school/staff/new/", "staff-add-form"), (detail, "detail")):
        phone.page.goto(path if path.startswith("http") else site + path)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        phone.shot(name)
    phone.context.close()

    # The next sign-in asks for the passkey.
    page.click("button:has-text('退出')")
    admin.login("school_neu", PASSWORD, landing=r"/login/second-factor/")
    admin.shot("second-factor-sign-in")
    page.click("button:has-text('使用通行密钥验证')")
    page.wait_for_url(re.compile(r"/school/$"))
    assert User.objects.get(username="wfxy_zhang").is_active
    assert Passkey.objects.get(user=world.school_admin).last_used_at is not None
    admin.context.close()
