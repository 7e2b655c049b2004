"""纸质协议登记 pages: register with a scan, see it waiting for the school, resubmit after a 退回, withdraw."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import Agreement
from core.services import agreements as wf
from student.tests.conftest import text_of
from testsupport import PAPER_EXTRA, LoginAs, World, confirmation_fields

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends

SCAN = b"%PDF-1.4\n%%EOF\n"
FORM = {
    **PAPER_EXTRA,
    "employer_name": "大连星海教育咨询有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "10",
    "position": "课程顾问",
    "work_location_p": "210000",
    "work_location_c": "210200",
    "work_location": "210202",
    "monthly_salary": "6000",
}


def test_register_then_resubmit_after_return(world: World, student_client: Client, login_as: LoginAs) -> None:
    missing = student_client.post(reverse("student:paper_register"), {**FORM, "position": ""})
    assert missing.status_code == 400
    page = missing.content.decode()
    assert "请填写拟聘用职位" in page and "请上传协议书扫描件" in page and "大连星海教育咨询有限公司" in page

    scan = SimpleUploadedFile("协议书.pdf", SCAN, "application/pdf")
    asked = student_client.post(reverse("student:paper_register"), {**FORM, "scan": scan})
    assert asked.status_code == 403 and "此操作须本人确认" in asked.content.decode()  # issue 20
    assert not Agreement.objects.exists()
    proof = confirmation_fields(world.student.user, "paper")
    scan = SimpleUploadedFile("协议书.pdf", SCAN, "application/pdf")
    done = student_client.post(reverse("student:paper_register"), {**FORM, "scan": scan, **proof})
    agreement = Agreement.objects.get()
    assert done.status_code == 302 and agreement.paper and agreement.status == "school_review"
    detail = text_of(student_client.get(reverse("student:agreement_detail", args=[agreement.pk])).content.decode())
    assert "纸质协议" in detail and "正在等待 学校审核" in detail and "协议书.pdf" in detail

    school_page = login_as(world.school_admin).get(reverse("school:reviews")).content.decode()
    assert "大连星海教育咨询有限公司" in school_page and "纸质协议" in school_page

    wf.agreement_return(agreement, remark="扫描件不清晰", acting_user=world.school_admin)
    student_client = login_as(world.student)
    form = student_client.get(reverse("student:paper_resubmit", args=[agreement.pk])).content.decode()
    assert "扫描件不清晰" in form and 'value="课程顾问"' in form and '<option value="210202" selected>' in form
    proof = confirmation_fields(world.student.user, "resubmit", agreement)
    student_client.post(
        reverse("student:paper_resubmit", args=[agreement.pk]), {**FORM, "position": "课程顾问（高级）", **proof}
    )
    agreement.refresh_from_db()
    assert agreement.status == "school_review" and agreement.current_terms.position == "课程顾问（高级）"  # type: ignore[union-attr]

    student_client.post(reverse("student:paper_withdraw", args=[agreement.pk]), CONFIRMED)
    assert Agreement.objects.get().status == "withdrawn"
