"""学校设置: every setting through school_update_settings, errors beside fields, history, effect on later actions."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.calendar import current_graduation_year
from core.models import SchoolSettingsChange, Status
from core.services import agreements as wf
from testsupport import LoginAs, World, confirm, invite

pytestmark = pytest.mark.django_db

FORM = {
    "college_review_enabled": "on",
    "school_review_enabled": "on",
    "termination_review_enabled": "on",
    "max_terminations": "",
    "termination_window_start": "",
    "termination_window_end": "",
    "invitation_validity_days": "7",
    "number_format": "{year}{school_code}{seq:05d}",
}


def test_page_shows_current_settings(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    page = client.get(reverse("school:settings")).content.decode()
    assert 'name="invitation_validity_days" value="7"' in page
    assert 'name="activation_code_validity_days" value="14"' in page
    assert f"当前格式示例：{current_graduation_year()}1014500001" in page
    assert "暂无数据!" in page  # no history yet


def test_change_is_saved_and_recorded(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    data = {
        **FORM,
        "college_review_enabled": "",
        "max_terminations": "1",
        "termination_window_start": "2027-03-01",
        "termination_window_end": "2027-08-31",
        "invitation_validity_days": "14",
        "number_format": "NEU{year}-{seq:04d}",
    }
    data["show_dispatch_fields"] = "on"  # 报到证 fields are off by default; an unchecked box is not posted
    response = client.post(reverse("school:settings"), data)
    assert response["Location"] == reverse("school:settings")
    world.school.refresh_from_db()
    school = world.school
    assert not school.college_review_enabled and school.show_dispatch_fields
    assert (school.max_terminations, school.invitation_validity_days) == (1, 14)
    assert str(school.termination_window_end) == "2027-08-31" and school.number_format == "NEU{year}-{seq:04d}"
    change = SchoolSettingsChange.objects.get()
    assert change.actor == world.school_admin
    assert change.changes["invitation_validity_days"] == [7, 14]
    page = client.get(reverse("school:settings")).content.decode()
    assert "修改记录" in page and "邀约有效期（天）" in page and "学院审核" in page and "关闭" in page
    # saving the same values again records nothing
    client.post(reverse("school:settings"), data)
    assert SchoolSettingsChange.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invitation_validity_days", "0", "邀约有效期应为1到90天"),
        ("invitation_validity_days", "abc", "邀约有效期应为1到90天"),
        ("activation_code_validity_days", "0", "激活码有效期应为1到90天"),
        ("activation_code_validity_days", "91", "激活码有效期应为1到90天"),
        ("activation_code_validity_days", "", "激活码有效期应为1到90天"),
        ("max_terminations", "-1", "解约次数上限应为0到100的整数"),
        ("termination_window_start", "2027/03/01", "格式应为年-月-日"),
        ("number_format", "{year}{school_code}", "编号格式必须包含序号"),
        ("number_format", "{nope}", "编号格式只能使用"),
        # str.format reads attributes and items: a format is never code.
        ("number_format", "{year.__class__.__init__.__globals__}{seq}", "编号格式只能使用"),
        ("number_format", "{seq.__class__.__mro__}", "编号格式只能使用"),
        ("number_format", "{seq[0]}", "编号格式只能使用"),
        ("number_format", "{seq!r}", "编号格式只能使用"),
        ("number_format", "{seq:1000000000d}", "编号格式只能使用"),
        ("number_format", "{year}{seq}{seq}", "编号格式必须包含序号"),
        ("number_format", "{seq:0d}{school_code:x^40}", "编号格式只能使用"),
        ("number_format", "NEU {year}{seq}", "编号格式不能包含空格或控制字符"),
        ("number_format", "{year}{seq", "编号格式只能使用"),
        ("number_format", "", "请填写协议书编号格式"),
    ],
)
def test_invalid_values_beside_their_field(
    world: World, client: Client, field: str, value: str, message: str, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    response = client.post(reverse("school:settings"), {**FORM, field: value})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'name="{field}" value="{value}"' in page  # what was typed stays
    assert not SchoolSettingsChange.objects.exists()


def test_window_order(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    data = {**FORM, "termination_window_start": "2027-09-01", "termination_window_end": "2027-03-01"}
    response = client.post(reverse("school:settings"), data)
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.content.decode()


def test_settings_take_effect_for_later_actions(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    client.post(reverse("school:settings"), {**FORM, "college_review_enabled": ""})
    (agreement,) = invite(world.employer, world.student)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    agreement.refresh_from_db()
    assert agreement.status == Status.SCHOOL_REVIEW  # the 学院 level is skipped
    login_as(world.college_admin)
    assert "李明" not in client.get(reverse("school:reviews")).content.decode()


def test_time_zone_of_notices_is_a_setting(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    page = client.get(reverse("school:settings")).content.decode()
    assert '<option value="Asia/Shanghai" selected>北京时间（UTC+8）</option>' in page
    response = client.post(reverse("school:settings"), {**FORM, "time_zone": "Asia/Urumqi"})
    assert response.status_code == 302
    world.school.refresh_from_db()
    assert world.school.time_zone == "Asia/Urumqi"
    assert SchoolSettingsChange.objects.get().changes == {"time_zone": ["Asia/Shanghai", "Asia/Urumqi"]}
    response = client.post(reverse("school:settings"), {**FORM, "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "时区应为IANA时区名称，如 Asia/Shanghai" in response.content.decode()
    world.school.refresh_from_db()
    assert world.school.time_zone == "Asia/Urumqi"
    # A form without the field (an earlier version of the page) leaves it as it is.
    assert client.post(reverse("school:settings"), FORM).status_code == 302
    world.school.refresh_from_db()
    assert world.school.time_zone == "Asia/Urumqi"


@pytest.mark.parametrize(
    "name",
    [
        "localtime",
        "Factory",
        "posixrules",
        "/usr/share/zoneinfo/Asia/Shanghai",
        "Asia/../UTC",
        "right/UTC",
        "zone.tab",
        "",
    ],
)
def test_time_zone_is_a_place_of_the_iana_database(world: World, client: Client, login_as: LoginAs, name: str) -> None:
    login_as(world.school_admin)
    response = client.post(reverse("school:settings"), {**FORM, "time_zone": name})
    assert response.status_code == 400
    assert "时区应为IANA时区名称，如 Asia/Shanghai" in response.content.decode()
    world.school.refresh_from_db()
    assert world.school.time_zone == "Asia/Shanghai"
    assert not SchoolSettingsChange.objects.exists()
