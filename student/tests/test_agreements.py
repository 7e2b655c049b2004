"""我的协议: the active agreement with its progress, the history, and 解约 from the student's side."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Status, Termination
from core.services import agreements as wf
from student.tests.conftest import text_of
from testsupport import LoginAs, World, confirmation_fields, invite, make_employer

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends


def test_no_agreement_yet(world: World, student_client: Client) -> None:
    invite(world.employer, world.student)
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert "你目前没有签约中的协议" in page
    assert "你有 1 个待处理的邀约" in page
    assert "暂无已拒约、已撤回、已过期或已解约的协议" in page


@pytest.mark.parametrize(
    ("status", "current_step", "text"),
    [
        ("college_review", "③ 管理员审核", "等待<strong>学院审核</strong>"),
        ("school_review", "③ 管理员审核", "等待<strong>学校审核</strong>"),
        ("returned", "③ 管理员审核", '学院审核退回原因：</div>\n  <div class="text-break">材料不全</div>'),
        ("effective", None, "协议已生效，协议书编号"),
    ],
)
def test_active_agreement_shows_where_it_stands(
    world: World, student_client: Client, status: str, current_step: str | None, text: str
) -> None:
    agreement = world.reach(status)
    page = student_client.get(reverse("student:agreement")).content.decode()
    words = text_of(page)
    assert world.employer.employer.name in page
    assert text in page
    for label in ("① 单位发起签约", "② 学生处理", "③ 管理员审核", "就业信息", "甲方", "乙方", "流程追踪"):
        assert label in words, label
    if current_step:
        assert f"{current_step} 当前" in words
    else:
        assert " 当前 " not in words
    assert "学生同意邀约" in page  # 流程追踪
    assert world.student.id_number in page  # the student's own data, not masked
    if status == "effective":
        assert agreement.number and agreement.number in page


def test_terminate_button_only_when_the_workflow_allows(
    world: World, student_client: Client, login_as: LoginAs
) -> None:
    agreement = world.reach("returned")
    page = student_client.get(reverse("student:agreement_detail", args=[agreement.pk])).content.decode()
    assert reverse("student:termination_request", args=[agreement.pk]) not in page
    other = world.reach("effective", student=world.other_student)
    page = login_as(world.other_student.user).get(reverse("student:agreement")).content.decode()
    assert reverse("student:termination_request", args=[other.pk]) in page


def test_history_lists_past_agreements(world: World, student_client: Client) -> None:
    declined = world.reach("declined")
    withdrawn = world.reach("withdrawn", employer=world.other_employer)
    third = make_employer("沈阳过期科技有限公司")
    (expired,) = invite(third, world.student)
    wf.invitations_expire(now=expired.expires_at + datetime.timedelta(seconds=1))
    terminated = world.reach("terminated", employer=make_employer("沈阳解约有限公司"))
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert "你目前没有签约中的协议" in page
    for agreement, label in (
        (declined, "已拒约"),
        (withdrawn, "已撤回"),
        (expired, "已过期"),
        (terminated, "已解约"),
    ):
        assert reverse("student:agreement_detail", args=[agreement.pk]) in page
        assert label in page
    detail = student_client.get(reverse("student:agreement_detail", args=[terminated.pk])).content.decode()
    assert "协议已解约" in detail
    assert "解约审核通过" in detail


def test_my_agreement_query_count_is_constant(world: World, student_client: Client) -> None:
    world.reach("declined")
    later = [invite(make_employer(), world.student)[0] for _ in range(4)]  # before the student signs
    world.reach("effective", employer=world.other_employer)
    with CaptureQueriesContext(connection) as few:
        assert student_client.get(reverse("student:agreement")).status_code == 200
    for agreement in later:
        wf.agreement_decline(agreement, acting_user=world.student.user)
    with CaptureQueriesContext(connection) as many:
        page = student_client.get(reverse("student:agreement")).content.decode()
    assert page.count("已拒约") >= 5
    assert len(many) == len(few)


def test_invited_agreement_detail_leads_to_the_invitation(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    response = student_client.get(reverse("student:agreement_detail", args=[agreement.pk]))
    assert response["Location"] == reverse("student:invitation_detail", args=[agreement.pk])


# --- 申请解约 -------------------------------------------------------------------------------------------


def test_termination_form_warns_and_shows_the_school_limits(world: World, student_client: Client) -> None:
    world.school.max_terminations = 2
    world.school.termination_window_start = datetime.date(2026, 1, 1)
    world.school.termination_window_end = datetime.date(2099, 7, 31)
    world.school.save()
    agreement = world.reach("effective")
    page = student_client.get(reverse("student:termination_request", args=[agreement.pk])).content.decode()
    assert "解约须经单位同意并由学校审核" in page
    assert "每位毕业生最多 2 次，你已解约 0 次" in page
    assert "2026-01-01 至 2099-07-31" in page
    assert 'maxlength="200"' in page and 'data-count-for="id_reason"' in page


def test_termination_form_without_limits(world: World, student_client: Client) -> None:
    agreement = world.reach("effective")
    page = student_client.get(reverse("student:termination_request", args=[agreement.pk])).content.decode()
    assert "不限（你已解约 0 次）" in page


def test_request_termination(world: World, student_client: Client) -> None:
    agreement = world.reach("effective")
    url = reverse("student:termination_request", args=[agreement.pk])
    asked = student_client.post(url, {"reason": "考取选调生"})  # 本人确认 first (issue 20), the reason kept
    page = asked.content.decode()
    assert asked.status_code == 403 and "此操作须本人确认" in page and "本人确认" in page
    assert '<input type="hidden" name="reason" value="考取选调生">' in page and "发送短信验证码" in page
    sent = student_client.post(url, {"reason": "考取选调生", "send_code": "1"})
    assert sent.status_code == 200 and 'name="code"' in sent.content.decode()
    proof = confirmation_fields(world.student.user, "termination", agreement)
    response = student_client.post(url, {"reason": "考取选调生", "confirmed": "1", **proof})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED
    page = student_client.get(response["Location"]).content.decode()
    assert "解约申请已提交，等待单位处理" in page
    assert "你已提出解约申请，正在等待单位处理" in page
    assert reverse("student:termination_withdraw", args=[agreement.pk]) in page


def test_request_termination_during_review(world: World, student_client: Client) -> None:
    agreement = world.reach("college_review")
    proof = confirmation_fields(world.student.user, "termination", agreement)
    url = reverse("student:termination_request", args=[agreement.pk])
    response = student_client.post(url, {"reason": "另有安排", **proof})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "解约原因不能为空"), ("   ", "解约原因不能为空"), ("因" * 201, "解约原因不能超过200个字（当前201个）")],
)
def test_termination_reason_errors_next_to_the_field(
    world: World, student_client: Client, reason: str, message: str
) -> None:
    agreement = world.reach("effective")
    response = student_client.post(reverse("student:termination_request", args=[agreement.pk]), {"reason": reason})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="form-control is-invalid" id="id_reason"' in page
    assert f'<div class="field-error" role="alert">{message}</div>' in page
    if reason.strip():
        assert reason in page
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE


def test_termination_refused_by_the_schools_limit(world: World, student_client: Client) -> None:
    world.reach("terminated")
    world.school.max_terminations = 1
    world.school.save()
    agreement = world.reach("effective", employer=world.other_employer)
    page = student_client.get(reverse("student:termination_request", args=[agreement.pk])).content.decode()
    assert "每位毕业生最多 1 次，你已解约 1 次" in page
    response = student_client.post(reverse("student:termination_request", args=[agreement.pk]), {"reason": "个人原因"})
    assert response.status_code == 409
    assert "该生解约次数已达学校规定上限（1次）" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE


def test_termination_refused_outside_the_window(world: World, student_client: Client) -> None:
    world.school.termination_window_end = timezone.localdate() - datetime.timedelta(days=1)
    world.school.save()
    agreement = world.reach("effective")
    response = student_client.post(reverse("student:termination_request", args=[agreement.pk]), {"reason": "个人原因"})
    assert response.status_code == 409
    assert "解约办理已截止" in response.content.decode()


def test_termination_not_possible_in_this_status(world: World, student_client: Client) -> None:
    agreement = world.reach("returned")
    page = student_client.get(reverse("student:termination_request", args=[agreement.pk])).content.decode()
    assert "协议当前状态为“签约审核退回”，不能申请解约" in page
    response = student_client.post(reverse("student:termination_request", args=[agreement.pk]), {"reason": "个人原因"})
    assert response.status_code == 409
    assert "不能申请解约" in response.content.decode()


# --- 撤回解约申请 ---------------------------------------------------------------------------------------


def test_withdraw_own_termination_request(world: World, student_client: Client) -> None:
    agreement = world.reach("termination_requested")
    response = student_client.post(reverse("student:termination_withdraw", args=[agreement.pk]), follow=True)
    assert "解约申请已撤回" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE


def test_cannot_withdraw_the_employers_request(world: World, student_client: Client) -> None:
    agreement = world.reach("effective")
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert reverse("student:termination_withdraw", args=[agreement.pk]) not in page
    response = student_client.post(reverse("student:termination_withdraw", args=[agreement.pk]), follow=True)
    assert "只能撤回自己提出的解约申请" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED


def test_cannot_withdraw_after_the_employer_agreed(world: World, student_client: Client) -> None:
    agreement = world.reach("termination_review")
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert "双方已同意解约，正在等待<strong>学校审核</strong>" in page
    response = student_client.post(reverse("student:termination_withdraw", args=[agreement.pk]), follow=True)
    assert "不能撤回解约申请" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW


# --- 处理单位的解约申请 ---------------------------------------------------------------------------------


@pytest.fixture
def employer_request(world: World) -> Any:
    agreement = world.reach("effective")
    wf.termination_request(agreement, reason="岗位调整，无法继续录用", acting_user=world.employer)
    return agreement


def test_employers_request_is_shown_with_its_reason(employer_request: Any, student_client: Client) -> None:
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert "单位向你提出了解约申请" in page
    assert "岗位调整，无法继续录用" in page
    answer = student_client.get(reverse("student:termination_answer", args=[employer_request.pk])).content.decode()
    assert "同意解约" in answer and "拒绝解约" in answer
    assert "岗位调整，无法继续录用" in answer


def test_accept_employers_request(employer_request: Any, student_client: Client) -> None:
    url = reverse("student:termination_answer", args=[employer_request.pk])
    asked = student_client.post(url, {"decision": "accept", "remark": "同意", **CONFIRMED})
    assert asked.status_code == 403 and "此操作须本人确认" in asked.content.decode()
    assert '<input type="hidden" name="decision" value="accept">' in asked.content.decode()
    proof = confirmation_fields(employer_request.student.user, "termination/accept", employer_request)
    response = student_client.post(url, {"decision": "accept", "remark": "同意", **CONFIRMED, **proof})
    assert response.status_code == 302
    employer_request.refresh_from_db()
    assert employer_request.status == Status.TERMINATION_REVIEW
    assert employer_request.terminations.get().state == Termination.State.REVIEW


def test_decline_employers_request_needs_a_remark(employer_request: Any, student_client: Client) -> None:
    url = reverse("student:termination_answer", args=[employer_request.pk])
    response = student_client.post(url, {"decision": "decline", "remark": "", **CONFIRMED})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="field-error" role="alert">拒绝理由不能为空</div>' in page
    employer_request.refresh_from_db()
    assert employer_request.status == Status.TERMINATION_REQUESTED
    proof = confirmation_fields(employer_request.student.user, "termination/decline", employer_request)
    response = student_client.post(url, {"decision": "decline", "remark": "未协商违约金", **CONFIRMED, **proof})
    assert response.status_code == 302
    employer_request.refresh_from_db()
    assert employer_request.status == Status.EFFECTIVE
    assert employer_request.terminations.get().response_remark == "未协商违约金"


def test_answer_remark_too_long(employer_request: Any, student_client: Client) -> None:
    url = reverse("student:termination_answer", args=[employer_request.pk])
    response = student_client.post(url, {"decision": "accept", "remark": "好" * 201, **CONFIRMED})
    assert response.status_code == 400
    assert '<div class="field-error" role="alert">备注不能超过200个字</div>' in response.content.decode()


def test_answer_needs_a_decision(employer_request: Any, student_client: Client) -> None:
    url = reverse("student:termination_answer", args=[employer_request.pk])
    response = student_client.post(url, {"remark": "嗯"})
    assert response.status_code == 400
    assert "请选择同意或拒绝" in response.content.decode()


def test_cannot_answer_own_request(world: World, student_client: Client) -> None:
    agreement = world.reach("termination_requested")
    url = reverse("student:termination_answer", args=[agreement.pk])
    assert "没有待你处理的解约申请" in student_client.get(url).content.decode()
    response = student_client.post(url, {"decision": "accept", **CONFIRMED})
    assert response.status_code == 409
    assert "解约申请须由对方处理" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED


def test_download_link_only_once_numbered(world: World, student_client: Client) -> None:
    agreement = world.reach("school_review")
    pdf_url = reverse("documents:pdf", args=[agreement.pk])
    assert pdf_url not in student_client.get(reverse("student:agreement")).content.decode()
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert pdf_url in page and "下载协议书" in page


def test_accepting_employers_request_without_school_review_terminates(
    world: World, employer_request: Any, student_client: Client
) -> None:
    world.school.termination_review_enabled = False
    world.school.save()
    url = reverse("student:termination_answer", args=[employer_request.pk])
    assert "同意后解约立即生效" in student_client.get(url).content.decode()
    proof = confirmation_fields(employer_request.student.user, "termination/accept", employer_request)
    assert student_client.post(url, {"decision": "accept", **CONFIRMED, **proof}).status_code == 302
    employer_request.refresh_from_db()
    assert employer_request.status == Status.TERMINATED
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert "你目前没有签约中的协议" in page and "已解约" in page
