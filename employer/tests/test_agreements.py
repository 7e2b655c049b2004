"""单位签约中心: tabs, filters, columns, pager, toolbar, 查看详情, 修改邀约, 撤回, 导出."""

from __future__ import annotations

import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_id_number
from core.models import Status
from core.services import agreements as wf
from testsupport import LoginAs, World, confirm, current_terms, invite, make_student

CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends


def _rows(page: str) -> int:
    return page.split('id="wq-list"')[1].split("</table>")[0].count('name="ids"')


def test_list_shows_the_manuals_tabs_filters_and_columns(world: World, login_as: LoginAs) -> None:
    world.reach("effective")
    page = login_as(world.employer).get(reverse("employer:agreements")).content.decode()
    for word in (
        "我的位置",
        "单位中心",
        "签约管理",
        "全部",
        "待应约",
        "已应约",
        "待解约",
        "已解约",
        "全部院校",
        "请选择毕业年度",
        "学生姓名",
        "身份证号",
        "查询",
        "重置",
        "专业名称",
        "邀请起始日期",
        "邀请截至日期",
        "请选择应约状态",
        "查看详情",
        "导出",
        "院校名称",
        "姓名",
        "学历",
        "专业",
        "邀请日期",
        "应约状态",
        "审核状态",
        "双方已签约",
        "签约审核通过",
        "当前共1条记录",
        "共1/1页",
        "首页",
        "上一页",
        "下一页",
        "末页",
        "招聘中心",
        "暂未开放",
        "账号设置",
        "基本信息",
        "修改密码",
        "签约中心",
        "签约邀请",
        "解约办理",
        "网签信息维护",
        "单位签约中心",
    ):
        assert word in page, word
    assert mask_id_number(world.student.id_number) in page
    assert world.student.id_number not in page


def test_tabs_and_filters(world: World, login_as: LoginAs) -> None:
    world.reach("invited")
    world.reach("effective", student=world.other_student)
    extra = make_student(world.other_college, name="孙悦", major="计算机科学与技术", year=2026)
    world.reach("terminated", student=extra)
    world.reach("invited", student=world.outsider_student, employer=world.other_employer)
    client = login_as(world.employer)
    url = reverse("employer:agreements")

    def count(**params: Any) -> int:
        return _rows(client.get(url, params).content.decode())

    assert count() == 3
    assert count(tab="pending") == 1
    assert count(tab="accepted") == 1
    assert count(tab="terminating") == 0
    assert count(tab="terminated") == 1
    assert count(tab="bogus") == 3
    assert count(name="王芳") == 1
    assert count(id_number=world.student.id_number) == 1
    assert count(major="计算机") == 2
    assert count(year="2026") == 1
    assert count(school=str(world.school.pk)) == 3
    assert count(school=str(world.other_school.pk)) == 0
    assert count(response="双方已签约") == 1
    assert count(response="已解约") == 1
    assert count(**{"from": "2000-01-01", "to": "2099-12-31"}) == 3
    assert count(**{"from": "2099-01-01"}) == 0
    page = client.get(url, {"from": "2027-13-01", "year": "abc"}).content.decode()
    assert "邀请起始日期格式应为年-月-日" in page and "毕业年度应为四位年份" in page


def test_list_query_count_is_constant(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    world.reach("effective")
    url = reverse("employer:agreements")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        student = make_student(world.college if n % 2 else world.other_college)
        status = ("invited", "college_review", "termination_requested", "declined")[n % 4]
        world.reach(status, student=student)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert _rows(page) == 9
    # The session, the user with their employer, the page's ids with the count, its rows, the menu's counts.
    assert len(many) == len(few) == 5, [q["sql"] for q in many.captured_queries]


def test_pager_words_and_pages(world: World, login_as: LoginAs) -> None:
    students = [make_student(world.college) for _ in range(11)]
    invite(world.employer, *students)
    client = login_as(world.employer)
    page = client.get(reverse("employer:agreements"), {"name": "学生"}).content.decode()
    assert "当前共11条记录" in page and "共1/2页" in page
    assert 'href="?name=%E5%AD%A6%E7%94%9F&amp;tab=all&page=2"' in page  # the pager keeps the filters
    second = client.get(reverse("employer:agreements"), {"page": 2}).content.decode()
    assert _rows(second) == 1 and "共2/2页" in second


def test_toolbar_needs_exactly_one_row(world: World, login_as: LoginAs) -> None:
    a = world.reach("invited")
    b = world.reach("invited", student=world.other_student)
    client = login_as(world.employer)
    go = reverse("employer:agreement_go")
    response = client.get(go, {"action": "detail"}, follow=True)
    assert "请先勾选一条记录" in response.content.decode()
    response = client.get(go, {"action": "detail", "ids": [str(a.pk), str(b.pk)]}, follow=True)
    assert "请只勾选一条记录" in response.content.decode()
    assert client.get(go, {"action": "detail", "ids": str(a.pk)})["Location"] == reverse(
        "employer:agreement_detail", args=[a.pk]
    )
    assert client.get(go, {"action": "modify", "ids": str(a.pk)})["Location"] == reverse(
        "employer:agreement_modify", args=[a.pk]
    )
    assert client.get(go, {"action": "withdraw", "ids": str(a.pk)})["Location"] == reverse(
        "employer:agreement_withdraw", args=[a.pk]
    )
    assert client.get(go, {"action": "termination", "ids": str(a.pk)})["Location"].endswith("#termination")
    back = reverse("employer:agreements") + "?tab=pending"
    assert client.get(go, {"back": back})["Location"] == back
    assert client.get(go, {"back": "https://evil.example.com/"})["Location"] == reverse("employer:agreements")


def test_detail_shows_the_shared_block_masked(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    page = login_as(world.employer).get(reverse("employer:agreement_detail", args=[agreement.pk])).content.decode()
    assert agreement.number
    for word in (
        "单位中心",
        "签约管理",
        "查看详情",
        "①",
        "单位发起签约",
        "②",
        "学生处理",
        "③",
        "管理员审核",
        "就业信息",
        "协议就业（线上签约）",
        "协议书编号",
        agreement.number,
        "拟录用岗位",
        "签约时间",
        "协议书状态",
        "已生效",
        "甲方",
        "乙方",
        "统一社会信用代码",
        "毕业学校",
        "流程追踪",
        "用户名称",
        "时间",
        "操作",
        "备注",
        "学校审核通过",
        "申请解约",
    ):
        assert word in page, word
    assert mask_id_number(world.student.id_number) in page
    assert world.student.id_number not in page
    assert "修改邀约" not in page and ">撤回<" not in page
    assert "查看原图" in page and "下载协议书" in page  # the documents app's links, once numbered
    invited = world.reach("invited", student=world.other_student)
    page = login_as(world.employer).get(reverse("employer:agreement_detail", args=[invited.pk])).content.decode()
    assert "下载协议书" not in page and "修改邀约" in page and ">撤回<" in page


def test_modify_an_invitation(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("invited")
    client = login_as(world.employer)
    url = reverse("employer:agreement_modify", args=[agreement.pk])
    page = client.get(url).content.decode()
    assert "修改邀约" in page and 'value="软件开发工程师"' in page
    data = {**wf.terms_as_dict(agreement.current_terms), "position": "高级工程师", "monthly_salary": "12000"}
    data = {k: "" if v is None else v for k, v in data.items()}
    response = client.post(url, data, follow=True)
    assert "已修改对李明的邀约" in response.content.decode()
    agreement.refresh_from_db()
    assert current_terms(agreement).position == "高级工程师"
    assert current_terms(agreement).version == 2


def test_modify_a_signed_agreement_needs_renewed_consent(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("school_review")
    client = login_as(world.employer)
    data = {k: "" if v is None else v for k, v in wf.terms_as_dict(agreement.current_terms).items()}
    page = client.get(reverse("employer:agreement_modify", args=[agreement.pk])).content.decode()
    assert "须学生再次同意" in page
    client.post(
        reverse("employer:agreement_modify", args=[agreement.pk]), {**data, "monthly_salary": "9900", **CONFIRMED}
    )
    agreement.refresh_from_db()
    assert agreement.status == Status.INVITED
    detail = client.get(reverse("employer:agreement_detail", args=[agreement.pk])).content.decode()
    assert "本版条款相对学生上次同意的版本修改了" in detail and "8000 → 9900" in detail
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    detail = client.get(reverse("employer:agreement_detail", args=[agreement.pk])).content.decode()
    trail = detail.split("流程追踪")[1]
    assert trail.index("单位修改邀约") < trail.index("学生同意邀约", trail.index("单位修改邀约"))


def test_modify_errors_and_refusals(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("invited")
    client = login_as(world.employer)
    url = reverse("employer:agreement_modify", args=[agreement.pk])
    data = {k: "" if v is None else v for k, v in wf.terms_as_dict(agreement.current_terms).items()}
    page = client.post(url, {**data, "probation_months": "9"}).content.decode()
    assert "试用期（月）应在0到6之间" in page and 'value="9"' in page
    assert "条款没有变化" in client.post(url, data).content.decode()
    effective = world.reach("effective", student=world.other_student)
    response = client.get(reverse("employer:agreement_modify", args=[effective.pk]), follow=True)
    assert "不能修改邀约" in response.content.decode()


def test_withdraw(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("invited")
    client = login_as(world.employer)
    url = reverse("employer:agreement_withdraw", args=[agreement.pk])
    page = client.get(url).content.decode()
    assert "撤回邀约" in page and "确定撤回" in page
    response = client.post(url, CONFIRMED, follow=True)
    assert "已撤回对李明的邀约" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.WITHDRAWN
    again = client.post(url, CONFIRMED).content.decode()
    assert "不能撤回" in again


def test_withdraw_through_htmx_redirects(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("invited")
    client = login_as(world.employer)
    url = reverse("employer:agreement_withdraw", args=[agreement.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "确定撤回" in fragment
    response = client.post(url, CONFIRMED, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("employer:agreement_detail", args=[agreement.pk])


def test_export_is_the_filtered_list_masked(world: World, login_as: LoginAs) -> None:
    a = world.reach("invited")
    world.reach("effective", student=world.other_student)
    client = login_as(world.employer)
    response = client.get(reverse("employer:agreement_export"), {"tab": "pending"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("院校名称", "姓名", "身份证号", "学历", "专业", "邀请日期", "应约状态", "审核状态")
    assert [r[1] for r in rows[1:]] == ["李明"]
    assert rows[1][2] == mask_id_number(world.student.id_number)
    everything = client.get(reverse("employer:agreement_export"))
    assert len(list(load_workbook(io.BytesIO(everything.content)).worksheets[0].iter_rows())) == 3
    ticked = client.get(reverse("employer:agreement_export"), {"ids": [a.pk]})
    assert len(list(load_workbook(io.BytesIO(ticked.content)).worksheets[0].iter_rows())) == 2


def test_filter_choices_never_read_distinct_rows(world: World, login_as: LoginAs) -> None:
    """The 毕业年度 choices are DISTINCT years, not DISTINCT (year, invited_at, id): one per agreement."""
    client = login_as(world.employer)
    world.reach("effective")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("employer:agreements")).content.decode()
    distinct = [q["sql"] for q in ctx.captured_queries if "DISTINCT" in q["sql"]]
    assert distinct and not any("invited_at" in sql for sql in distinct), distinct
    assert f'<option value="{world.student.graduation_year}"' in page
