"""The employer's whole journey in Chromium, one screenshot per step (test-artifacts/screenshots/<test>/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.models import Agreement, Employer, Status
from core.services import agreements as wf
from testsupport import Journey, World, confirm, current_terms, make_employer, make_student

pytestmark = pytest.mark.browser


def choose_region(journey: Journey, name: str, province: str, city: str, county: str) -> None:
    page = journey.page
    page.select_option(f"select[name={name}_p]", label=province)
    # Locator waits, not wait_for_function: the Content-Security-Policy forbids the eval that one needs.
    page.locator(f"select[name={name}_c] option").nth(1).wait_for(state="attached")
    page.select_option(f"select[name={name}_c]", label=city)
    page.locator(f"select[name={name}] option").nth(1).wait_for(state="attached")
    page.select_option(f"select[name={name}]", label=county)


def test_employer_journey(world: World, journey: Journey) -> None:
    page = journey.page
    carol = make_employer("沈阳智造科技有限公司", profile=False, username="carol")
    li, wang = world.student, world.other_student
    signed = make_student(world.college, name="赵敏", major="思想政治教育")

    # 登录 → the first use opens 签约信息确认
    journey.login("carol", landing=r"/employer/confirm/")
    expect(page.locator("h1", has_text="签约信息确认")).to_be_visible()
    journey.shot("first-use-confirm")

    page.click("button:has-text('确认')")
    expect(page.locator(".field-error", has_text="请填写单位性质")).to_be_visible()
    journey.shot("first-use-errors-in-chinese")

    page.select_option("select[name=nature]", label="国有企业")
    choose_region(journey, "location", "辽宁省", "沈阳市", "和平区")
    page.select_option("select[name=archive_receiving]", label="签约单位接收")
    page.fill("input[name=archive_unit_name]", "沈阳智造科技有限公司人力资源部")
    page.fill("input[name=archive_address]", "辽宁省沈阳市和平区南京北街1号")
    page.fill("input[name=archive_postcode]", "110001")
    page.fill("input[name=archive_contact]", "刘芳")
    page.fill("input[name=archive_phone]", "024-83687000")
    page.locator(".ts-control").first.click()
    page.keyboard.type("辽宁")
    page.click(".ts-dropdown .option:has-text('辽宁省')")
    # tom-select writes the choice into the hidden select; the form posts only what is there.
    expect(page.locator("select[name=affiliation]")).to_have_value("210000")
    # Chosen, the list closes and hands the focus on to 户口接收类型; it used to reopen and take the focus back, and
    # the 户口接收地址 typed next went into its search box.
    expect(page.locator(".ts-dropdown")).to_be_hidden()
    expect(page.locator("select[name=hukou_receiving]")).to_be_focused()
    page.select_option("select[name=hukou_receiving]", label="迁至签约单位")
    page.fill("input[name=hukou_address]", "辽宁省沈阳市和平区南京北街1号")
    expect(page.locator("input[name=hukou_address]")).to_have_value("辽宁省沈阳市和平区南京北街1号")
    expect(page.locator("select[name=location]")).not_to_have_value("")
    journey.shot("first-use-filled")
    page.click("button:has-text('确认')")
    page.wait_for_url(re.compile(r"/employer/agreements/"))
    expect(page.locator(".alert-success", has_text="签约信息已确认")).to_be_visible()
    journey.shot("signing-center-after-confirm")
    assert Employer.objects.get(pk=carol.employer.pk).affiliation == "210000"

    # 签约邀请: search, 加入 (by 身份证号, then by 手机号)
    page.click(".wq-menu a:has-text('签约邀请')")
    expect(page.locator("text=流程简介：签约搜索——加入列表——签约发送")).to_be_visible()
    page.fill("#id_name", li.name)
    page.fill("#id_keyword", li.id_number)
    page.click("button:has-text('搜索')")
    expect(page.locator("#wq-results td", has_text=li.id_number[:6] + "*****")).to_be_visible()
    assert page.locator("#wq-results td", has_text=li.id_number).count() == 0  # masked
    journey.shot("search-result")
    page.click("#wq-results button:has-text('加入')")
    expect(page.locator(".alert-success", has_text=f"已将{li.name}加入签约发送列表")).to_be_visible()
    page.fill("#id_name", wang.name)
    page.fill("#id_keyword", wang.phone)
    page.click("button:has-text('搜索')")
    page.click("#wq-results button:has-text('加入')")
    journey.shot("send-list-with-two-students")
    page.click("button:has-text('收起 ^')")
    page.wait_for_selector("#wq-intro", state="hidden")
    expect(page.locator("button:has-text('展开')")).to_be_visible()
    journey.shot("intro-collapsed")

    # batch 邀约: tick both → 邀请函 with a per-student override → 确认发送
    page.check("[data-check-all='#wq-sendlist']")
    page.click("button:has-text('批量邀约')")
    page.wait_for_url(re.compile(r"/employer/invite/letter/"))
    expect(page.locator("h1", has_text="邀请函")).to_be_visible()
    assert page.locator("input[name=unit_name]").input_value() == "沈阳智造科技有限公司"
    page.click("button:has-text('发送') >> nth=0")
    expect(page.locator(".field-error", has_text="请填写拟聘用职位")).to_be_visible()
    journey.shot("letter-errors")
    page.select_option("select[name=position_category]", label="工程技术人员")
    page.fill("input[name=position]", "软件开发工程师")
    page.fill("input[name=monthly_salary]", "9000")
    page.fill("input[name=probation_months]", "3")
    page.check(f"#o{wang.pk}-on")
    page.wait_for_selector(f"#o{wang.pk}-box.show:not(.collapsing)")
    page.fill(f"input[name=o{wang.pk}-position]", "数据分析师")
    page.fill(f"input[name=o{wang.pk}-monthly_salary]", "9500")
    journey.shot("letter-with-override")
    page.click("button:has-text('发送') >> nth=0")
    expect(page.locator("h1", has_text="确认发送")).to_be_visible()
    expect(
        page.locator("section", has_text=f"发送给：{wang.name}").locator("td", has_text="数据分析师")
    ).to_be_visible()
    journey.shot("confirm-send")
    page.click("button:has-text('确认发送')")
    page.wait_for_url(re.compile(r"tab=pending"))
    expect(page.locator(".alert-success", has_text="已向2名学生")).to_be_visible()
    journey.shot("sent-pending-tab")
    invites = Agreement.objects.filter(employer=carol.employer, status=Status.INVITED)
    assert sorted(current_terms(a).position for a in invites) == ["数据分析师", "软件开发工程师"]

    # the list and its filters
    page.click("a.nav-link:has-text('全部')")
    page.fill("input[name=name]", wang.name)
    page.click("button:has-text('查询')")
    expect(page.locator("#wq-list tbody tr")).to_have_count(1)
    journey.shot("list-filtered-by-name")
    page.click("button:has-text('查看详情')")
    expect(page.locator("#wq-feedback", has_text="请先勾选一条记录")).to_be_visible()
    page.check("#wq-list tbody input[name=ids]")
    page.click("button:has-text('查看详情')")
    page.wait_for_url(re.compile(r"/employer/agreements/\d+/$"))
    expect(page.locator(".wq-step-current", has_text="学生处理")).to_be_visible()
    expect(page.locator("td", has_text="数据分析师").first).to_be_visible()
    journey.shot("detail")

    # 申请解约 on a signed and approved agreement
    assert carol.employer is not None
    carol.employer.refresh_from_db()  # the profile was confirmed in the browser
    agreement = world.reach("effective", student=signed, employer=carol)
    page.click(".wq-menu a:has-text('解约办理')")
    page.click("a.nav-link:has-text('已签约成功学生列表')")
    expect(page.locator("text=解约申请一旦发出将无法撤回，请谨慎办理。").first).to_be_visible()
    journey.shot("signed-list")
    page.check("#wq-list tbody input[name=ids]")
    page.click("button:has-text('申请解约')")
    page.wait_for_selector("#wq-dialog.show")
    expect(page.locator("#wq-dialog .modal-title", has_text="单位解除协议申请")).to_be_visible()
    page.click("#wq-dialog button:has-text('确定')")
    page.wait_for_selector("#wq-dialog .field-error")
    journey.shot("termination-dialog-error")
    page.fill("#id_reason", "岗位调整，经双方协商一致解除协议")
    assert page.locator("#reason-count").inner_text() == "已输入16/200字"
    journey.shot("termination-dialog-filled")
    page.click("#wq-dialog button:has-text('确定')")
    page.locator(".alert-success", has_text=f"已向{signed.name}发出解约申请").wait_for()
    journey.shot("termination-requested")
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED


def test_employer_answers_a_student_termination(world: World, journey: Journey) -> None:
    page = journey.page
    agreement = world.reach("effective")
    wf.termination_request(
        agreement,
        reason="考取公务员，需解除协议",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    journey.login("alice", landing=r"/employer/agreements/")
    page.goto(journey.base + "/employer/terminations/")
    expect(page.locator("#wq-list td", has_text=world.student.name)).to_be_visible()
    journey.shot("student-termination-list")
    page.check("#wq-list tbody input[name=ids]")
    page.click("button:has-text('处理解约申请')")
    page.wait_for_selector("#wq-dialog.show")
    expect(page.locator("#wq-dialog", has_text="考取公务员，需解除协议")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())  # 拒绝 cannot be undone: the browser asks once
    page.click("#wq-dialog button:has-text('拒绝')")
    page.wait_for_selector("#wq-dialog .field-error")
    journey.shot("student-termination-notice-refuse-needs-remark")
    page.fill("#id_remark", "同意，已线下沟通")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#wq-dialog button:has-text('同意')")
    page.locator(".alert-success", has_text="已同意").wait_for()
    journey.shot("student-termination-agreed")
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW
