"""账号管理 in the school portal (issue 23 item 2): list, add (a 学院管理员 bound to one 院系, or a 学校管理员),
disable (signed out everywhere at once), enable, re-invite; the last 学校管理员 stays; every change recorded and
shown; another school's staff answer 404."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client, override_settings

from core.errors import DomainError
from core.models import ApiToken, Role, StaffChange, StaffInvitation, User
from core.services.staff import staff_set_active
from testsupport import PASSWORD, ApiClient, LoginAs, World, make_school, make_school_admin

CONFIRMED = {"confirmed": "1"}  # the step's dialog was answered (web.actions)

pytestmark = pytest.mark.django_db

NEW = {"username": "wfxy_zhang", "display_name": "张老师", "email": "zhang@neu.edu.cn", "role": "college_admin"}


@pytest.fixture
def admin(world: World, login_as: LoginAs) -> Client:
    return login_as(world.school_admin)


def add(client: Client, capture: Any, **fields: Any) -> Any:
    with override_settings(SITE_URL="http://testserver"), capture(execute=True):
        return client.post("/school/staff/new/", fields)


def test_the_list_shows_the_schools_staff_only(world: World, admin: Client) -> None:
    page = admin.get("/school/staff/").content.decode()
    for name in ("school_neu", "college_law", "college_info", "文法学院", "信息科学与工程学院"):
        assert name in page, name
    assert "school_lnu" not in page, "another school's admin"
    assert "alice" not in page and world.student.user.username not in page
    assert "账号管理" in admin.get("/school/").content.decode()


def test_a_school_admin_adds_a_college_admin_who_is_invited_by_email(
    world: World, admin: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    response = add(admin, django_capture_on_commit_callbacks, **NEW, college_id=world.college.pk)
    staff = User.objects.get(username="wfxy_zhang")
    assert response.status_code == 302 and response["Location"] == f"/school/staff/{staff.pk}/"
    assert (staff.role, staff.school, staff.college, staff.email) == (
        Role.COLLEGE_ADMIN, world.school, world.college, "zhang@neu.edu.cn",
    )  # fmt: skip
    assert not staff.has_usable_password()
    [mail] = mailoutbox
    assert mail.to == ["zhang@neu.edu.cn"] and re.search(r"http://testserver/invitation/\d+-[0-9a-f]{40}/", mail.body)
    assert "school_neu" in mail.body or world.school_admin.name in mail.body
    detail = admin.get(response["Location"]).content.decode()
    assert "待接受邀请" in detail and "新增账号" in detail and "发送邀请" in detail and "文法学院" in detail
    record = admin.get("/school/staff/").content.decode()
    assert "wfxy_zhang" in record and "邀请链接发送到 zhang@neu.edu.cn" in record


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"college_id": ""}, "college_id", "请选择本校的院系"),
        ({"username": "college_law"}, "username", "已被使用"),
        ({"username": "COLLEGE_LAW"}, "username", "已被使用"),
        ({"username": "2027001"}, "username", "以字母开头"),
        ({"username": "张三"}, "username", "用户名应为"),
        ({"display_name": ""}, "display_name", "姓名不能为空"),
        ({"email": "zhang@"}, "email", "邮箱格式不正确"),
        ({"role": "student"}, "role", "角色应为"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    world: World, admin: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
    fields: dict[str, str], field: str, message: str,
) -> None:  # fmt: skip
    users = User.objects.count()
    response = add(admin, django_capture_on_commit_callbacks, **{**NEW, "college_id": world.college.pk, **fields})
    assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.count() == users and not mailoutbox and not StaffInvitation.objects.exists()


def test_a_college_of_another_school_is_refused(
    world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    outsider_college = world.outsider_student.college
    response = add(admin, django_capture_on_commit_callbacks, **NEW, college_id=outsider_college.pk)
    assert response.status_code == 400 and "院系不存在" in response.content.decode()


def test_a_school_admin_adds_another_school_admin(
    world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    fields = {**NEW, "username": "jyzx_wang", "role": "school_admin", "college_id": world.college.pk}
    assert add(admin, django_capture_on_commit_callbacks, **fields).status_code == 302
    staff = User.objects.get(username="jyzx_wang")
    assert staff.role == Role.SCHOOL_ADMIN and staff.college is None, "a school admin has no college"


def test_disabling_signs_the_account_out_everywhere_at_once(world: World, admin: Client, api: ApiClient) -> None:
    target = world.college_admin
    session = Client()
    assert session.post("/login/", {"username": target.username, "password": PASSWORD}).status_code == 302
    assert session.get("/school/").status_code == 200
    api.login(target)
    assert api.get("/me").status_code == 200
    response = admin.post(f"/school/staff/{target.pk}/disable/", CONFIRMED, follow=True)
    assert "已停用，已在所有设备上退出登录" in response.content.decode()
    # The very next request of either is refused.
    assert session.get("/school/")["Location"].startswith("/login/")
    assert api.get("/me").status_code == 401
    assert not ApiToken.objects.filter(user=target).exists()
    assert Client().post("/login/", {"username": target.username, "password": PASSWORD}).status_code == 200
    target.refresh_from_db()
    assert not target.is_active and not target.has_usable_password()
    assert "已停用" in admin.get("/school/staff/").content.decode()


def test_enabling_sends_a_new_invitation_and_no_old_session_returns(
    world: World, admin: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    target = world.college_admin
    target.email = "law@neu.edu.cn"
    target.save()
    session = Client()
    session.post("/login/", {"username": target.username, "password": PASSWORD})
    admin.post(f"/school/staff/{target.pk}/disable/", CONFIRMED)
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/school/staff/{target.pk}/enable/", CONFIRMED, follow=True)
    assert "已启用，邀请链接已发送到 law@neu.edu.cn" in response.content.decode()
    assert mailoutbox[-1].to == ["law@neu.edu.cn"]
    assert session.get("/school/")["Location"].startswith("/login/"), "the old session stays ended"
    actions = list(StaffChange.objects.filter(target=target).order_by("id").values_list("action", flat=True))
    assert actions == ["disabled", "enabled", "invited"]


def test_the_last_school_admin_who_can_sign_in_cannot_be_disabled(world: World, admin: Client) -> None:
    me = world.school_admin
    response = admin.post(f"/school/staff/{me.pk}/disable/", CONFIRMED, follow=True)
    assert "最后一个可登录的学校管理员" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active and me.has_usable_password()
    assert not StaffChange.objects.filter(action="disabled").exists()


def test_a_second_school_admin_may_be_disabled_and_then_not_the_first(
    world: World, admin: Client, login_as: LoginAs
) -> None:
    second = make_school_admin(world.school, "jyzx_wang")
    assert admin.post(f"/school/staff/{second.pk}/disable/", CONFIRMED).status_code == 302
    second.refresh_from_db()
    assert not second.is_active
    response = admin.post(f"/school/staff/{world.school_admin.pk}/disable/", CONFIRMED, follow=True)
    assert "最后一个" in response.content.decode()


def test_an_invited_admin_who_never_signed_in_does_not_count_as_the_last(
    world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    fields = {**NEW, "username": "jyzx_wang", "role": "school_admin"}
    add(admin, django_capture_on_commit_callbacks, **fields)
    response = admin.post(f"/school/staff/{world.school_admin.pk}/disable/", CONFIRMED, follow=True)
    assert "最后一个可登录的学校管理员" in response.content.decode()


def test_reinviting_sends_a_new_link_and_the_old_one_stops(
    world: World, admin: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    add(admin, django_capture_on_commit_callbacks, **NEW, college_id=world.college.pk)
    staff = User.objects.get(username="wfxy_zhang")
    first = re.search(r"/invitation/[^\s]+/", mailoutbox[0].body)
    with override_settings(SITE_URL="http://testserver"), django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/school/staff/{staff.pk}/invite/", CONFIRMED, follow=True)
    assert "已重新发送邀请到 zhang@neu.edu.cn" in response.content.decode()
    second = re.search(r"/invitation/[^\s]+/", mailoutbox[1].body)
    assert first and second and first.group(0) != second.group(0)
    guest = Client()
    guest.get(first.group(0))
    assert "邀请链接无效" in guest.get("/invitation/").content.decode()
    guest.get(second.group(0))
    assert "设置密码" in guest.get("/invitation/").content.decode()


def test_a_disabled_account_is_not_reinvited(world: World, admin: Client) -> None:
    target = world.college_admin
    admin.post(f"/school/staff/{target.pk}/disable/", CONFIRMED)
    response = admin.post(f"/school/staff/{target.pk}/invite/", CONFIRMED, follow=True)
    assert "账号已停用，请先启用" in response.content.decode()


def test_another_schools_staff_answer_404(world: World, admin: Client) -> None:
    outsider = world.other_school_admin
    for method, path in (
        ("get", f"/school/staff/{outsider.pk}/"),
        ("post", f"/school/staff/{outsider.pk}/disable/"),
        ("post", f"/school/staff/{outsider.pk}/enable/"),
        ("post", f"/school/staff/{outsider.pk}/invite/"),
        ("get", f"/school/staff/{world.employer.pk}/"),
        ("get", f"/school/staff/{world.student.user.pk}/"),
        ("get", "/school/staff/999999/"),
    ):
        assert getattr(admin, method)(path).status_code == 404, path
    outsider.refresh_from_db()
    assert outsider.is_active


def test_a_college_admin_may_not_manage_accounts(world: World, login_as: LoginAs) -> None:
    client = login_as(world.college_admin)
    assert client.get("/school/staff/").status_code == 403
    assert client.post(f"/school/staff/{world.other_college_admin.pk}/disable/", CONFIRMED).status_code == 403
    assert "账号管理" not in client.get("/school/").content.decode()
    assert "账号安全" in client.get("/school/").content.decode()


def _disable(actor: User, target: User, barrier: threading.Barrier, outcomes: list[str]) -> None:
    try:
        barrier.wait()
        staff_set_active(target.pk, False, acting_user=actor)
        outcomes.append("ok")
    except DomainError as exc:
        outcomes.append(exc.code)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_school_admins_disabling_each_other_at_once_leave_one() -> None:
    """The school's row lock queues the two changes: the second sees the first and refuses (its actor was just
    disabled, or it would disable the last one), so the school never ends without a 学校管理员."""
    for _ in range(10):
        school = make_school(name=f"学校{User.objects.count()}", code=f"{10000 + User.objects.count()}")
        first, second = make_school_admin(school), make_school_admin(school)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=_disable, args=(first, second, barrier, outcomes)),
            threading.Thread(target=_disable, args=(second, first, barrier, outcomes)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) in (["account_disabled", "ok"], ["last_school_admin", "ok"]), outcomes
        assert User.objects.filter(school=school, role=Role.SCHOOL_ADMIN, is_active=True).count() == 1


@pytest.mark.parametrize(("action", "title"), [("disable", "停用账号"), ("enable", "启用账号"), ("invite", "重新邀请")])
def test_each_step_asks_once_and_changes_nothing_unasked(
    world: World, admin: Client, mailoutbox: list[Any], action: str, title: str
) -> None:
    """Without the page's dialog (no JavaScript), the POST answers with a confirmation page that changes nothing;
    its button posts the step again, confirmed."""
    target = world.college_admin
    target.email = "law@neu.edu.cn"
    target.save(update_fields=["email"])
    changes = StaffChange.objects.count()
    page = admin.post(f"/school/staff/{target.pk}/{action}/")
    body = page.content.decode()
    assert page.status_code == 200 and title in body and 'name="confirmed" value="1"' in body
    assert f'action="/school/staff/{target.pk}/{action}/"' in body
    target.refresh_from_db()
    assert target.is_active and target.has_usable_password() and StaffChange.objects.count() == changes
    assert not mailoutbox
