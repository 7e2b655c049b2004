"""消息 in 单位中心: the list with its unread count in the header, opening one (yours only) reads it, 全部标为已读;
the counts on 解约办理 and 单位签约中心; 消息提醒 per HR account on 基本信息."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification, User
from core.selectors import employer_todo_counts
from core.services import agreements as wf
from testsupport import LoginAs, World, confirm, invite, make_user

pytestmark = pytest.mark.django_db


def header_unread(page: str) -> int:
    """The unread count beside 消息 in the header (0 when no badge)."""
    match = re.search(r'class="wq-topbar-link"[^>]*>消息(?: <span[^>]*>(\d+)</span>)?</a>', page)
    assert match, "the header links to 消息"
    return int(match.group(1) or 0)


def menu_badge(page: str, label: str) -> int:
    match = re.search(rf">{label}(?:<span[^>]*>(\d+)</span>)?</a>", page)
    assert match, label
    return int(match.group(1) or 0)


def test_messages_list_what_happened_with_unread_count_in_the_header(world: World, login_as: LoginAs) -> None:
    first, second = invite(world.employer, world.student, world.other_student)
    wf.agreement_accept(
        first, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", first)
    )
    wf.agreement_decline(second, acting_user=world.other_student.user, remark="已有其他打算")
    client = login_as(world.employer)
    page = client.get(reverse("employer:messages")).content.decode()
    assert header_unread(page) == 2
    assert f"{world.student.name}同意了签约邀约" in page
    assert f"{world.other_student.name}拒绝了签约邀约" in page and "备注：已有其他打算" in page
    assert page.count(">未读</span>") == 2
    # Listing does not read them: the header on the next page still counts them.
    assert header_unread(client.get(reverse("employer:account")).content.decode()) == 2


def test_message_times_are_the_schools(world: World, login_as: LoginAs) -> None:
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_decline(agreement, acting_user=world.student.user)
    notification = Notification.objects.get(recipient=world.employer)
    created = notification.event.created_at
    world.school.time_zone = "Asia/Urumqi"
    world.school.save(update_fields=["time_zone"])
    page = login_as(world.employer).get(reverse("employer:messages")).content.decode()
    from zoneinfo import ZoneInfo

    assert created.astimezone(ZoneInfo("Asia/Urumqi")).strftime("%Y-%m-%d %H:%M") in page


def test_opening_a_message_reads_it_and_shows_the_agreement(world: World, login_as: LoginAs) -> None:
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_decline(agreement, acting_user=world.student.user)
    notification = Notification.objects.get(recipient=world.employer)
    client = login_as(world.employer)
    response = client.get(reverse("employer:message_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("employer:agreement_detail", args=[agreement.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert header_unread(client.get(reverse("employer:messages")).content.decode()) == 0


def test_another_accounts_message_is_not_found(world: World, login_as: LoginAs) -> None:
    colleague = make_user("alice2", "employer", employer=world.employer.employer)
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_decline(agreement, acting_user=world.student.user)
    theirs = Notification.objects.get(recipient=colleague)
    assert login_as(world.other_employer).get(reverse("employer:message_open", args=[theirs.pk])).status_code == 404
    # Not even a colleague's: each account reads its own.
    assert login_as(world.employer).get(reverse("employer:message_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(world: World, login_as: LoginAs) -> None:
    first, second = invite(world.employer, world.student, world.other_student)
    wf.agreement_decline(first, acting_user=world.student.user)
    wf.agreement_decline(second, acting_user=world.other_student.user)
    client = login_as(world.employer)
    assert client.get(reverse("employer:messages_read_all")).status_code == 405
    page = client.post(reverse("employer:messages_read_all"), follow=True).content.decode()
    assert "已将2条消息标为已读" in page and header_unread(page) == 0
    assert not Notification.objects.filter(recipient=world.employer, read_at__isnull=True).exists()


def test_other_roles_cannot_open_the_employer_messages(world: World, login_as: LoginAs) -> None:
    assert login_as(world.student).get(reverse("employer:messages")).status_code == 403
    anonymous = Client().get(reverse("employer:messages"))
    assert anonymous.status_code == 302


def test_menu_counts_what_waits_on_the_employer(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:messages")).content.decode()
    assert menu_badge(page, "解约办理") == 0 and menu_badge(page, "单位签约中心") == 0
    effective = world.reach("effective")
    wf.termination_request(
        effective,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", effective),
    )
    returned = world.reach("returned", student=world.other_student)
    page = client.get(reverse("employer:messages")).content.decode()
    assert menu_badge(page, "解约办理") == 1  # the student's 解约 request
    # the returned agreement, and the two 应约 answers (by both students) not yet read
    assert menu_badge(page, "单位签约中心") == 3
    # Looking at an agreement reads its 消息; the returned one still waits until it is modified or withdrawn.
    client.get(reverse("employer:agreement_detail", args=[returned.pk]))
    client.get(reverse("employer:agreement_detail", args=[effective.pk]))
    page = client.get(reverse("employer:messages")).content.decode()
    assert menu_badge(page, "单位签约中心") == 1
    wf.termination_accept(effective, acting_user=world.employer)
    wf.agreement_withdraw(returned, acting_user=world.employer)
    page = client.get(reverse("employer:messages")).content.decode()
    assert menu_badge(page, "解约办理") == 0 and menu_badge(page, "单位签约中心") == 0


def test_the_answer_count_reads_the_messages_flag_without_joining_the_events(world: World) -> None:
    """The to-do counts on every employer page are one query (core.selectors.paging.count_each): the agreements'
    (returned, and 解约 asked by the student), and an index count of the flag copied from the event (issue 22), set on
    the 消息 of answers only."""
    world.reach("effective")  # the student's 同意 (an answer), then the reviews (told to the employer too)
    world.reach("declined", student=world.other_student)
    mine = Notification.objects.filter(recipient=world.employer)
    flags = {(n.event.action, n.answer) for n in mine}
    assert {("accept", True), ("decline", True)} <= flags and any(not answer for _, answer in flags)
    assert all(n.answer == (n.event.action in Notification.ANSWER_ACTIONS) for n in mine)
    with CaptureQueriesContext(connection) as queries:
        counts = employer_todo_counts(world.employer)
    assert counts == {"terminations": 0, "agreements": 2}
    assert not [q for q in queries.captured_queries if "core_agreementevent" in q["sql"]]
    assert len(queries) == 1


def test_an_employers_request_to_terminate_is_not_its_own_todo(world: World, login_as: LoginAs) -> None:
    effective = world.reach("effective")
    wf.termination_request(effective, reason="岗位调整", acting_user=world.employer)
    page = login_as(world.employer).get(reverse("employer:messages")).content.decode()
    assert menu_badge(page, "解约办理") == 0


def test_account_sets_its_own_notification_address_and_preference(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:account")).content.decode()
    assert "消息提醒" in page and "接收邮件通知" in page and world.employer.employer.email in page
    response = client.post(
        reverse("employer:notification_settings"), {"email": "zhang@dingxin.example.com"}, follow=True
    )
    assert "消息提醒设置已保存" in response.content.decode()
    user = User.objects.get(pk=world.employer.pk)
    assert user.email == "zhang@dingxin.example.com" and user.email_notifications is False  # unticked
    page = client.post(
        reverse("employer:notification_settings"), {"email": "not-an-address", "email_notifications": "on"}
    ).content.decode()
    assert "接收邮箱格式不正确" in page and 'value="not-an-address"' in page
    user.refresh_from_db()
    assert user.email == "zhang@dingxin.example.com"
    client.post(reverse("employer:notification_settings"), {"email": "", "email_notifications": "on"})
    user.refresh_from_db()
    assert user.email == "" and user.email_notifications is True


@pytest.mark.parametrize(
    ("college", "school", "told"),
    [
        (True, True, "同意了签约邀约，协议已提交学院审核"),
        (False, True, "同意了签约邀约，协议已提交学校审核"),
        (True, False, "同意了签约邀约，协议已提交学院审核"),
        (False, False, "同意了签约邀约，协议已生效"),
    ],
)
def test_a_students_acceptance_tells_where_the_agreement_went_under_the_schools_review_settings(
    world: World, login_as: LoginAs, college: bool, school: bool, told: str
) -> None:
    world.school.college_review_enabled, world.school.school_review_enabled = college, school
    world.school.save(update_fields=["college_review_enabled", "school_review_enabled"])
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    page = login_as(world.employer).get(reverse("employer:messages")).content.decode()
    assert f"{world.student.name}{told}" in page


@pytest.mark.parametrize(("review", "told"), [(True, "等待学校审核"), (False, "解约已生效")])
def test_an_agreed_termination_tells_both_sides_whether_it_waits_for_the_school(
    world: World, login_as: LoginAs, review: bool, told: str
) -> None:
    world.school.termination_review_enabled = review
    world.school.save(update_fields=["termination_review_enabled"])
    by_student = world.reach("effective")
    wf.termination_request(
        by_student,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", by_student),
    )
    wf.termination_accept(by_student, acting_user=world.employer)
    by_employer = world.reach("effective", student=world.other_student)
    wf.termination_request(by_employer, reason="岗位调整", acting_user=world.employer)
    wf.termination_accept(
        by_employer,
        acting_user=world.other_student.user,
        confirmation=confirm(world.other_student.user, "termination/accept", by_employer),
    )
    employer_page = login_as(world.employer).get(reverse("employer:messages")).content.decode()
    assert f"{world.other_student.name}同意了贵单位的解约申请，{told}" in employer_page
    student_page = login_as(world.student.user).get(reverse("student:messages")).content.decode()
    assert f"{world.employer.employer.name}同意了你的解约申请，{told}" in student_page
