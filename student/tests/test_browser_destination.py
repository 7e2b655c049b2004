"""毕业去向 on a phone (Chromium at 375×812, touch): report 升学, prove it, submit, answer the college's 退回 by
changing to 签劳动合同 (the region cascade), see an effective agreement take over; register a paper agreement.
One screenshot per step in test-artifacts/screenshots/<test name>/; no page may scroll sideways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.models import Destination
from core.services import destinations as svc
from student.tests.test_browser_journey import HEIGHT, WIDTH, Phone, _elsewhere, _last_code
from testsupport import BROWSER_TIMEOUT_MS, PAPER_EXTRA, PASSWORD, browser_login, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _confirm_by_sms(page: Any, button: str) -> None:
    """On a 本人确认 page: 发送短信验证码, then the code from the roster phone's message."""
    with page.expect_navigation():
        page.locator("button", has_text="发送短信验证码").tap()
    page.fill("#id_code", _last_code())


def test_destination_on_a_phone(live_server: Any, browser: Any, screenshots: Path) -> None:
    world = make_world()
    student = world.student
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
    )
    phone = Phone(context.new_page(), live_server.url, screenshots)
    page = phone.page
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        browser_login(page, live_server.url, student.student_no, PASSWORD, landing=r"/student/")
        page.locator("nav.wq-bottomnav a", has_text="毕业去向").tap()
        page.wait_for_url("**/student/destination/")
        assert "尚未登记毕业去向" in phone.text()
        phone.shot("destination-unregistered")

        # 升学: choosing the kind brings its own fields.
        page.locator("#edit-destination").tap()
        page.wait_for_url("**/student/destination/edit/")
        page.select_option("#id_kind", "80")
        page.wait_for_url(re.compile(r"code=80"))
        assert page.locator("label[for=id_school_name]").inner_text() == "录取学校"
        page.click("#save-destination")
        assert page.locator("#id_programme.is-invalid").count() == 1
        phone.shot("destination-form-error")
        page.fill("#id_school_name", "东北大学")
        page.fill("#id_programme", "法学")
        phone.shot("destination-form")
        page.click("#save-destination")
        page.wait_for_url("**/student/destination/")
        assert "未提交" in page.locator("#destination-status").inner_text()

        # Proof, then submit.
        page.set_input_files(
            "#id_file", files=[{"name": "录取通知书.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        with page.expect_navigation():
            page.locator("#attach-form button[type=submit]").tap()
        assert "录取通知书.pdf" in page.locator("#attachment-list").inner_text()
        phone.shot("destination-proof")
        with page.expect_navigation():
            page.locator("#submit-destination").tap()
        assert "本人确认" in phone.text()  # issue 20: the graduate confirms it is theirs, by SMS code here
        _confirm_by_sms(page, "确认并提交审核")
        phone.shot("destination-confirm-code")
        with page.expect_navigation():
            page.locator("button", has_text="确认并提交审核").tap()
        assert "待学院审核" in page.locator("#destination-status").inner_text()
        phone.shot("destination-submitted")

        # The college returns it; the reason stands on top; the student changes to 签劳动合同 with its cascade.
        destination = Destination.objects.get(student=student)
        _elsewhere(
            svc.destination_return, destination.pk, remark="请上传加盖公章的录取通知书", acting_user=world.college_admin
        )
        page.reload()
        assert "请上传加盖公章的录取通知书" in page.locator("#destination-return").inner_text()
        phone.shot("destination-returned")
        page.locator("#edit-destination").tap()
        page.wait_for_url("**/student/destination/edit/")
        page.select_option("#id_kind", "11")
        page.wait_for_url(re.compile(r"code=11"))
        page.fill("#id_unit_name", "沈阳鼎新科技有限公司")
        page.select_option("#id_unit_nature", "39")
        page.select_option("select[name=unit_location_p]", "210000")
        page.wait_for_selector("select[name=unit_location_c] option[value='210100']", state="attached")
        page.select_option("select[name=unit_location_c]", "210100")
        page.wait_for_selector("#id_unit_location option[value='210102']", state="attached")
        page.select_option("#id_unit_location", "210102")
        page.fill("#id_position", "软件工程师")
        page.fill("#id_contract_start", "2027-07-01")
        phone.shot("destination-contract-form")
        page.click("#save-destination")
        page.wait_for_url("**/student/destination/")
        fields = page.locator("#destination-fields").inner_text()
        assert "辽宁省沈阳市和平区" in fields and "2027-07-01" in fields
        with page.expect_navigation():
            page.locator("#submit-destination").tap()
        _confirm_by_sms(page, "确认并提交审核")
        with page.expect_navigation():
            page.locator("button", has_text="确认并提交审核").tap()
        assert "待学院审核" in page.locator("#destination-status").inner_text()
        phone.shot("destination-resubmitted")

        # An effective agreement takes over the 去向.
        other = world.other_student
        assert other.user is not None
        _elsewhere(world.reach, "effective", student=other)
        page.locator("button:has-text('退出')").first.click()
        browser_login(page, live_server.url, other.student_no, PASSWORD, landing=r"/student/")
        phone.goto("/student/destination/")
        assert "签就业协议形式就业" in phone.text() and "由就业协议书" in phone.text()
        phone.shot("destination-by-agreement")

        # A paper agreement's registration form fits the phone too.
        page.locator("button:has-text('退出')").first.click()
        browser_login(page, live_server.url, world.outsider_student.student_no, PASSWORD, landing=r"/student/")
        phone.goto("/student/paper/")
        page.fill("#id_employer_name", "大连星海教育咨询有限公司")
        page.fill("#id_credit_code", "1210000046300354XU")
        page.select_option("#id_position_category", "24")
        page.fill("#id_position", "课程顾问")
        page.select_option("select[name=work_location_p]", "210000")
        page.wait_for_selector("select[name=work_location_c] option[value='210200']", state="attached")
        page.select_option("select[name=work_location_c]", "210200")
        page.wait_for_selector("#id_work_location option[value='210202']", state="attached")
        page.select_option("#id_work_location", "210202")
        for name in ("unit_location",):  # the paper's own fields (PAPER_EXTRA): the region cascade, then the rest
            page.select_option(f"select[name={name}_p]", "210000")
            page.wait_for_selector(f"select[name={name}_c] option[value='210200']", state="attached")
            page.select_option(f"select[name={name}_c]", "210200")
            page.wait_for_selector(f"#id_{name} option[value='210202']", state="attached")
            page.select_option(f"#id_{name}", "210202")
        for name, value in PAPER_EXTRA.items():
            if name == "unit_location":
                continue
            if page.locator(f"select#id_{name}").count():
                page.select_option(f"#id_{name}", value)
            else:
                page.fill(f"#id_{name}", value)
        page.set_input_files("#id_scan", files=[{"name": "协议书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        phone.shot("paper-form")
        # 本人确认 without leaving the page (static/js/confirm.js): the form keeps the chosen scan.
        page.locator("[data-confirm-send]").tap()
        page.wait_for_selector("#id_code", state="visible")
        page.fill("#id_code", _last_code())
        phone.shot("paper-confirm-code")
        page.locator("button", has_text="确认并提交学校审核").tap()
        page.wait_for_url(re.compile(r"/student/agreements/\d+/"))
        assert page.locator("#paper-mark").is_visible()
        phone.shot("paper-registered")

        # The college's reviewer on a phone: the queue, then one 去向 with its proof and 通过 / 退回.
        page.locator("button:has-text('退出')").first.click()
        browser_login(page, live_server.url, world.college_admin.username, PASSWORD, landing=r"/school/")
        phone.goto("/school/destinations/")
        assert student.name in page.locator("#destination-list").inner_text()
        phone.shot("reviewer-queue")
        page.locator("#destination-list a", has_text="查看详情").first.click()
        page.wait_for_url(re.compile(r"/school/destinations/\d+/"))
        assert page.locator("#approve-destination").is_visible()
        phone.shot("reviewer-detail")
    finally:
        context.close()
