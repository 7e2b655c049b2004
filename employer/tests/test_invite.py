"""签约邀请: search, 加入, removal, 导入拟签约名单, 邀请函 with per-student overrides, 确认发送."""

from __future__ import annotations

import datetime
import re
from typing import Any

import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.masking import mask_id_number, mask_phone
from core.models import Agreement, SendListItem, Status
from core.services.employers import employer_search_students
from testsupport import TERMS, LoginAs, World, current_terms, make_student, xlsx_bytes


def _search(client: Client, student: Any, keyword: str | None = None) -> str:
    params = {
        "search": 1,
        "year": student.graduation_year,
        "name": student.name,
        "keyword": keyword or student.id_number,
    }
    return client.get(reverse("employer:invite"), params).content.decode()


def _list(world: World, *students: Any) -> None:
    for s in students:
        employer_search_students(
            graduation_year=s.graduation_year, name=s.name, id_number=s.id_number, acting_user=world.employer
        )
        SendListItem.objects.create(employer=world.employer.employer, student=s)


def test_invite_page_shows_the_manuals_words(world: World, login_as: LoginAs) -> None:
    page = login_as(world.employer).get(reverse("employer:invite")).content.decode()
    for word in (
        "流程简介：签约搜索——加入列表——签约发送",
        "收起 ^",
        "① 在搜索栏输入拟签约学生信息",
        "④ 协议书修改",
        "毕业年度",
        "姓名",
        "手机号或身份证号",
        "搜索",
        "签约发送列表",
        "毕业院校",
        "院系",
        "学历",
        "专业",
        "操作",
        "导入拟签约名单",
        "下载模板",
        "暂无数据!",
        "当前共0条记录",
    ):
        assert word in page, word


def test_search_needs_all_three(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:invite"), {"search": "1", "year": "", "name": "", "keyword": ""})
    text = page.content.decode()
    assert "请选择毕业年度" in text and "请输入学生姓名" in text and "请输入手机号或身份证号" in text
    page = client.get(reverse("employer:invite"), {"search": "1", "year": "²²²²", "name": "某", "keyword": "1"})
    assert page.status_code == 200 and "请选择毕业年度" in page.content.decode()


def test_search_is_exact_and_masked(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    s = world.student
    page = _search(client, s)
    assert mask_id_number(s.id_number) in page and mask_phone(s.phone) in page
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page.split('id="wq-results"')[1].split("</table>")[0])
    assert s.id_number not in cells and s.phone not in cells
    assert "加入" in page
    assert s.name in _search(client, s, keyword=s.phone)
    assert "暂无数据!" in _search(client, s, keyword="13000000000")


def test_add_then_remove(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    s = world.student
    _search(client, s)
    back = reverse("employer:invite") + "?search=1"
    response = client.post(reverse("employer:send_list_add"), {"student_id": s.pk, "back": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert f"已将{s.name}加入签约发送列表" in response.content.decode()
    assert "已加入" in _search(client, s)
    response = client.post(reverse("employer:send_list_remove"), {"ids": [s.pk]}, follow=True)
    assert "已从签约发送列表移除1名学生" in response.content.decode()
    assert not SendListItem.objects.exists()
    response = client.post(reverse("employer:send_list_remove"), {}, follow=True)
    assert "请先勾选要移除的学生" in response.content.decode()


def test_add_needs_a_search_hit(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    assert client.post(reverse("employer:send_list_add"), {"student_id": world.student.pk}).status_code == 404
    assert client.post(reverse("employer:send_list_add"), {"student_id": "x"}).status_code == 404


def test_add_needs_a_recent_search(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    _search(client, world.student)
    with time_machine.travel(datetime.timedelta(days=settings.WANGQIAN_SEARCH_VALID_DAYS, hours=1)):
        client = login_as(world.employer)
        assert client.post(reverse("employer:send_list_add"), {"student_id": world.student.pk}).status_code == 404
        _search(client, world.student)  # searching again makes it reachable again
        response = client.post(reverse("employer:send_list_add"), {"student_id": world.student.pk}, follow=True)
        assert f"已将{world.student.name}加入签约发送列表" in response.content.decode()


def test_removing_what_is_not_on_my_list_is_404(world: World, login_as: LoginAs) -> None:
    _list(world, world.student)
    client = login_as(world.other_employer)
    assert client.post(reverse("employer:send_list_remove"), {"ids": [world.student.pk]}).status_code == 404
    assert SendListItem.objects.count() == 1


def test_import_template_and_rows(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    template = client.get(reverse("employer:send_list_template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    s, o = world.student, world.other_student
    good = xlsx_bytes(
        ["毕业年度", "姓名", "身份证号", "手机号"],
        [[s.graduation_year, s.name, s.id_number, ""], [o.graduation_year, o.name, "", o.phone]],
    )
    response = client.post(reverse("employer:send_list_import"), {"file": good}, follow=True)
    assert "已导入2名学生到签约发送列表" in response.content.decode()
    assert SendListItem.objects.filter(employer=world.employer.employer).count() == 2


def test_import_errors_per_row_and_nothing_imported(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    s = world.student
    bad = xlsx_bytes(
        ["毕业年度", "姓名", "身份证号", "手机号"],
        [
            [s.graduation_year, s.name, s.id_number, ""],
            ["二〇二七", "某人", "", ""],
            [s.graduation_year, "查无此人", "", "13000000000"],
        ],
    )
    page = client.post(reverse("employer:send_list_import"), {"file": bad}).content.decode()
    assert 'id="wq-import-errors"' in page
    assert "第3行" in page and "毕业年度应为四位年份" in page
    assert "第4行" in page and "未找到匹配的学生" in page
    assert not SendListItem.objects.exists()
    page = client.post(reverse("employer:send_list_import"), {}).content.decode()
    assert "请选择要导入的xlsx文件" in page
    junk = xlsx_bytes(["姓名"], [["x"]])
    assert "表头缺少列" in client.post(reverse("employer:send_list_import"), {"file": junk}).content.decode()


def test_letter_needs_students_from_my_list(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    response = client.post(reverse("employer:letter"), {"ids": [world.student.pk]}, follow=True)
    assert "请先在签约发送列表中勾选要邀约的学生" in response.content.decode()


def test_letter_is_prefilled_from_the_profile(world: World, login_as: LoginAs) -> None:
    _list(world, world.student, world.other_student)
    client = login_as(world.employer)
    page = client.post(reverse("employer:letter"), {"ids": [world.student.pk, world.other_student.pk]}).content
    text = page.decode()
    for word in (
        "邀请函",
        "发送",
        "取消",
        "签约信息",
        "档案信息",
        "户口信息",
        "协议条款",
        "单位名称",
        "工作职位类别",
        "拟聘用职位",
        "档案接收类型",
        "单位隶属",
        "户口接收类型",
        "工作地点",
        "月薪（元）",
        "试用期（月）",
        "违约金（元）",
        "其他约定",
        "为个别学生单独设置",
    ):
        assert word in text, word
    assert f'value="{world.employer.employer.name}"' in text
    assert 'value="测试单位人力资源部"' in text
    one = client.post(reverse("employer:letter"), {"one": world.student.pk, "ids": [world.other_student.pk]})
    assert "为个别学生单独设置" not in one.content.decode()  # a row's 邀约 is for that student alone


def test_dispatch_fields_hidden_unless_a_school_shows_them(world: World, login_as: LoginAs) -> None:
    _list(world, world.student)
    client = login_as(world.employer)
    page = client.post(reverse("employer:letter"), {"ids": [world.student.pk]}).content.decode()
    assert "报到证信息" not in page and "报到证抬头" not in page  # 2027 graduates: 报到证 no longer exist
    assert "单位隶属" in page
    world.school.show_dispatch_fields = True
    world.school.save()
    page = client.post(reverse("employer:letter"), {"ids": [world.student.pk]}).content.decode()
    assert "报到证信息" in page and 'name="dispatch_title"' in page


def _letter_data(world: World, **extra: Any) -> dict[str, Any]:
    from core.services.terms import default_terms

    data = {k: v for k, v in default_terms(world.employer.employer).items()}
    data.update({"position_category": "13", "position": "软件开发工程师", "monthly_salary": "8000"})
    data.update(extra)
    return data


def test_preview_then_send_with_an_override(world: World, login_as: LoginAs) -> None:
    a, b = world.student, world.other_student
    _list(world, a, b)
    client = login_as(world.employer)
    data = _letter_data(
        world, ids=[a.pk, b.pk], step="preview", **{f"o{b.pk}-on": "1", f"o{b.pk}-position": "数据分析师"}
    )
    page = client.post(reverse("employer:letter"), data).content.decode()
    assert "确认发送" in page and "返回修改" in page
    assert f"发送给：{a.name}" in page and f"发送给：{b.name}" in page and "数据分析师" in page
    assert not Agreement.objects.exists()  # 发送 only previews
    edit = client.post(reverse("employer:letter"), {**data, "step": "edit"}).content.decode()
    assert 'value="数据分析师"' in edit  # 返回修改 keeps everything
    response = client.post(reverse("employer:letter"), {**data, "step": "send"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("employer:agreements") + "?tab=pending"
    assert "已向2名学生" in response.content.decode()
    positions = {ag.student_id: current_terms(ag).position for ag in Agreement.objects.select_related("current_terms")}
    assert positions == {a.pk: "软件开发工程师", b.pk: "数据分析师"}
    assert not SendListItem.objects.exists()


def test_letter_errors_beside_fields_and_input_kept(world: World, login_as: LoginAs) -> None:
    a, b = world.student, world.other_student
    _list(world, a, b)
    client = login_as(world.employer)
    data = _letter_data(
        world,
        ids=[a.pk, b.pk],
        step="preview",
        position="",
        archive_postcode="1",
        **{f"o{b.pk}-on": "1", f"o{b.pk}-probation_months": "12"},
    )
    page = client.post(reverse("employer:letter"), data).content.decode()
    assert "请填写拟聘用职位" in page
    assert "档案转寄邮编应为6位数字" in page
    assert "试用期（月）应在0到6之间" in page
    assert 'value="12"' in page and 'value="1"' in page
    assert not Agreement.objects.exists()


def test_send_refused_for_a_student_already_signed(world: World, login_as: LoginAs) -> None:
    world.reach("college_review", employer=world.other_employer)
    _list(world, world.student)
    client = login_as(world.employer)
    data = _letter_data(world, ids=[world.student.pk], step="send")
    page = client.post(reverse("employer:letter"), data).content.decode()
    assert "已有签约中的协议" in page
    assert not Agreement.objects.filter(employer=world.employer.employer).exists()


def test_send_list_pages(world: World, login_as: LoginAs) -> None:
    students = [make_student(world.college) for _ in range(12)]
    _list(world, *students)
    client = login_as(world.employer)
    first = client.get(reverse("employer:invite")).content.decode()
    assert "当前共12条记录" in first and "共1/2页" in first
    second = client.get(reverse("employer:invite"), {"page": 2}).content.decode()
    assert "共2/2页" in second and students[-1].name in second
    assert TERMS  # terms helper stays importable for other tests


def test_withdrawn_agreement_lets_the_student_be_invited_again(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("withdrawn")
    assert agreement.status == Status.WITHDRAWN
    _list(world, world.student)
    client = login_as(world.employer)
    client.post(reverse("employer:letter"), _letter_data(world, ids=[world.student.pk], step="send"))
    assert Agreement.objects.filter(status=Status.INVITED).count() == 1
