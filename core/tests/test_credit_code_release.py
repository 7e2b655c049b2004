"""A rejected employer registration frees its 统一社会信用代码 (issue 19 item 6(b)): the real company registers with it;
the rejected registration is kept, marked 已驳回, and can never be verified nor act under that code."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.errors import Conflict, InvalidInput
from core.models import Agreement, Employer, User
from core.services.employers import employer_verify
from core.services.paper_agreements import paper_agreement_register
from sampledata.demo import sample_licence_pdf
from testsupport import PAPER_EXTRA, LoginAs, World, confirm, last_sms_code, register_employer

pytestmark = pytest.mark.django_db

CODE = "1210000046300354XU"  # a company's public 统一社会信用代码
COMPANY = {
    "name": "沈阳鼎新科技有限公司",
    "credit_code": CODE,
    "contact_person": "王经理",
    "phone": "13800138000",
    "email": "hr@dingxin.example.com",
    "address": "沈阳市和平区",
}
SQUATTER = {**COMPANY, "name": "鼎新科技", "contact_person": "李某", "email": "x@squat.example.com"}
PAPER = {
    **PAPER_EXTRA,
    "employer_name": "沈阳鼎新科技有限公司",
    "credit_code": CODE,
    "position_category": "10",
    "position": "法务专员",
    "work_location": "210102",
    "monthly_salary": "8000",
    "probation_months": "3",
}


_mobiles = itertools.count(13800138000)


def register(username: str, data: dict[str, Any]) -> User:
    return register_employer(username, data, mobile=str(next(_mobiles)))


def test_a_rejected_registration_frees_the_code_for_the_real_company(world: World) -> None:
    squatter = register("squatter", SQUATTER)
    with pytest.raises(InvalidInput, match="已注册"):  # while it waits, the code is held
        register("dingxin_hr", COMPANY)
    employer_verify(
        squatter.employer_id or 0, approve=False, remark="营业执照与单位名称不符", acting_user=world.school_admin
    )

    real = register("dingxin_hr", COMPANY)
    assert real.employer is not None and real.employer_id != squatter.employer_id
    assert real.employer.verification_status == Employer.Verification.PENDING
    employer_verify(real.employer_id or 0, approve=True, acting_user=world.school_admin)

    # The rejected registration is kept and marked; it can never be verified, and the code is the real company's.
    kept = Employer.objects.get(pk=squatter.employer_id or 0)
    assert kept.verification_status == Employer.Verification.REJECTED and kept.credit_code == CODE
    with pytest.raises(Conflict):
        employer_verify(kept.pk, approve=True, acting_user=world.school_admin)
    assert Employer.objects.filter(credit_code=CODE).exclude(verification_status="rejected").count() == 1
    with pytest.raises(InvalidInput, match="已注册"):
        register("another", COMPANY)


def test_the_rejected_account_is_told_the_code_is_released_and_the_school_sees_the_history(
    world: World, login_as: LoginAs, client: Client
) -> None:
    squatter = register("squatter", SQUATTER)
    employer_verify(
        squatter.employer_id or 0, approve=False, remark="营业执照与单位名称不符", acting_user=world.school_admin
    )
    page = login_as(squatter).get(reverse("employer:home")).content.decode()
    assert (
        "单位资质审核未通过（营业执照与单位名称不符）" in page
        and f"不能再以统一社会信用代码 {CODE} 使用网签系统" in page
    )
    # The page path of registration takes the code too.
    client.logout()
    data = {**COMPANY, "username": "dingxin_hr", "password": "Dingxin-2027-pass", "password2": "Dingxin-2027-pass"}
    client.post(reverse("employer:register_code"), {"mobile": "13700137000"})
    data |= {"mobile": "13700137000", "sms_code": last_sms_code("13700137000")}
    licence = SimpleUploadedFile("执照.pdf", sample_licence_pdf(COMPANY["name"], CODE))
    response = client.post(reverse("employer:register"), {**data, "licence": licence})
    assert response.status_code == 302, response.content.decode()
    real = User.objects.get(username="dingxin_hr")
    detail = login_as(world.school_admin).get(reverse("school:employer", args=[real.employer_id])).content.decode()
    assert "此代码曾有1次注册被驳回：鼎新科技" in detail and "营业执照与单位名称不符" in detail


def test_a_rejected_claim_gives_the_paper_agreements_back_to_the_unregistered_row(world: World) -> None:
    assert world.student.user is not None
    paper = paper_agreement_register(
        PAPER,
        scan_name="协议书.pdf",
        scan=b"%PDF-1.4\n",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "paper"),
    )
    paper_row = paper.employer_id
    squatter = register("squatter", SQUATTER)  # claims the 未注册 row
    assert squatter.employer_id == paper_row
    employer_verify(paper_row, approve=False, remark="非本单位", acting_user=world.school_admin)

    squatter.refresh_from_db()
    assert squatter.employer_id != paper_row
    assert Employer.objects.get(pk=squatter.employer_id or 0).verification_status == Employer.Verification.REJECTED
    back = Employer.objects.get(pk=paper_row)
    assert back.verification_status == Employer.Verification.UNREGISTERED
    assert back.name == "沈阳鼎新科技有限公司" and back.contact_person == "" and back.email == ""
    assert not back.licence and Employer.objects.get(pk=squatter.employer_id or 0).licence  # the scan is the claimer's
    assert Agreement.objects.get(pk=paper.pk).employer_id == paper_row

    real = register("dingxin_hr", COMPANY)  # the real company claims the papers' row
    assert real.employer_id == paper_row


def test_a_paper_agreement_never_attaches_to_a_rejected_registration(world: World) -> None:
    assert world.student.user is not None
    squatter = register("squatter", SQUATTER)
    employer_verify(squatter.employer_id or 0, approve=False, remark="非本单位", acting_user=world.school_admin)
    paper = paper_agreement_register(
        PAPER,
        scan_name="协议书.pdf",
        scan=b"%PDF-1.4\n",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "paper"),
    )
    assert paper.employer_id != squatter.employer_id
    assert paper.employer.verification_status == Employer.Verification.UNREGISTERED
