"""我的邀约: the list, the 邀请函 with its full terms, 同意 with its confirmation, 拒绝 with a reason, and
modifications shown against the accepted version."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Status
from core.services import agreements as wf
from testsupport import LoginAs, World, confirmation_fields, invite, make_employer, make_student

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends


def test_home_shows_invitations_until_signed(world: World, student_client: Client) -> None:
    assert student_client.get(reverse("student:home"))["Location"] == reverse("student:invitations")
    world.reach("college_review")
    assert student_client.get(reverse("student:home"))["Location"] == reverse("student:agreement")


def test_list_shows_employer_credit_code_position_and_terms(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student, monthly_salary=8500, work_location="210102")
    page = student_client.get(reverse("student:invitations")).content.decode()
    employer = world.employer.employer
    assert employer.name in page
    assert employer.credit_code in page
    assert "软件开发工程师" in page
    assert "8,500 元" in page
    assert "辽宁省沈阳市和平区" in page  # region code turned into its label
    assert "全部条款" in page and "档案转寄单位名称" in page
    assert reverse("student:invitation_detail", args=[agreement.pk]) in page


def test_list_hides_other_students_and_answered_invitations(world: World, student_client: Client) -> None:
    invite(world.employer, world.other_student)
    world.reach("declined", employer=world.other_employer)
    page = student_client.get(reverse("student:invitations")).content.decode()
    assert "暂无待处理的邀约" in page


def test_list_query_count_is_constant(world: World, student_client: Client) -> None:
    invite(world.employer, world.student)
    with CaptureQueriesContext(connection) as one:
        assert student_client.get(reverse("student:invitations")).status_code == 200
    for _ in range(4):
        invite(make_employer(), world.student)
    with CaptureQueriesContext(connection) as five:
        page = student_client.get(reverse("student:invitations")).content.decode()
    assert page.count("查看邀请函并处理") == 5
    assert len(five) == len(one)


def test_detail_shows_full_terms_with_labels(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student, liquidated_damages=5000, other_terms="提供住宿")
    page = student_client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
    for text in (
        world.employer.employer.credit_code,
        "工程技术人员",  # position_category 13
        "签约单位接收",  # archive_receiving 1
        "迁至签约单位",  # hukou_receiving 1
        "辽宁省",  # affiliation 210000
        "3 个月",
        "5,000 元",
        "提供住宿",
        "档案转寄联系电话",
        "024-83687000",
    ):
        assert text in page, text
    assert reverse("student:invitation_accept", args=[agreement.pk]) in page
    assert reverse("student:invitation_decline", args=[agreement.pk]) in page


def test_detail_hides_dispatch_fields_when_the_school_does(world: World, student_client: Client) -> None:
    world.school.show_dispatch_fields = False
    world.school.save()
    (agreement,) = invite(world.employer, world.student)
    page = student_client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
    assert "报到证抬头" not in page
    assert "单位隶属" in page


def test_accept_asks_for_confirmation_first(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    page = student_client.get(reverse("student:invitation_accept", args=[agreement.pk])).content.decode()
    assert "确认同意" in page
    assert "不能再同意其他单位的邀约" in page
    assert world.employer.employer.name in page
    agreement.refresh_from_db()
    assert agreement.status == Status.INVITED


def test_accept(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    url = reverse("student:invitation_accept", args=[agreement.pk])
    refused = student_client.post(url, CONFIRMED)  # the session alone never suffices
    assert refused.status_code == 403 and "此操作须本人确认" in refused.content.decode()
    response = student_client.post(url, {**CONFIRMED, **confirmation_fields(world.student.user, "accept", agreement)})
    assert response.status_code == 302
    assert response["Location"] == reverse("student:agreement_detail", args=[agreement.pk])
    agreement.refresh_from_db()
    assert agreement.status == Status.COLLEGE_REVIEW
    page = student_client.get(response["Location"]).content.decode()
    assert "协议已提交审核" in page  # the success message
    assert "等待<strong>学院审核</strong>" in page


def test_second_acceptance_while_one_is_active_shows_the_reason(world: World, student_client: Client) -> None:
    (second,) = invite(world.other_employer, world.student)  # open before the student signs elsewhere
    world.reach("college_review")
    page = student_client.get(reverse("student:invitation_detail", args=[second.pk])).content.decode()
    assert "在办理解约之前，不能同意其他单位的邀约" in page  # warned before trying
    response = student_client.post(reverse("student:invitation_accept", args=[second.pk]), CONFIRMED)
    assert response.status_code == 409
    text = response.content.decode()
    assert "未能同意" in text
    assert f"你已与{world.employer.employer.name}签约" in text
    assert "须先办理解约才能接受新的邀约" in text
    second.refresh_from_db()
    assert second.status == Status.INVITED


def test_accepting_an_expired_invitation_shows_the_reason(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    with time_machine.travel(agreement.expires_at + datetime.timedelta(minutes=1)):
        page = student_client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
        assert "该邀约已过有效期" in page
        response = student_client.post(reverse("student:invitation_accept", args=[agreement.pk]), CONFIRMED)
    assert response.status_code == 409
    assert "邀约已过有效期，不能同意" in response.content.decode()


def test_answered_invitation_pages_lead_to_the_agreement(world: World, student_client: Client) -> None:
    agreement = world.reach("college_review")
    for name in ("student:invitation_detail", "student:invitation_accept", "student:invitation_decline"):
        response = student_client.get(reverse(name, args=[agreement.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("student:agreement_detail", args=[agreement.pk])


def test_accepting_twice_shows_the_state_conflict(world: World, student_client: Client) -> None:
    agreement = world.reach("college_review")
    response = student_client.post(reverse("student:invitation_accept", args=[agreement.pk]), CONFIRMED)
    assert response.status_code == 409
    assert "协议书当前状态为“待学院审核”，不能同意邀约" in response.content.decode()


def test_decline_with_a_reason(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    page = student_client.get(reverse("student:invitation_decline", args=[agreement.pk])).content.decode()
    assert "拒绝原因（选填）" in page and 'maxlength="200"' in page
    response = student_client.post(
        reverse("student:invitation_decline", args=[agreement.pk]), {"remark": "已考研", **CONFIRMED}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("student:invitations")
    agreement.refresh_from_db()
    assert agreement.status == Status.DECLINED
    last = agreement.events.last()
    assert last is not None and last.remark == "已考研"


def test_decline_without_a_reason(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    response = student_client.post(reverse("student:invitation_decline", args=[agreement.pk]), CONFIRMED)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.DECLINED


def test_decline_reason_too_long_is_shown_next_to_the_field(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    reason = "原" * 201
    response = student_client.post(
        reverse("student:invitation_decline", args=[agreement.pk]), {"remark": reason, **CONFIRMED}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="form-control is-invalid" id="id_remark"' in page
    assert '<div class="field-error" role="alert">拒绝原因不能超过200个字</div>' in page
    assert reason in page  # what was typed is kept
    agreement.refresh_from_db()
    assert agreement.status == Status.INVITED


def test_modification_shows_what_changed_against_the_accepted_version(world: World, student_client: Client) -> None:
    agreement = world.reach("college_review")
    wf.agreement_modify(
        agreement, terms={"monthly_salary": 9500, "position": "高级软件工程师"}, acting_user=world.employer
    )
    listing = student_client.get(reverse("student:invitations")).content.decode()
    assert "协议修改待确认" in listing
    page = student_client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
    assert "单位修改了协议，与你已同意的版本相比有以下变化" in page
    assert "<del>8,000 元</del> → <ins>9,500 元</ins>" in page
    assert "<del>软件开发工程师</del> → <ins>高级软件工程师</ins>" in page
    assert page.count('<li><div class="fw-semibold">') == 2  # only what changed
    decline = student_client.get(reverse("student:invitation_decline", args=[agreement.pk])).content.decode()
    assert "这份协议将终止（已拒约）" in decline
    proof = confirmation_fields(world.student.user, "accept", agreement)
    url = reverse("student:invitation_accept", args=[agreement.pk])
    assert student_client.post(url, {**CONFIRMED, **proof}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.COLLEGE_REVIEW
    assert agreement.accepted_terms_id == agreement.current_terms_id


def test_modified_invitation_compares_with_the_previous_version(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_modify(agreement, terms={"probation_months": 0}, acting_user=world.employer)
    page = student_client.get(reverse("student:invitation_detail", args=[agreement.pk])).content.decode()
    assert "与上一版本相比" in page
    assert "<del>3 个月</del> → <ins>无试用期</ins>" in page


def test_other_school_student_sees_only_their_own(world: World, login_as: LoginAs) -> None:

    invite(world.employer, world.student)
    other = make_student(world.college, name="赵六")
    page = login_as(other.user).get(reverse("student:invitations")).content.decode()
    assert world.employer.employer.name not in page


def test_accept_page_confirms_by_sms_code(world: World, student_client: Client) -> None:
    """本人确认 on the page without a passkey: 发送短信验证码, then the code with 确认并同意 (issue 20)."""
    from core import sms

    (agreement,) = invite(world.employer, world.student)
    url = reverse("student:invitation_accept", args=[agreement.pk])
    page = student_client.get(url).content.decode()
    assert "本人确认" in page and "发送短信验证码" in page and "data-passkey" not in page
    sent = student_client.post(url, {"send_code": "1", "version": "1"})
    html = sent.content.decode()
    assert sent.status_code == 200 and 'name="code"' in html and "已发送到 " in html
    confirmation_id = re.search(r'name="confirmation_id" value="(\d+)"', html)
    code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert confirmation_id is not None and code is not None
    wrong = student_client.post(url, {**CONFIRMED, "confirmation_id": confirmation_id.group(1), "code": "000001"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    done = student_client.post(url, {**CONFIRMED, "confirmation_id": confirmation_id.group(1), "code": code.group(1)})
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.COLLEGE_REVIEW


def test_accept_page_offers_the_passkey(world: World, student_client: Client) -> None:
    from django.test import override_settings

    from core.services.passkeys import passkey_register, passkey_registration_options
    from testsupport.webauthn import SoftAuthenticator

    site = "https://wangqian.example.edu.cn"
    (agreement,) = invite(world.employer, world.student)
    user = world.student.user
    assert user is not None
    with override_settings(SITE_URL=site):
        passkey_register(user, SoftAuthenticator(site).create(passkey_registration_options(user)))
        page = student_client.get(reverse("student:invitation_accept", args=[agreement.pk])).content.decode()
        assert 'data-passkey="login"' in page and "使用通行密钥确认并同意" in page
        options_url = reverse("student:confirmation_passkey_options")
        answer = student_client.post(f"{options_url}?action=accept&object={agreement.pk}&version=1")
        assert answer.status_code == 200 and answer.json()["userVerification"] == "required"
        assert answer["X-Confirmation-Id"].isdigit()
        stale = student_client.post(f"{options_url}?action=accept&object={agreement.pk}&version=9")
        assert stale.status_code == 409 and "签约信息已更新" in stale.json()["detail"]
        assert student_client.post(f"{options_url}?action=accept&object=999999").status_code == 404
        for junk in ("action=x&object=1&version=99999999999", "action=accept&object=%C2%B2&version=%C2%B2"):
            answer = student_client.post(f"{options_url}?{junk}")
            assert answer.status_code in (400, 404) and answer.json()["detail"], junk
