"""毕业去向 pages: report a 去向 whose fields follow the kind, prove it, submit; an agreement fills it in."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import Destination
from student.tests.conftest import text_of
from testsupport import LoginAs, World, confirmation_fields

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def test_report_prove_and_submit(world: World, student_client: Client) -> None:
    home = text_of(student_client.get(reverse("student:destination")).content.decode())
    assert "尚未登记毕业去向" in home and "未登记" in home

    form = student_client.get(reverse("student:destination_edit"), {"code": "80"}).content.decode()
    assert "录取学校" in form and "录取专业" in form and "单位名称" not in form

    refused = student_client.post(reverse("student:destination_edit"), {"code": "80", "school_name": "东北大学"})
    assert refused.status_code == 400
    assert "请填写录取专业" in refused.content.decode()
    assert Destination.objects.get().code == ""  # nothing saved

    saved = student_client.post(
        reverse("student:destination_edit"), {"code": "80", "school_name": "东北大学", "programme": "法学"}
    )
    assert saved.status_code == 302
    page = text_of(student_client.get(reverse("student:destination")).content.decode())
    assert "升学（80）" in page and "录取学校 东北大学" in page and "未提交" in page

    student_client.post(reverse("student:destination_submit"))
    assert Destination.objects.get().status == "draft"  # refused: no proof yet
    student_client.post(
        reverse("student:destination_attach"), {"file": SimpleUploadedFile("录取通知书.pdf", PDF, "application/pdf")}
    )
    asked = student_client.post(reverse("student:destination_submit"))  # 本人确认 first (issue 20)
    assert asked.status_code == 403 and "本人确认" in asked.content.decode() and "升学" in asked.content.decode()
    sent = student_client.post(reverse("student:destination_submit"), {"send_code": "1"})
    assert sent.status_code == 200 and 'name="code"' in sent.content.decode()
    proof = confirmation_fields(world.student.user, "destination_submit")
    student_client.post(reverse("student:destination_submit"), {"confirmed": "1", **proof})
    destination = Destination.objects.get()
    assert destination.status == "college_review"
    page = text_of(student_client.get(reverse("student:destination")).content.decode())
    assert "待学院审核" in page and "录取通知书.pdf" in page and "学生提交审核" in page
    assert "修改去向" not in page  # under review


def test_region_field_keeps_the_chosen_county(world: World, student_client: Client) -> None:
    data = {
        "code": "76",
        "position": "独立摄影师",
        "unit_location_p": "210000",
        "unit_location_c": "210100",
        "unit_location": "210102",
    }
    assert student_client.post(reverse("student:destination_edit"), data).status_code == 302
    form = student_client.get(reverse("student:destination_edit")).content.decode()
    assert '<option value="210102" selected>' in form
    page = text_of(student_client.get(reverse("student:destination")).content.decode())
    assert "工作地点 辽宁省沈阳市和平区" in page


def test_others_attachment_is_404(world: World, login_as: LoginAs, student_client: Client) -> None:
    student_client.post(reverse("student:destination_edit"), {"code": "72"})
    student_client.post(
        reverse("student:destination_attach"), {"file": SimpleUploadedFile("说明.pdf", PDF, "application/pdf")}
    )
    attachment = Destination.objects.get().attachments.get()
    url = reverse("web:attachment", args=[attachment.pk])
    assert student_client.get(url).content == PDF
    assert login_as(world.college_admin).get(url).status_code == 200
    assert login_as(world.other_college_admin).get(url).status_code == 404
    assert login_as(world.other_student).get(url).status_code == 404
    assert login_as(world.employer).get(url).status_code == 404
    assert (
        login_as(world.other_student).post(reverse("student:destination_detach", args=[attachment.pk])).status_code
        == 404
    )


def test_effective_agreement_is_shown_and_locks_the_form(world: World, student_client: Client) -> None:
    agreement = world.reach("effective")
    page = text_of(student_client.get(reverse("student:destination")).content.decode())
    assert "签就业协议形式就业（10）" in page and "审核通过" in page
    assert f"由就业协议书（编号 {agreement.number}）自动登记" in page
    assert "填写去向" not in page and "修改去向" not in page
    assert (
        "毕业去向已由就业协议书登记"
        in student_client.post(reverse("student:destination_edit"), {"code": "70"}).content.decode()
    )
