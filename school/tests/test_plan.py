"""就业方案导出: the effective agreements of a 毕业年度 with the employment report's columns."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.services.schools import school_update_settings
from core.testing import LoginAs, World
from school.tests.conftest import Reach
from school.tests.helpers import reach_outsider

pytestmark = pytest.mark.django_db


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_plan_export(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    effective = world.reach("effective")
    terminating = reach("termination_requested")
    reach("school_review")
    reach("terminated")
    reach("effective", year=2026)
    reach_outsider(world)
    login_as(world.school_admin)
    page = client.get(reverse("school:plan"), {"year": "2027"}).content.decode()
    assert "<strong data-plan-count>2</strong>" in page
    rows = _sheet(client.get(reverse("school:plan_export"), {"year": "2027"}))
    header = rows[0]
    for column in (
        "学号",
        "姓名",
        "身份证号",
        "院系",
        "专业",
        "学历",
        "单位名称",
        "统一社会信用代码",
        "单位性质",
        "单位所在地",
        "工作职位类别",
        "协议书编号",
        "签约时间",
        "档案接收类型",
        "档案转寄单位名称",
        "档案转寄地址",
        "档案转寄邮编",
        "档案转寄联系人",
        "档案转寄联系电话",
        "报到证抬头",
        "单位隶属",
        "户口接收类型",
        "户口接收地址",
    ):
        assert column in header, column
    assert len(rows) == 3
    by_no = {row[header.index("协议书编号")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_no) == {effective.number, terminating.number}
    first = by_no[effective.number]
    assert first["学号"] == world.student.student_no and first["身份证号"] == world.student.id_number
    assert first["学历"] == "本科毕业生" and first["单位性质"] == "国有企业"
    assert first["单位所在地"] == "辽宁省沈阳市和平区"
    assert first["统一社会信用代码"] == world.employer.employer.credit_code
    assert first["协议书状态"] == "已生效" and by_no[terminating.number]["协议书状态"] == "待解约"
    assert first["户口接收地址"] == "辽宁省沈阳市和平区南京北街1号"


def test_dispatch_columns_follow_the_school_setting(world: World, client: Client, login_as: LoginAs) -> None:
    world.reach("effective")
    school_update_settings(world.school, {"show_dispatch_fields": False}, acting_user=world.school_admin)
    login_as(world.school_admin)
    header = _sheet(client.get(reverse("school:plan_export"), {"year": "2027"}))[0]
    assert "报到证抬头" not in header and "报到证签发所在地" not in header
    assert "已隐藏报到证信息" in client.get(reverse("school:plan")).content.decode()


def test_empty_year(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    assert len(_sheet(client.get(reverse("school:plan_export"), {"year": "2030"}))) == 1
