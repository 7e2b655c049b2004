"""生源名单's activation codes (xlsx, one student on screen) and 登录失败记录."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.models import ActivationCode, Student
from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db


def _unactivated(*students: Student) -> None:
    for student in students:
        assert student.user is not None
        student.user.password = make_password(None)
        student.user.save(update_fields=["password"])


def test_codes_for_the_unactivated_of_the_filtered_list_as_xlsx(
    world: World, client: Client, login_as: LoginAs
) -> None:
    _unactivated(world.student, world.other_student, world.outsider_student)
    login_as(world.school_admin)
    page = client.get(reverse("school:students")).content.decode()
    assert "为当前筛选结果中未激活的学生生成激活码" in page and "未激活" in page
    response = client.post(
        reverse("school:activation_codes"),
        {"scope": "unactivated", "college": str(world.college.pk), "year": "", "major": "", "q": ""},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("学号", "姓名", "院系", "专业", "激活码", "有效期至", "激活网址")
    assert [r[0] for r in rows[1:]] == [world.student.student_no]  # the other college's and school's are not in it
    assert str(rows[1][6]).endswith("/activate/?school=10145")  # the school already chosen
    assert ActivationCode.objects.filter(revoked_at__isnull=True).count() == 1


def test_codes_for_ticked_students_and_a_clear_message_for_none(
    world: World, client: Client, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    numbers = [world.student.student_no, world.other_student.student_no]
    response = client.post(reverse("school:activation_codes"), {"scope": "selected", "student_numbers": numbers})
    assert response.status_code == 200
    assert ActivationCode.objects.count() == 2
    empty = client.post(reverse("school:activation_codes"), {"scope": "selected"}, follow=True)
    assert "请至少填写一个学号" in empty.content.decode()
    assert ActivationCode.objects.count() == 2


def test_new_code_for_a_student_who_lost_access(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    detail = client.get(reverse("school:student", args=[world.student.pk])).content.decode()
    assert "生成激活码" in detail and "（已激活）" in detail
    first = client.post(reverse("school:student_activation_code", args=[world.student.pk]))
    second = client.post(reverse("school:student_activation_code", args=[world.student.pk]))
    assert second.status_code == 200 and "此前为该学生生成的激活码已失效" in second.content.decode()
    assert first.content != second.content
    assert ActivationCode.objects.filter(revoked_at__isnull=True).count() == 1
    # another school's student answers 404; a college admin may never do it
    assert client.post(reverse("school:student_activation_code", args=[world.outsider_student.pk])).status_code == 404
    login_as(world.college_admin)
    assert client.post(reverse("school:student_activation_code", args=[world.student.pk])).status_code == 403
    assert client.post(reverse("school:activation_codes"), {"scope": "unactivated"}).status_code == 403


def test_failed_logins_of_the_schools_accounts(world: World, client: Client, login_as: LoginAs) -> None:
    anonymous = Client()
    for username in (world.student.user.username, world.outsider_student.user.username, "nobody"):
        anonymous.post(reverse("web:login"), {"username": username, "password": "wrong-pass"})
    login_as(world.school_admin)
    page = client.get(reverse("school:failed_logins")).content.decode()
    assert world.student.student_no in page and world.student.name in page and "登录页" in page
    assert world.student.user.username not in page  # the 学号 is shown, never the internal `院校代码:学号`
    assert world.outsider_student.student_no not in page and "nobody" not in page
    login_as(world.college_admin)
    assert client.get(reverse("school:failed_logins")).status_code == 403
