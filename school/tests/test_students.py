"""生源名单: search, detail, correction (school admin) with every error beside its field."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.identifiers import make_id_number
from core.models import Major, Student, StudentChange
from testsupport import LoginAs, World, make_student

pytestmark = pytest.mark.django_db


def test_list_and_search(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    url = reverse("school:students")
    page = client.get(url).content.decode()
    assert "李明" in page and "王芳" in page and "张伟" not in page  # not another school's
    assert "李明" not in client.get(url, {"q": "王芳"}).content.decode()
    assert "李明" in client.get(url, {"q": world.student.student_no}).content.decode()
    assert "李明" in client.get(url, {"q": world.student.id_number}).content.decode()
    assert "李明" not in client.get(url, {"college": world.other_college.pk}).content.decode()
    assert "王芳" in client.get(url, {"major": "计算机"}).content.decode()
    assert "李明" not in client.get(url, {"year": "2026"}).content.decode()


def test_list_shows_signing_status(world: World, client: Client, login_as: LoginAs) -> None:
    world.reach("school_review")
    login_as(world.school_admin)
    page = client.get(reverse("school:students")).content.decode()
    assert "待学校审核" in page and "未签约" in page


def test_college_admin_sees_their_college_read_only(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.college_admin)
    page = client.get(reverse("school:students"), {"college": world.other_college.pk}).content.decode()
    assert "李明" in page and "王芳" not in page
    assert reverse("school:student_edit", args=[world.student.pk]) not in page
    assert client.get(reverse("school:student", args=[world.student.pk])).status_code == 200
    assert client.get(reverse("school:student", args=[world.other_student.pk])).status_code == 404
    assert client.post(reverse("school:student_edit", args=[world.student.pk]), {}).status_code == 403


def test_detail_lists_the_students_agreements(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    login_as(world.school_admin)
    page = client.get(reverse("school:student", args=[world.student.pk])).content.decode()
    assert agreement.number
    assert world.student.id_number in page and agreement.number in page
    assert reverse("school:agreement", args=[agreement.pk]) in page


def _form(student: Student, **changes: Any) -> dict[str, Any]:
    data = {
        "name": student.name,
        "gender": student.gender,
        "id_number": student.id_number,
        "phone": student.phone,
        "email": student.email,
        "graduation_year": str(student.graduation_year),
        "major": str(student.major_id),
        "degree": student.degree,
    }
    data.update(changes)
    return data


def test_correction_errors_beside_each_field_and_nothing_saved(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    student = world.student
    foreign_major = world.outsider_student.major_id
    data = _form(
        student,
        name="",
        id_number="21010220040101001",
        phone="1234",
        email="bad@",
        graduation_year="27",
        major=str(foreign_major),
        degree="中专",
    )
    response = client.post(reverse("school:student_edit", args=[student.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "请填写姓名",
        "身份证号应为18位",
        "手机号应为11位大陆手机号码",
        "邮箱格式不正确",
        "毕业年度应为四位年份",
        "请选择本校的院系和专业",
        "学历应为专科、本科、硕士研究生或博士研究生",
    ):
        assert message in page, message
    assert 'value="21010220040101001"' in page  # what was typed stays
    student.refresh_from_db()
    assert student.name == "李明"


def test_gender_must_match_and_id_number_unique_in_school(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.post(reverse("school:student_edit", args=[world.student.pk]), _form(world.student, gender="女"))
    assert "性别与身份证号不符" in response.content.decode()
    taken = _form(world.student, id_number=world.other_student.id_number)
    response = client.post(reverse("school:student_edit", args=[world.student.pk]), taken)
    assert "本校已有其他学生使用该身份证号" in response.content.decode()


def test_correction_moves_the_student_and_their_agreements(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.school_admin)
    major = Major.objects.create(college=world.other_college, name="软件工程")
    new_id = make_id_number(777, female=True)
    data = _form(world.student, name="李明明", gender="女", id_number=new_id, major=str(major.pk), degree="master")
    response = client.post(reverse("school:student_edit", args=[world.student.pk]), data)
    assert response["Location"] == reverse("school:student", args=[world.student.pk])
    student = Student.objects.select_related("user").get(pk=world.student.pk)
    assert (student.name, student.id_number, student.college, student.major) == (
        "李明明",
        new_id,
        world.other_college,
        major,
    )
    assert student.user is not None
    assert student.user.display_name == "李明明"
    agreement.refresh_from_db()
    assert agreement.college == world.other_college  # now reviewed by the new college
    login_as(world.other_college_admin)
    assert "李明明" in client.get(reverse("school:reviews")).content.decode()
    # The correction is recorded: who, when, and each field's old and new value.
    (change,) = StudentChange.objects.filter(student=student)
    assert change.actor == world.school_admin
    assert change.changes["姓名"] == ["李明", "李明明"]
    assert change.changes["院系/专业"] == ["文法学院/法学", "信息科学与工程学院/软件工程"]
    login_as(world.school_admin)
    detail = client.get(reverse("school:student", args=[student.pk])).content.decode()
    assert "修改记录" in detail and "姓名：李明 → 李明明" in detail


def test_saving_unchanged_data_records_nothing(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    client.post(reverse("school:student_edit", args=[world.student.pk]), _form(world.student))
    assert not StudentChange.objects.exists()


def test_list_query_count_is_constant(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:students"))
    for n in range(8):
        student = make_student(world.college if n % 2 else world.other_college)
        if n % 3 == 0:
            world.reach("college_review", student=student)
    cache.clear()  # both views measured with cold caches (filter choices are kept)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("school:students")).content.decode()
    assert page.count(">查看</a>") == 10
    assert len(many) == len(few)
