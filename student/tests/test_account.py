"""消息, 个人信息, and the first login of a roster-imported student (activation with the school's code)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification, Student
from core.services import agreements as wf
from core.services.activation import activation_codes_issue
from core.services.roster import ROSTER_HEADERS, roster_import
from student.tests.conftest import text_of
from testsupport import LoginAs, World, confirm, invite, make_employer, xlsx_bytes

pytestmark = pytest.mark.django_db


# --- 消息 -------------------------------------------------------------------------------------------------


def test_every_event_concerning_the_student_is_a_message(world: World, student_client: Client) -> None:
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_modify(agreement, terms={"monthly_salary": 9000}, acting_user=world.employer)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    wf.agreement_approve(agreement, acting_user=world.college_admin)
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    wf.termination_accept(
        agreement,
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination/accept", agreement),
    )
    wf.termination_approve(agreement, acting_user=world.school_admin)
    page = student_client.get(reverse("student:messages")).content.decode()
    name = world.employer.employer.name
    for text in (
        f"{name}向你发出了签约邀约",
        f"{name}修改了邀约内容",
        f"你与{name}的协议已通过学院审核",
        f"你与{name}的协议已通过学校审核，协议已生效",
        f"{name}向你提出解约申请",
        "解约原因：岗位调整",
        f"学校已审核通过解约，你与{name}的协议已解除",
    ):
        assert text in page, text
    assert "你同意了" not in page  # the student's own actions are not news to them
    assert reverse("student:agreement_detail", args=[agreement.pk]) in page


def test_unread_count_in_the_menu_and_marked_read_when_opened(world: World, student_client: Client) -> None:
    agreement = world.reach("school_review")  # 邀约, 学院审核通过: two messages
    invite(world.other_employer, world.other_student)  # someone else's
    page = student_client.get(reverse("student:invitations")).content.decode()
    assert 'aria-label="2条未读">2</span>' in page
    opened = student_client.get(reverse("student:messages")).content.decode()
    assert opened.count(">新</span>") == 2
    assert "条未读" not in opened  # the badge is gone once they are read
    assert not Notification.objects.filter(recipient=world.student.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.other_student.user, read_at__isnull=True).exists()
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    page = student_client.get(reverse("student:agreement")).content.decode()
    assert 'aria-label="1条未读">1</span>' in page
    again = student_client.get(reverse("student:messages")).content.decode()
    assert again.count(">新</span>") == 1


def test_messages_query_count_is_constant_and_paged(world: World, student_client: Client) -> None:
    invite(world.employer, world.student)
    with CaptureQueriesContext(connection) as one:
        assert student_client.get(reverse("student:messages")).status_code == 200
    for _ in range(24):
        invite(make_employer(), world.student)
    with CaptureQueriesContext(connection) as many:
        page = student_client.get(reverse("student:messages")).content.decode()
    assert len(many) == len(one)
    assert page.count('class="wq-message') == 20
    assert "当前共25条记录" in page
    second = student_client.get(reverse("student:messages") + "?page=2").content.decode()
    assert second.count('class="wq-message') == 5


def test_no_messages(student_client: Client) -> None:
    assert "暂无消息" in student_client.get(reverse("student:messages")).content.decode()


# --- 个人信息 -----------------------------------------------------------------------------------------------


def test_profile_shows_the_roster_data_read_only(world: World, student_client: Client) -> None:
    page = student_client.get(reverse("student:profile")).content.decode()
    student = world.student
    for value in (
        student.student_no,
        student.name,
        student.id_number,
        student.phone,
        student.email,
        "2027",
        "东北大学",
        "文法学院",
        "法学",
        "本科毕业生",
    ):
        assert value in page, value
    main = page.split("<main", 1)[1].split("</main>")[0]
    assert "<textarea" not in main and "<select" not in main
    assert all('type="hidden"' in tag for tag in main.split("<input")[1:])  # only the logout form's token
    assert "如有错误，请联系文法学院或东北大学就业指导中心（就业办）核实更正" in page


def test_profile_of_a_student_user_without_roster_row(world: World, login_as: LoginAs) -> None:
    from testsupport import make_user

    client = login_as(make_user("orphan", "student"))
    assert client.get(reverse("student:profile")).status_code == 404


# --- first login ------------------------------------------------------------------------------------------


def _import_one(world: World) -> Student:
    upload = xlsx_bytes(
        list(ROSTER_HEADERS),
        [["2027999", "陈晨", "女", "11010519491231002X", "13800138000", "", 2027, "文法学院", "法学", "本科"]],
    )
    roster_import(world.school, upload, dry_run=False, acting_user=world.school_admin)
    return Student.objects.select_related("user").get(student_no="2027999")


def test_imported_student_activates_with_a_code_not_the_id_number(world: World, client: Client) -> None:
    student = _import_one(world)
    assert student.user is not None
    assert not student.user.has_usable_password()
    # Hole 1: the last six characters of the 身份证号 (four of them shown to employers) were the first password.
    response = client.post(reverse("web:login"), {"username": "2027999", "password": "31002X"})
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session
    [issued] = activation_codes_issue(world.school, student_numbers=["2027999"], acting_user=world.school_admin)
    page = client.get(reverse("web:activate")).content.decode()
    assert "激活码" in page and 'name="new_password2"' in page
    weak = client.post(
        reverse("web:activate"),
        {"username": "2027999", "code": issued.code, "new_password": "12345678", "new_password2": "12345678"},
    )
    weak_page = weak.content.decode()
    assert weak.status_code == 400 and 'is-invalid" id="id_new_password"' in weak_page
    assert "密码只包含数字" in text_of(weak_page)  # Django's validator message, in Chinese, next to the field
    response = client.post(
        reverse("web:activate"),
        {
            "username": "2027999",
            "code": issued.code.lower(),
            "new_password": "Neu-2027-xyz",
            "new_password2": "Neu-2027-xyz",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("student:invitations")
    assert "账号已激活" in response.content.decode()
    student.user.refresh_from_db()
    assert student.user.has_usable_password() and not student.user.must_change_password
    # errors next to their fields, in Chinese, on 修改密码
    bad = client.post(
        reverse("web:password_change"),
        {"old_password": "000000", "new_password": "Neu-2027-abc", "new_password2": "Neu-2027-abc"},
    )
    assert "原密码不正确" in bad.content.decode()
    # the code is spent; the new password works
    fresh = Client()
    again = fresh.post(
        reverse("web:activate"),
        {"username": "2027999", "code": issued.code, "new_password": "Other-2027-q", "new_password2": "Other-2027-q"},
    )
    assert again.status_code == 400 and "激活码不正确" in again.content.decode()
    login = fresh.post(reverse("web:login"), {"username": "2027999", "password": "Neu-2027-xyz"})
    assert login.status_code == 302 and fresh.session["_auth_user_id"] == str(student.user.pk)
