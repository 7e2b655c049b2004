"""A graduate on a phone (Chromium at 375×812, touch): activation with the school's one-time code, read and
accept a 邀约, a refused second acceptance, the review progress, and a 解约 request.
One screenshot per step in test-artifacts/screenshots/<test name>/; no page may scroll sideways."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from core.models import Agreement, Status, Student
from core.services import agreements as wf
from core.services.activation import activation_codes_issue
from core.services.roster import ROSTER_HEADERS, roster_import
from testsupport import World, invite, make_world, screenshot, xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 375, 812
ID_NUMBER = "11010519491231002X"
NEW_PASSWORD = "Neu-2027-xyz"


class Phone:
    """A page in a phone-sized context that checks the width and saves a screenshot at every step."""

    def __init__(self, page: Any, base_url: str, folder: Path):
        self.page = page
        self.base_url = base_url
        self.folder = folder
        self.step = 0

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def shot(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= WIDTH, f"{name}: page is {width}px wide on a {WIDTH}px screen"
        self.step += 1
        screenshot(self.page, self.folder / f"{self.step:02d}-{name}.png")
        if self.page.evaluate("document.documentElement.scrollHeight") > HEIGHT:
            screenshot(self.page, self.folder / f"{self.step:02d}-{name}-full.png", full_page=True)

    def text(self) -> str:
        return str(self.page.inner_text("body"))


def _elsewhere(action: Any, *args: Any, **kwargs: Any) -> None:
    """Run a workflow action as another party would, outside this thread: Playwright's sync API keeps an
    event loop running here, and the PDF signing started after commit needs its own."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            action(*args, **kwargs)
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _last_code() -> str:
    """The 本人确认 code just texted to the roster phone (the tests' SMS backend keeps messages in core.sms.outbox)."""
    from core import sms

    found = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert found is not None, sms.outbox[-1].text
    return found.group(1)


def _roster_student(world: World) -> Student:
    upload = xlsx_bytes(
        list(ROSTER_HEADERS),
        [["2027999", "陈晨", "女", ID_NUMBER, "13800138000", "chenchen@example.com", 2027, "文法学院", "法学", "本科"]],
    )
    roster_import(world.school, upload, dry_run=False, acting_user=world.school_admin)
    return Student.objects.select_related("user").get(student_no="2027999")


def test_graduate_on_a_phone(live_server: Any, browser: Any, screenshots: Path) -> None:
    world = make_world()
    student = _roster_student(world)
    [issued] = activation_codes_issue(world.school, student_numbers=["2027999"], acting_user=world.school_admin)
    code = issued.code
    (offer,) = invite(world.employer, student, monthly_salary=8000, liquidated_damages=3000)
    (rival,) = invite(world.other_employer, student, position="法务助理")

    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
    )
    phone = Phone(context.new_page(), live_server.url, screenshots)
    page = phone.page
    try:
        # 1. First login: the login page leads to 激活账号; 学号 + the school's code + a new password.
        phone.goto("/login/")
        phone.shot("login")
        page.click("a[href='/activate/']")
        page.wait_for_url("**/activate/")
        phone.shot("activate")
        page.fill("#id_username", "2027999")
        page.fill("#id_code", code)
        page.fill("#id_new_password", "12345678")
        page.fill("#id_new_password2", "12345678")
        page.click("main button[type=submit]")
        assert page.locator("#id_new_password.is-invalid").count() == 1
        phone.shot("password-error-next-to-field")
        page.fill("#id_new_password", NEW_PASSWORD)
        page.fill("#id_new_password2", NEW_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/student/invitations/")

        # 2. 我的邀约: both invitations, the unread count in the bottom nav, large tap targets.
        assert "账号已激活" in phone.text()
        assert world.employer.employer.name in phone.text()
        assert world.other_employer.employer.name in phone.text()
        nav = page.locator("nav.wq-bottomnav")
        assert nav.is_visible()
        assert nav.locator(".wq-badge").inner_text() == "2"
        for box in [nav.locator("a").nth(i).bounding_box() for i in range(4)]:
            assert box is not None and box["height"] >= 44 and box["width"] >= 44
        phone.shot("invitations")

        # 3. Read the 邀请函 and accept it after the confirmation.
        page.locator(f"a[href='/student/invitations/{offer.pk}/']").click()
        page.wait_for_url(f"**/student/invitations/{offer.pk}/")
        body = phone.text()
        assert world.employer.employer.credit_code in body
        assert "3,000 元" in body and "档案转寄单位名称" in body
        phone.shot("invitation-terms")
        page.locator(".wq-actionbar a", has_text="同意").tap()
        page.wait_for_url(f"**/student/invitations/{offer.pk}/accept/")
        assert "不能再同意其他单位的邀约" in phone.text()
        phone.shot("accept-confirmation")
        # 本人确认 without a passkey: a code to the roster phone (issue 20).
        page.locator("button", has_text="发送短信验证码").tap()
        page.wait_for_selector("#id_code")
        page.fill("#id_code", _last_code())
        phone.shot("accept-sms-code")
        page.locator("button", has_text="确认并同意").tap()
        page.wait_for_url(f"**/student/agreements/{offer.pk}/")
        assert "协议已提交审核" in phone.text()
        assert page.locator(".wq-step-current").inner_text().startswith("③")
        phone.shot("accepted-waiting-for-college")

        # 4. A second acceptance while one is active is refused, with the reason.
        phone.goto(f"/student/invitations/{rival.pk}/")
        assert "在办理解约之前，不能同意其他单位的邀约" in phone.text()
        page.locator(".wq-actionbar a", has_text="同意").tap()
        page.locator("button", has_text="发送短信验证码").tap()
        page.wait_for_selector("#id_code")
        page.fill("#id_code", _last_code())
        page.locator("button", has_text="确认并同意").tap()
        page.wait_for_selector("#accept-error")
        assert "须先办理解约才能接受新的邀约" in page.inner_text("#accept-error")
        phone.shot("second-acceptance-refused")
        assert Agreement.objects.get(pk=rival.pk).status == Status.INVITED

        # 5. The review progress: 学院, then 学校, then effective.
        _elsewhere(wf.agreement_approve, offer.pk, acting_user=world.college_admin)
        page.locator("nav.wq-bottomnav a", has_text="我的协议").tap()
        page.wait_for_url("**/student/agreement/")
        assert "等待学校审核" in phone.text()
        phone.shot("waiting-for-school")
        _elsewhere(wf.agreement_approve, offer.pk, acting_user=world.school_admin)
        page.reload()
        number = Agreement.objects.get(pk=offer.pk).number
        assert number and f"协议已生效，协议书编号 {number}" in phone.text()
        assert page.locator(".wq-step-current").count() == 0
        download = page.locator("a", has_text="下载协议书")
        assert download.get_attribute("href") == reverse("documents:pdf", args=[offer.pk])
        pdf = page.request.get(live_server.url + reverse("documents:pdf", args=[offer.pk]))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        download.scroll_into_view_if_needed()
        phone.shot("effective-download")

        # 6. 消息: every event, marked read once opened.
        page.locator("nav.wq-bottomnav a", has_text="消息").tap()
        page.wait_for_url("**/student/messages/")
        assert "协议已通过学校审核" in phone.text()
        assert page.locator("nav.wq-bottomnav .wq-badge").count() == 0
        phone.shot("messages")

        # 7. 申请解约: the warning, the school's limits, the live count, then the request.
        page.locator("nav.wq-bottomnav a", has_text="我的协议").tap()
        page.locator("a", has_text="申请解约").tap()
        page.wait_for_url(f"**/student/agreements/{offer.pk}/termination/")
        body = phone.text()
        assert "解约须经单位同意并由学校审核" in body and "不限（你已解约 0 次）" in body
        phone.shot("termination-form")
        page.locator("button", has_text="提交解约申请").tap()
        assert page.locator(".field-error").inner_text() == "解约原因不能为空"
        phone.shot("termination-reason-required")
        page.fill("#id_reason", "考取选调生，需解除协议")
        assert page.locator("[data-count-for=id_reason]").inner_text() == "11"
        assert page.locator(".field-error").is_hidden()  # the old error goes once the reason is edited
        phone.shot("termination-reason-typed")
        page.locator("button", has_text="提交解约申请").tap()
        # 本人确认 (issue 20): the reason kept, the code to the roster phone.
        page.wait_for_selector("#confirm-act")
        assert "考取选调生，需解除协议" in phone.text()
        phone.shot("termination-confirm")
        page.locator("button", has_text="发送短信验证码").tap()
        page.wait_for_selector("#id_code")
        page.fill("#id_code", _last_code())
        page.locator("button", has_text="确认并提交解约申请").tap()
        page.wait_for_url(f"**/student/agreements/{offer.pk}/")
        assert "你已提出解约申请，正在等待单位处理" in phone.text()
        phone.shot("termination-requested")
        assert Agreement.objects.get(pk=offer.pk).status == Status.TERMINATION_REQUESTED

        # 8. 个人信息, with 修改密码 and 退出 at hand.
        page.locator("nav.wq-bottomnav a", has_text="个人信息").tap()
        body = phone.text()
        assert ID_NUMBER in body and "就业指导中心" in body and "修改密码" in body and "退出登录" in body
        phone.shot("profile")
    finally:
        context.close()
