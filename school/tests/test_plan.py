"""就业方案导出: every graduate of a 毕业年度, one row each, with the standard codes beside the labels."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Job
from core.services.schools import school_update_settings
from school.tests.conftest import Reach
from school.tests.helpers import reach_outsider
from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_plan_export_has_one_row_per_graduate_with_codes(
    world: World, client: Client, reach: Reach, login_as: LoginAs
) -> None:
    effective = world.reach("effective")
    terminating = reach("termination_requested")
    in_review = reach("school_review")
    terminated = reach("terminated")
    reach("effective", year=2026)
    reach_outsider(world)
    login_as(world.school_admin)
    page = client.get(reverse("school:plan"), {"year": "2027"}).content.decode()
    # 2027: the world's two students and the three new ones reached here; two effective agreements.
    assert "<strong data-plan-count>5</strong>" in page and "<strong data-plan-effective>2</strong>" in page
    rows = _sheet(client.get(reverse("school:plan_export"), {"year": "2027"}))
    header = rows[0]
    for column in (
        "学号",
        "姓名",
        "身份证号",
        "院系",
        "专业",
        "学历",
        "毕业去向代码",
        "毕业去向",
        "去向登记状态",
        "签约方式",
        "单位名称",
        "统一社会信用代码",
        "单位性质代码",
        "单位性质",
        "单位所在地代码",
        "单位所在地",
        "工作职位类别代码",
        "工作职位类别",
        "协议书编号",
        "签约时间",
        "档案接收类型代码",
        "档案接收类型",
        "档案转寄单位名称",
        "单位隶属代码",
        "单位隶属",
        "户口接收类型代码",
        "户口接收地址",
    ):
        assert column in header, column
    by_no = {row[header.index("学号")]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    # Every graduate of 2027 of this school, signed or not; nobody of 2026 or of the other school.
    assert len(rows) == 1 + 5 and world.other_student.student_no in by_no
    assert world.outsider_student.student_no not in by_no
    first = by_no[effective.student.student_no]
    assert first["身份证号"] == world.student.id_number and first["学历"] == "本科毕业生"
    assert (first["毕业去向代码"], first["毕业去向"]) == ("10", "签就业协议形式就业")
    assert first["签约方式"] == "网上签约" and first["协议书编号"] == effective.number
    assert (first["单位性质代码"], first["单位性质"]) == ("31", "国有企业")
    assert (first["单位所在地代码"], first["单位所在地"]) == ("210102", "辽宁省沈阳市和平区")
    assert (first["工作职位类别代码"], first["工作职位类别"]) == ("13", "工程技术人员")
    assert (first["单位隶属代码"], first["单位隶属"]) == ("210000", "辽宁省")
    assert first["统一社会信用代码"] == world.employer.employer.credit_code
    assert first["协议书状态"] == "已生效" and first["户口接收地址"] == "辽宁省沈阳市和平区南京北街1号"
    assert by_no[terminating.student.student_no]["协议书状态"] == "待解约"
    for unsigned in (in_review, terminated):
        row = by_no[unsigned.student.student_no]
        assert row["毕业去向代码"] is None and row["去向登记状态"] == "未登记" and row["协议书编号"] is None
    assert by_no[world.other_student.student_no]["去向登记状态"] == "未登记"


def test_dispatch_columns_follow_the_school_setting(world: World, client: Client, login_as: LoginAs) -> None:
    world.reach("effective")
    login_as(world.school_admin)
    header = _sheet(client.get(reverse("school:plan_export"), {"year": "2027"}))[0]
    assert "报到证抬头" not in header and "报到证签发所在地" not in header  # hidden by default from 2023 on
    assert "学校设置未显示报到证信息" in client.get(reverse("school:plan"), {"year": "2027"}).content.decode()
    school_update_settings(world.school, {"show_dispatch_fields": True}, acting_user=world.school_admin)
    header = _sheet(client.get(reverse("school:plan_export"), {"year": "2027"}))[0]
    assert "报到证抬头" in header and "报到证签发所在地" in header
    assert "学校设置未显示报到证信息" not in client.get(reverse("school:plan"), {"year": "2027"}).content.decode()


def test_dispatch_columns_always_for_graduates_before_2023(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    header = _sheet(client.get(reverse("school:plan_export"), {"year": "2022"}))[0]
    assert "报到证抬头" in header and "报到证签发所在地" in header


def test_empty_year(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    assert len(_sheet(client.get(reverse("school:plan_export"), {"year": "2030"}))) == 1


def test_a_large_year_is_exported_by_a_job_with_progress_and_download(
    world: World, client: Client, login_as: LoginAs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """More graduates than the setting allows while the browser waits: a job writes the file (tasks run inline
    in tests), its page shows it done, and only its owner can download it."""
    settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS = 1
    world.reach("effective")
    login_as(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.get(reverse("school:plan_export"), {"year": "2027"})
    assert len(queued) == 1  # the job starts after commit, through core.tasks.enqueue_on_commit
    assert response.status_code == 302 and "/school/exports/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page and "导出完成：共 2 行" in page
    job = Job.objects.get()
    download = client.get(reverse("web:export_download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(download.getvalue())).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][0] == "学号"
    login_as(world.other_school_admin)
    assert client.get(reverse("web:export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("school:export_job", args=[job.pk])).status_code == 404
