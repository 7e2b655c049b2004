"""Paper 就业协议书: the student registers it with a scan, the school reviews it; once approved it is an agreement
like the others (one-active rule, 去向, statistics), marked as signed on paper; the employer never sees it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import Agreement, Employer, Student
from core.services.stats import school_stats
from core.services.stats_counters import counters_diff
from testsupport import PAPER_EXTRA, ApiClient, World, invite

pytestmark = pytest.mark.django_db

SCAN = b"\xff\xd8\xff\xe0" + b"\x00" * 64  # a JPEG's first bytes
PAPER = {
    **PAPER_EXTRA,
    "employer_name": "沈阳鼎新科技有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "10",
    "position": "法务专员",
    "work_location": "210102",
    "monthly_salary": "8000",
    "probation_months": "3",
}


def as_(client: Client, person: Any) -> ApiClient:
    user = person.user if isinstance(person, Student) else person
    assert user is not None
    return ApiClient(client.__class__()).login(user)


def register(api: ApiClient, data: dict[str, str] = PAPER, scan: bytes = SCAN, *, confirmed: bool = True) -> Any:
    """纸质协议登记 through the API, with the graduate's 本人确认 (action `paper`) unless `confirmed` is False."""
    proof = {"confirmation": api.confirm("paper", None)} if confirmed else {}
    upload = SimpleUploadedFile("协议书.jpg", scan, "image/jpeg")
    return api.post("/agreements/paper", {**data, **proof, "scan": upload}, format="multipart")


def test_register_review_and_count(world: World, client: Client) -> None:
    me = as_(client, world.student)
    (online,) = invite(world.employer, world.student)
    created = register(me)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["paper"], body["number"]) == ("school_review", True, None)
    assert body["terms"]["position"] == "法务专员" and body["terms"]["unit_name"] == "沈阳鼎新科技有限公司"
    assert body["attachments"][0]["content_type"] == "image/jpeg"
    assert [e["action"] for e in body["events"]] == ["paper_register"]
    employer = Employer.objects.get(credit_code="1210000046300354XU")
    assert employer.verification_status == "paper"  # not registered here: a row it claims later
    agreement_id = body["id"]

    # The student holds an agreement now: an online invitation cannot be accepted, a second paper not registered.
    assert me.post(f"/agreements/{online.pk}/accept").json()["code"] == "student_signed"
    assert register(me).json()["code"] == "student_signed"

    assert as_(client, world.college_admin).post(f"/agreements/{agreement_id}/approve").status_code == 409
    school = as_(client, world.school_admin)
    returned = school.post(f"/agreements/{agreement_id}/return", {"remark": "扫描件缺少单位盖章页"})
    assert (
        returned.json()["status"] == "returned"
        and "resubmit" in me.get(f"/agreements/{agreement_id}").json()["actions"]
    )
    page = SimpleUploadedFile("盖章页.pdf", b"%PDF-1.4\n", "application/pdf")
    proof = me.confirm("resubmit", agreement_id)
    resubmitted = me.post(
        f"/agreements/{agreement_id}/resubmit",
        {**PAPER, "position": "法务助理", "scan": page, "confirmation": proof},
        format="multipart",
    )
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["status"] == "school_review" and len(resubmitted.json()["attachments"]) == 2
    effective = school.post(f"/agreements/{agreement_id}/approve").json()
    assert (effective["status"], effective["number"], effective["paper"]) == ("effective", None, True)

    destination = me.get("/destinations/me").json()
    assert (destination["code"], destination["source"], destination["agreement_id"]) == (
        "10",
        "agreement",
        agreement_id,
    )
    assert destination["current"]["position"] == "法务助理"
    stats = school_stats(world.school, graduation_year=world.student.graduation_year)
    assert stats.total.effective == 1  # counts for 签约率 like an online agreement

    # 解约 of a paper agreement: the school reviews it (there is no employer in the system to answer).
    proof = me.confirm("termination", agreement_id)
    requested = me.post(f"/agreements/{agreement_id}/termination", {"reason": "考取研究生", "confirmation": proof})
    assert requested.json()["status"] == "termination_review"
    assert school.post(f"/agreements/{agreement_id}/termination/approve").json()["status"] == "terminated"
    assert me.get("/destinations/me").json()["status"] == "unregistered"
    assert counters_diff() == {}  # the counters followed every step


def test_the_verified_employer_sees_it_read_only_and_others_never(world: World, client: Client) -> None:
    data = {**PAPER, "credit_code": world.employer.employer.credit_code}
    body = register(as_(client, world.student), data).json()
    assert Agreement.objects.get(pk=body["id"]).employer_id == world.employer.employer_id  # the existing employer
    scan_url = body["attachments"][0]["url"].removeprefix("/api/v1")
    # The verified employer it names sees it and its scan, to dispute it (issue 19 item 6(d)); it acts on nothing.
    hr = as_(client, world.employer)
    assert hr.get(f"/agreements/{body['id']}").json()["actions"] == []
    assert hr.post(f"/agreements/{body['id']}/withdraw").status_code == 409
    assert hr.get(scan_url).status_code == 200
    assert as_(client, world.other_employer).get(scan_url).status_code == 404
    assert as_(client, world.other_student).get(scan_url).status_code == 404
    assert as_(client, world.other_college_admin).get(scan_url).status_code == 404
    assert as_(client, world.school_admin).get(scan_url).status_code == 200
    assert as_(client, world.college_admin).get(scan_url).content == SCAN


def test_bad_registrations_change_nothing(world: World, client: Client) -> None:
    me = as_(client, world.student)
    bad = register(me, {**PAPER, "credit_code": "123", "position": ""})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"credit_code", "position"}
    not_a_scan = register(me, scan=b"<html>")
    assert not_a_scan.json()["errors"] == {"scan": "附件“协议书.jpg”不是 PDF、JPG 或 PNG 文件"}
    assert (
        as_(client, world.employer)
        .post("/agreements/paper", {**PAPER, "scan": SimpleUploadedFile("a.jpg", SCAN)}, format="multipart")
        .status_code
        == 403
    )
    assert Agreement.objects.count() == 0


def test_withdraw_a_registration(world: World, client: Client) -> None:
    me = as_(client, world.student)
    agreement_id = register(me).json()["id"]
    withdrawn = me.post(f"/agreements/{agreement_id}/withdraw").json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["events"][-1]["action_label"] == "学生撤回纸质协议登记"
    assert register(me).status_code == 201  # free to register again


def test_an_employer_named_on_paper_claims_its_row_when_it_registers(world: World, client: Client) -> None:
    from testsupport import register_employer

    register(as_(client, world.student))
    data = {
        "name": "沈阳鼎新科技有限公司",
        "credit_code": "1210000046300354XU",
        "contact_person": "王经理",
        "phone": "13800138000",
        "email": "hr@dingxin.example.com",
        "address": "沈阳市和平区",
    }
    user = register_employer("dingxin_hr", data)
    employer = Employer.objects.get(credit_code="1210000046300354XU")
    assert user.employer_id == employer.pk and employer.verification_status == "pending"
    assert Employer.objects.count() == 3  # the world's two and this one: no second row
    hr = ApiClient(client.__class__()).login(user, "Dingxin-2027-pass")
    assert hr.get("/agreements").json()["count"] == 0  # the paper agreement stays the student's and the school's
