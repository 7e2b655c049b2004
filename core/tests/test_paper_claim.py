"""Registering with a paper agreement's 统一社会信用代码 (issue 19 item 6(c)): the claim does not rename the 未注册
employer of students' paper agreements before a school verifies it, and only a school of those students verifies it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import NotFound
from core.models import Employer, User
from core.services.employers import employer_verify
from testsupport import PAPER_FORM, LoginAs, World, register_employer, register_paper

pytestmark = pytest.mark.django_db

CLAIM = {
    "name": "鼎新科技",
    "credit_code": PAPER_FORM["credit_code"],
    "contact_person": "李某",
    "phone": "13800138000",
    "email": "x@claim.example.com",
    "address": "沈阳市和平区",
}


def claim() -> User:
    return register_employer("claimer", CLAIM)


def test_a_claim_keeps_the_papers_name_and_contacts_until_it_is_verified(world: World, login_as: LoginAs) -> None:
    paper = register_paper(world.student)
    claimer = claim()
    assert claimer.employer_id == paper.employer_id
    row = Employer.objects.get(pk=paper.employer_id)
    assert (row.name, row.claimed_name, row.verification_status) == (PAPER_FORM["employer_name"], "鼎新科技", "pending")

    student_page = login_as(world.student).get(reverse("student:agreement_detail", args=[paper.pk])).content.decode()
    assert PAPER_FORM["employer_name"] in student_page
    assert "鼎新科技" not in student_page.replace(PAPER_FORM["employer_name"], "")
    assert "x@claim.example.com" not in student_page and "李某" not in student_page
    review = login_as(world.school_admin).get(reverse("school:employer", args=[row.pk])).content.decode()
    assert 'id="wq-claimed-name"' in review and "鼎新科技" in review

    employer_verify(row.pk, approve=True, acting_user=world.school_admin)
    row.refresh_from_db()
    assert (row.name, row.claimed_name, row.verification_status) == ("鼎新科技", "", "verified")


def test_a_rejected_claim_leaves_the_papers_name_and_the_rejected_registration_keeps_its_own(world: World) -> None:
    paper = register_paper(world.student)
    claimer = claim()
    employer_verify(paper.employer_id, approve=False, remark="非本单位", acting_user=world.school_admin)
    claimer.refresh_from_db()
    assert Employer.objects.get(pk=claimer.employer_id or 0).name == "鼎新科技"
    back = Employer.objects.get(pk=paper.employer_id)
    assert (back.name, back.claimed_name, back.verification_status) == (PAPER_FORM["employer_name"], "", "paper")


def test_only_a_school_of_the_papers_students_verifies_the_claim(world: World, login_as: LoginAs) -> None:
    paper = register_paper(world.student)
    claim()
    with pytest.raises(NotFound):
        employer_verify(paper.employer_id, approve=True, acting_user=world.other_school_admin)
    assert Employer.objects.get(pk=paper.employer_id).verification_status == "pending"

    other = login_as(world.other_school_admin)
    listed = other.get(reverse("school:employers"), {"tab": "pending"}).content.decode()
    assert PAPER_FORM["credit_code"] not in listed
    detail = other.get(reverse("school:employer", args=[paper.employer_id])).content.decode()
    assert (
        'id="wq-verified-elsewhere"' in detail
        and reverse("school:employer_verify", args=[paper.employer_id]) not in detail
    )
    refused = other.post(reverse("school:employer_verify", args=[paper.employer_id]), {"approve": "1"})
    assert refused.status_code == 404
    assert Employer.objects.get(pk=paper.employer_id).verification_status == "pending"

    own = login_as(world.school_admin)
    assert PAPER_FORM["credit_code"] in own.get(reverse("school:employers"), {"tab": "pending"}).content.decode()
    own.post(reverse("school:employer_verify", args=[paper.employer_id]), {"approve": "1"})
    assert Employer.objects.get(pk=paper.employer_id).verification_status == "verified"


def test_a_registration_that_relates_to_no_school_is_verified_by_any(world: World) -> None:
    fresh = register_employer("fresh_hr", {**CLAIM, "credit_code": "91210102000424242K"})
    employer_verify(fresh.employer_id or 0, approve=True, acting_user=world.other_school_admin)
    assert Employer.objects.get(pk=fresh.employer_id or 0).verification_status == "verified"
