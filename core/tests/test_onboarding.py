"""The operator adds a school and a province (manage.py school_add / province_add / staff_invite): validated,
idempotent-safe, the first admin invited by a single-use link printed and e-mailed, never a password."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from core.models import Province, Role, School, StaffChange, StaffInvitation, User

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/invitation/\d+-[0-9a-f]{40}/")


def run(command: str, *args: str) -> str:
    out = StringIO()
    # The invitation e-mail goes after commit, as in production.
    with override_settings(SITE_URL="http://testserver"), TestCase.captureOnCommitCallbacks(execute=True):
        call_command(command, *args, stdout=out)
    return out.getvalue()


def school_add(*extra: str, code: str = "10145", name: str = "东北大学", username: str = "neu_admin") -> str:
    return run(
        "school_add", "--code", code, "--name", name, "--admin-username", username,
        "--admin-email", "jyzx@neu.edu.cn", *extra,
    )  # fmt: skip


def test_school_add_creates_the_school_and_invites_its_first_admin(mailoutbox: list[Any]) -> None:
    out = school_add("--admin-name", "张老师")
    school = School.objects.get(code="10145")
    assert school.name == "东北大学" and school.time_zone == "Asia/Shanghai"
    assert school.college_review_enabled and school.invitation_validity_days == 7  # defaults
    admin = User.objects.get(username="neu_admin")
    assert (admin.role, admin.school, admin.display_name, admin.email) == (
        Role.SCHOOL_ADMIN, school, "张老师", "jyzx@neu.edu.cn",
    )  # fmt: skip
    assert not admin.has_usable_password(), "no password the operator chose"
    [printed] = LINK.findall(out)
    [mail] = mailoutbox
    assert mail.to == ["jyzx@neu.edu.cn"] and printed in mail.body
    assert "学校管理员" in mail.body and "neu_admin" in mail.body and "只能使用一次" in mail.body
    assert "已添加院校：10145 东北大学" in out
    actions = list(StaffChange.objects.filter(target=admin).values_list("action", "actor"))
    assert sorted(actions) == [("created", None), ("invited", None)]


def test_school_add_follows_the_deployment_default_for_the_second_factor() -> None:
    with override_settings(ADMIN_SECOND_FACTOR=True):
        out = school_add()
    assert School.objects.get(code="10145").second_factor_required
    assert "管理员两步验证：开启" in out


def test_a_second_identical_run_says_what_exists_and_changes_nothing(mailoutbox: list[Any]) -> None:
    school_add()
    before = (School.objects.count(), User.objects.count(), StaffInvitation.objects.count(), len(mailoutbox))
    out = school_add()
    assert "院校已存在：10145 东北大学" in out and "学校管理员已存在：neu_admin" in out and "未做任何修改" in out
    assert "已邀请，尚未接受" in out
    assert not LINK.search(out)
    assert (School.objects.count(), User.objects.count(), StaffInvitation.objects.count(), len(mailoutbox)) == before


@pytest.mark.parametrize(
    ("kwargs", "extra", "message"),
    [
        ({"name": "东北大学（秦皇岛）"}, (), "现有名称为“东北大学”"),
        ({}, ("--time-zone", "Asia/Urumqi"), "现有时区为 Asia/Shanghai"),
        ({"username": "someone_else"}, (), "学校管理员 someone_else 不存在"),
    ],
)
def test_a_run_contradicting_what_exists_changes_nothing(
    kwargs: dict[str, str], extra: tuple[str, ...], message: str
) -> None:
    school_add()
    before = (School.objects.get().name, School.objects.get().time_zone, User.objects.count())
    with pytest.raises(CommandError) as refused:
        school_add(*extra, **kwargs)
    assert message in str(refused.value) and "未做任何修改" in str(refused.value)
    assert (School.objects.get().name, School.objects.get().time_zone, User.objects.count()) == before


@pytest.mark.parametrize(
    ("code", "name", "username", "email", "message"),
    [
        ("1014", "辽宁大学", "lnu_admin", "a@lnu.edu.cn", "院校代码应为5位数字"),
        ("1014x", "辽宁大学", "lnu_admin", "a@lnu.edu.cn", "院校代码应为5位数字"),
        ("１０１４０", "辽宁大学", "lnu_admin", "a@lnu.edu.cn", "院校代码应为5位数字"),
        ("10140", "", "lnu_admin", "a@lnu.edu.cn", "院校名称应为1到100个字"),
        ("10140", "东北大学", "lnu_admin", "a@lnu.edu.cn", "已被院校代码 10145 使用"),
        ("10140", "辽宁大学", "neu_admin", "a@lnu.edu.cn", "用户名 neu_admin 已被其他账号使用"),
        ("10140", "辽宁大学", "1234567", "a@lnu.edu.cn", "用户名应为3到30位"),
        ("10140", "辽宁大学", "lnu_admin", "not-an-address", "邮箱格式不正确"),
    ],
)
def test_school_add_validates_and_leaves_nothing_half_written(
    code: str, name: str, username: str, email: str, message: str
) -> None:
    school_add()
    before = (School.objects.count(), User.objects.count(), StaffInvitation.objects.count())
    with pytest.raises(CommandError) as refused:
        run("school_add", "--code", code, "--name", name, "--admin-username", username, "--admin-email", email)
    assert message in str(refused.value)
    assert (School.objects.count(), User.objects.count(), StaffInvitation.objects.count()) == before


def test_school_add_refuses_an_unknown_time_zone() -> None:
    with pytest.raises(CommandError, match="时区"):
        school_add("--time-zone", "Mars/Olympus")
    assert not School.objects.exists()


def test_province_add_and_its_schools_changed_later(mailoutbox: list[Any]) -> None:
    school_add()
    school_add(code="10140", name="辽宁大学", username="lnu_admin")
    mailoutbox.clear()
    args = ["--name", "辽宁省教育厅", "--admin-username", "ln_jyc", "--admin-email", "jyc@ln.gov.cn"]
    out = run("province_add", *args, "--schools", "10145")
    province = Province.objects.get(name="辽宁省教育厅")
    admin = User.objects.get(username="ln_jyc")
    assert (admin.role, admin.province, admin.school) == (Role.PROVINCE_ADMIN, province, None)
    assert list(province.schools.values_list("code", flat=True)) == ["10145"]
    [printed] = LINK.findall(out)
    assert printed in mailoutbox[0].body and "省级主管部门" in mailoutbox[0].body

    # Again, the same: nothing changes. With other schools: says how they differ, still nothing.
    assert "未做任何修改" in run("province_add", *args, "--schools", "10145")
    out = run("province_add", *args, "--schools", "10145,10140")
    assert "--update-schools" in out and list(province.schools.values_list("code", flat=True)) == ["10145"]
    # --update-schools changes them, and only them.
    out = run("province_add", *args, "--schools", "10145，10140", "--update-schools")
    assert "所辖院校已改为：10140 辽宁大学、10145 东北大学" in out
    assert sorted(province.schools.values_list("code", flat=True)) == ["10140", "10145"]
    assert User.objects.filter(role=Role.PROVINCE_ADMIN).count() == 1 and len(mailoutbox) == 1


def test_province_add_refuses_unknown_schools_and_a_taken_username() -> None:
    school_add()
    with pytest.raises(CommandError, match="院校代码不存在：10999"):
        run("province_add", "--name", "辽宁省教育厅", "--schools", "10145,10999", "--admin-username", "ln_jyc",
            "--admin-email", "jyc@ln.gov.cn")  # fmt: skip
    with pytest.raises(CommandError, match="neu_admin 已被其他账号使用"):
        run("province_add", "--name", "辽宁省教育厅", "--schools", "10145", "--admin-username", "neu_admin",
            "--admin-email", "jyc@ln.gov.cn")  # fmt: skip
    assert not Province.objects.exists()


def test_staff_invite_sends_a_new_link_and_the_old_one_stops_working(mailoutbox: list[Any]) -> None:
    first = LINK.findall(school_add())[0]
    out = run("staff_invite", "--username", "neu_admin")
    [second] = LINK.findall(out)
    assert second != first and second in mailoutbox[-1].body
    assert StaffInvitation.objects.filter(revoked_at__isnull=False).count() == 1
    with pytest.raises(CommandError, match="没有用户名为 nobody"):
        run("staff_invite", "--username", "nobody")
