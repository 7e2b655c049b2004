"""签约查询: the employer portal's filters plus 院系, 单位名称, 单位性质; the pager; 导出 of exactly the list."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.services.employers import employer_update_profile
from school.tests.conftest import Reach
from school.tests.helpers import reach_outsider
from testsupport import PROFILE, LoginAs, World

pytestmark = pytest.mark.django_db


def _names(response: Any) -> set[str]:
    page = response.content.decode()
    return {name for name in ("甲", "乙", "丙", "丁", "戊") if f">{name}同学</td>" in page}


@pytest.fixture
def rows(world: World, reach: Reach) -> dict[str, Any]:
    employer = world.other_employer.employer
    employer_update_profile(employer, {**PROFILE, "nature": "22"}, acting_user=world.other_employer)
    return {
        "甲": reach("effective", name="甲同学"),
        "乙": reach("college_review", college=world.other_college, name="乙同学", major="计算机科学与技术"),
        "丙": reach("invited", name="丙同学", employer=world.other_employer),
        "丁": reach("terminated", name="丁同学", year=2026),
        "戊": reach_outsider(world),  # another school's: never listed
    }


def test_school_admin_sees_every_agreement_of_the_school(
    world: World, client: Client, rows: Any, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    assert _names(client.get(reverse("school:agreements"))) == {"甲", "乙", "丙", "丁"}


def test_college_admin_sees_their_college_whatever_the_query(
    world: World, client: Client, rows: Any, login_as: LoginAs
) -> None:
    login_as(world.college_admin)
    url = reverse("school:agreements")
    assert _names(client.get(url)) == {"甲", "丙", "丁"}
    assert _names(client.get(url, {"college": world.other_college.pk})) == {"甲", "丙", "丁"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tab": "pending"}, {"丙"}),
        ({"tab": "accepted"}, {"甲", "乙"}),
        ({"tab": "terminated"}, {"丁"}),
        ({"year": "2026"}, {"丁"}),
        ({"name": "乙"}, {"乙"}),
        ({"major": "计算机"}, {"乙"}),
        ({"employer": "海湾"}, {"丙"}),
        ({"nature": "22"}, {"丙"}),
        ({"response": "双方已签约"}, {"甲", "乙"}),
        ({"review": "签约审核通过"}, {"甲"}),
        ({"review": "待学院审核"}, {"乙"}),
        ({"from": "2000-01-01", "to": "2000-01-02"}, set()),
    ],
)
def test_filters(
    world: World, client: Client, rows: Any, params: dict[str, str], expected: set[str], login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    assert _names(client.get(reverse("school:agreements"), params)) == expected


def test_college_and_id_number_filters(world: World, client: Client, rows: Any, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    url = reverse("school:agreements")
    assert _names(client.get(url, {"college": world.other_college.pk})) == {"乙"}
    assert _names(client.get(url, {"id_number": rows["甲"].student.id_number.lower()})) == {"甲"}


def test_bad_dates_are_reported_and_list_nothing(world: World, client: Client, rows: Any, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.get(reverse("school:agreements"), {"from": "2027-06-01", "to": "2027-05-01"})
    assert "邀请截至日期不能早于邀请起始日期" in response.content.decode()
    assert _names(response) == set()


def test_pager(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    for _ in range(21):
        reach("invited")
    login_as(world.school_admin)
    page = client.get(reverse("school:agreements"), {"tab": "pending"}).content.decode()
    assert "当前共21条记录" in page and "共1/2页" in page and "首页" in page and "末页" in page
    page = client.get(reverse("school:agreements"), {"tab": "pending", "page": "2"}).content.decode()
    assert "共2/2页" in page and page.count(">查看详情</a>") == 1


def test_export_is_exactly_the_filtered_list(world: World, client: Client, rows: Any, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.get(reverse("school:agreements_export"), {"tab": "accepted"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("院校名称", "学号", "姓名", "身份证号")
    names = {row[2] for row in values[1:]}
    assert names == {"甲同学", "乙同学"}
    # reviewers see their students' ID numbers in full
    assert rows["甲"].student.id_number in {row[3] for row in values[1:]}


def test_college_export_is_their_college(world: World, client: Client, rows: Any, login_as: LoginAs) -> None:
    login_as(world.college_admin)
    response = client.get(reverse("school:agreements_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {row[2] for row in list(sheet.iter_rows(values_only=True))[1:]} == {"甲同学", "丙同学", "丁同学"}


def test_list_query_count_is_constant(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    reach("effective")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:agreements"))
    for status in ("invited", "college_review", "termination_requested", "terminated", "returned"):
        reach(status)
        reach(status, college=world.other_college)
    cache.clear()  # both views measured with cold caches (filter choices are kept)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("school:agreements")).content.decode()
    assert page.count(">查看详情</a>") == 11
    assert len(many) == len(few) == 7, [q["sql"] for q in many.captured_queries]
