"""The employer's 消息 in Chromium: the unread count in the header, the to-dos on the menu, opening a message,
全部标为已读 (screenshots in test-artifacts/screenshots/<test>/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.services import agreements as wf
from testsupport import Journey, World, confirm, invite, make_student

pytestmark = pytest.mark.browser


def test_employer_messages_and_header(world: World, journey: Journey) -> None:
    page = journey.page
    zhao = make_student(world.college, name="赵敏", major="思想政治教育")
    first, second = invite(world.employer, world.student, world.other_student)
    wf.agreement_accept(
        first, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", first)
    )
    wf.agreement_decline(second, acting_user=world.other_student.user, remark="已与其他单位签约")
    signed = world.reach("effective", student=zhao)
    wf.termination_request(
        signed,
        reason="考取研究生，申请解除协议",
        acting_user=zhao.user,
        confirmation=confirm(zhao.user, "termination", signed),
    )
    wf.agreement_return(first, remark="报到证抬头与单位名称不一致", acting_user=world.college_admin)

    journey.login("alice", landing=r"/employer/")
    header = page.locator(".wq-topbar-link", has_text="消息")
    expect(header.locator(".badge")).to_have_text("7")
    expect(page.locator(".wq-menu a", has_text="解约办理").locator(".badge")).to_have_text("1")
    # returned: 1; answers to 邀约 not yet read: 李明 accepted, 王芳 declined, 赵敏 accepted
    expect(page.locator(".wq-menu a", has_text="单位签约中心").locator(".badge")).to_have_text("4")

    header.click()
    page.wait_for_url(re.compile(r"/employer/messages/$"))
    expect(page.locator(".wq-message.unread")).to_have_count(7)
    expect(page.locator(".wq-message", has_text="赵敏提出解约申请")).to_be_visible()
    expect(page.locator(".wq-message", has_text="被学院退回")).to_contain_text("报到证抬头与单位名称不一致")
    journey.shot("messages-unread")

    page.locator(".wq-message", has_text="王芳拒绝了签约邀约").click()
    page.wait_for_url(re.compile(rf"/employer/agreements/{second.pk}/$"))
    expect(header.locator(".badge")).to_have_text("6")
    journey.shot("message-opened-agreement")

    header.click()
    page.click("button:has-text('全部标为已读')")
    expect(page.locator(".alert-success", has_text="已将6条消息标为已读")).to_be_visible()
    expect(header.locator(".badge")).to_have_count(0)
    expect(page.locator(".wq-message.unread")).to_have_count(0)
    # What waits on the employer still waits: the 解约 request and the returned agreement.
    expect(page.locator(".wq-menu a", has_text="解约办理").locator(".badge")).to_have_text("1")
    expect(page.locator(".wq-menu a", has_text="单位签约中心").locator(".badge")).to_have_text("1")
    journey.shot("messages-all-read")

    page.click(".wq-menu a:has-text('基本信息')")
    page.fill("#id_notify_email", "zhang@dingxin.example.com")
    page.click("button:has-text('保存提醒设置')")
    expect(page.locator(".alert-success", has_text="消息提醒设置已保存")).to_be_visible()
    expect(page.locator("#id_email_notifications")).to_be_checked()
    page.locator("#notifications").scroll_into_view_if_needed()
    journey.shot("account-notification-settings")
