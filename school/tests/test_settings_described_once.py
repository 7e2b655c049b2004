"""学校设置 described once (issue 18, "Students and settings described once"): the page, the API
(GET/PATCH /api/v1/school/settings) and school_update_settings check a setting against core.fields.
SCHOOL_SETTINGS_FIELDS through one function, so one bad value gets one message, naming its setting, wherever it
is sent; and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import InvalidInput
from core.fields import SCHOOL_SETTINGS_FIELDS
from core.models import SchoolSettingsChange
from core.services.schools import school_update_settings
from testsupport import ApiClient, LoginAs, World

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

# (setting, what the page's form sends, what an API client sends, the one message): each bound of each setting.
BOUNDS: list[tuple[str, str, Any, str]] = [
    ("invitation_validity_days", "0", 0, "邀约有效期应为1到90天"),
    ("invitation_validity_days", "91", 91, "邀约有效期应为1到90天"),
    ("invitation_validity_days", "七", "七", "邀约有效期应为1到90天"),
    ("invitation_validity_days", "", None, "邀约有效期应为1到90天"),
    ("activation_code_validity_days", "0", 0, "激活码有效期应为1到90天"),
    ("activation_code_validity_days", "91", 91, "激活码有效期应为1到90天"),
    ("max_terminations", "-1", -1, "每生解约次数上限应为0到100的整数，留空表示不限"),
    ("max_terminations", "101", 101, "每生解约次数上限应为0到100的整数，留空表示不限"),
    ("max_terminations", "1.5", 1.5, "每生解约次数上限应为0到100的整数，留空表示不限"),
    ("termination_window_start", "2027/03/01", "2027/03/01", "解约开放开始日期格式应为年-月-日，如 2027-06-30"),
    ("termination_window_end", "2027-02-30", "2027-02-30", "解约开放结束日期格式应为年-月-日，如 2027-06-30"),
    ("termination_window_end", "20270301", 20270301, "解约开放结束日期格式应为年-月-日，如 2027-06-30"),
    ("number_format", "", "", "请填写协议书编号格式"),
    ("number_format", "{school_code}" * 5 + "{seq}", "{school_code}" * 5 + "{seq}", "协议书编号格式不能超过60个字符"),
    ("number_format", "{year}", "{year}", "编号格式必须包含序号 {seq}（只能一次），且生成的编号不超过40位"),
    ("time_zone", "Mars/Olympus", "Mars/Olympus", "时区应为IANA时区名称，如 Asia/Shanghai"),
]


@pytest.mark.parametrize(("field", "typed", "sent", "message"), BOUNDS)
def test_one_bad_value_one_message_on_the_page_and_in_the_api(
    world: World, client: Client, api: ApiClient, login_as: LoginAs, field: str, typed: str, sent: Any, message: str
) -> None:
    login_as(world.school_admin)
    page = client.post(reverse("school:settings"), {**FORM, field: typed})
    assert page.status_code == 400
    # Beside its field: the field's own error block follows the input.
    html = page.content.decode()
    assert message in html.split(f'name="{field}"', 1)[1].split("wq-field", 1)[0]

    answer = api.login(world.school_admin).patch("/school/settings", {field: sent})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {field: message} and answer.json()["detail"] == message

    with pytest.raises(InvalidInput) as raised:
        school_update_settings(world.school, {field: sent}, acting_user=world.school_admin)
    assert raised.value.errors == {field: message}
    assert not SchoolSettingsChange.objects.exists()
    world.school.refresh_from_db()
    assert (world.school.invitation_validity_days, world.school.time_zone) == (7, "Asia/Shanghai")


def test_a_switch_is_true_or_false(world: World, api: ApiClient) -> None:
    answer = api.login(world.school_admin).patch("/school/settings", {"college_review_enabled": "否"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"college_review_enabled": "学院审核应为开启（true）或关闭（false）"}


def test_the_window_is_checked_against_the_schools_other_end(world: World, client: Client, api: ApiClient) -> None:
    api.login(world.school_admin)
    assert api.patch("/school/settings", {"termination_window_start": "2027-09-01"}).status_code == 200
    answer = api.patch("/school/settings", {"termination_window_end": "2027-03-01"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"termination_window_end": "解约开放开始日期不能晚于结束日期"}


def test_an_unknown_setting_is_named(world: World, api: ApiClient) -> None:
    answer = api.login(world.school_admin).patch("/school/settings", {"review_levels": 3})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"review_levels": "未知字段"}


def test_the_api_reads_and_changes_the_settings_as_the_page_does(world: World, api: ApiClient) -> None:
    api.login(world.school_admin)
    before = api.get("/school/settings").json()
    assert set(before) == set(SCHOOL_SETTINGS_FIELDS)
    assert before["invitation_validity_days"] == 7 and before["max_terminations"] is None
    answer = api.patch(
        "/school/settings",
        {"invitation_validity_days": 14, "max_terminations": 2, "termination_window_end": "2027-08-31"},
    )
    assert answer.status_code == 200
    after = answer.json()
    assert (after["invitation_validity_days"], after["max_terminations"]) == (14, 2)
    assert after["termination_window_end"] == "2027-08-31" and after["time_zone"] == "Asia/Shanghai"
    change = SchoolSettingsChange.objects.get()
    assert change.actor == world.school_admin
    assert change.changes["invitation_validity_days"] == [7, 14]
    assert change.changes["termination_window_end"] == [None, "2027-08-31"]
    # null lifts the limit again
    assert api.patch("/school/settings", {"max_terminations": None}).json()["max_terminations"] is None


def test_only_the_school_admin_reads_or_changes_them(world: World, api: ApiClient) -> None:
    for user in (world.college_admin, world.student.user, world.employer):
        as_user = ApiClient(type(api.client)()).login(user)
        assert as_user.get("/school/settings").status_code == 403
        assert as_user.patch("/school/settings", {"invitation_validity_days": 3}).status_code == 403
    world.school.refresh_from_db()
    assert world.school.invitation_validity_days == 7
