"""毕业去向登记 through /api/v1/destinations: the student reports and submits, the college and the school review; an
effective agreement and its 解约 keep the 去向 in step; attachments are bounded, sniffed and private."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from core.models import Destination, Student
from core.services import agreements as wf
from core.services.stats_counters import counters_diff
from testsupport import ApiClient, World, confirm

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CONTRACT = {
    "code": "11",
    "unit_name": "沈阳鼎新科技有限公司",
    "unit_credit_code": "",
    "unit_nature": "39",
    "unit_location": "210102",
    "position": "软件工程师",
    "contract_start": "2027-07-01",
    "contract_end": "2030-06-30",
}


def as_(client: Client, person: Any) -> ApiClient:
    user = person.user if isinstance(person, Student) else person
    assert user is not None
    return ApiClient(client.__class__()).login(user)


def upload(api: ApiClient, content: bytes, name: str = "offer.pdf", content_type: str = "application/pdf") -> Any:
    return api.post(
        "/destinations/me/attachments", {"file": SimpleUploadedFile(name, content, content_type)}, format="multipart"
    )


def test_lifecycle_student_college_school(world: World, client: Client) -> None:
    me = as_(client, world.student)
    opened = me.get("/destinations/me")
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "unregistered"
    assert opened.json()["actions"] == ["update", "attach"]

    saved = me.put("/destinations/me", CONTRACT)
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["status"] == "draft" and body["code"] == "11" and body["code_label"] == "签劳动合同形式就业"
    assert body["current"]["unit_location_label"] == "辽宁省沈阳市和平区"

    refused = me.post("/destinations/me/submit")
    assert refused.status_code == 409 and refused.json()["code"] == "attachment_required"
    assert upload(me, PDF).status_code == 201
    unconfirmed = me.post("/destinations/me/submit")  # the proof is there; 本人确认 is not (issue 20)
    assert unconfirmed.status_code == 403 and unconfirmed.json()["code"] == "confirmation_required"
    submitted = me.post("/destinations/me/submit", {"confirmation": me.confirm("destination_submit", None)})
    assert submitted.status_code == 200 and submitted.json()["status"] == "college_review"
    destination_id = submitted.json()["id"]
    assert me.put("/destinations/me", CONTRACT).status_code == 409  # under review

    college = as_(client, world.college_admin)
    listed = college.get("/destinations", status="college_review")
    assert [row["id"] for row in listed.json()["results"]] == [destination_id]
    returned = college.post(f"/destinations/{destination_id}/return", {"remark": "合同页缺少单位盖章"})
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_remark"] == "合同页缺少单位盖章"

    again = {"confirmation": me.confirm("destination_submit", None)}
    assert me.post("/destinations/me/submit", again).json()["status"] == "college_review"
    assert college.post(f"/destinations/{destination_id}/approve").json()["status"] == "school_review"
    school = as_(client, world.school_admin)
    assert college.post(f"/destinations/{destination_id}/approve").status_code == 409  # the school's turn now
    done = school.post(f"/destinations/{destination_id}/approve").json()
    assert done["status"] == "approved"
    assert [e["action"] for e in done["events"]] == [
        "update",
        "attach",
        "submit",
        "college_return",
        "submit",
        "college_approve",
        "school_approve",
    ]
    assert [e["new_status"] for e in done["events"]][-3:] == ["college_review", "school_review", "approved"]
    assert counters_diff() == {}  # 去向落实 counted in the same transactions


def test_fields_depend_on_the_kind(world: World, client: Client) -> None:
    me = as_(client, world.student)
    missing = me.put("/destinations/me", {"code": "80"})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"school_name", "programme"}
    assert missing.json()["errors"]["school_name"] == "请填写录取学校"
    abroad = me.put("/destinations/me", {"code": "85", "country": "新加坡", "school_name": "新加坡国立大学"})
    assert abroad.status_code == 200 and abroad.json()["current"]["country"] == "新加坡"
    assert me.put("/destinations/me", {"code": "10"}).json()["errors"]["code"].startswith("签就业协议形式就业由")
    assert me.put("/destinations/me", {"code": "99"}).status_code == 400
    backwards = dict(CONTRACT, contract_end="2026-01-01")
    assert me.put("/destinations/me", backwards).json()["errors"] == {
        "contract_end": "合同结束日期不能早于合同开始日期"
    }
    bad_date = dict(CONTRACT, contract_start="2027-13-01")
    assert "合同开始日期应为日期" in me.put("/destinations/me", bad_date).json()["detail"]
    # 待就业 is a declaration: no proof needed to submit.
    assert me.put("/destinations/me", {"code": "70"}).status_code == 200
    declared = {"confirmation": me.confirm("destination_submit", None)}
    assert me.post("/destinations/me/submit", declared).json()["status"] == "college_review"
    forms = {f["code"]: f for f in me.get("/destinations/forms").json()}
    assert (
        "10" not in forms and forms["70"]["needs_attachment"] is False and forms["46"]["fields"][0]["label"] == "入伍地"
    )


def test_effective_agreement_and_termination_keep_the_destination_in_step(world: World, client: Client) -> None:
    me = as_(client, world.student)
    me.put("/destinations/me", {"code": "70"})  # 待就业 before signing
    agreement = world.reach("effective")
    mine = me.get("/destinations/me").json()
    assert (mine["status"], mine["source"], mine["code"]) == ("approved", "agreement", "10")
    assert mine["agreement_id"] == agreement.pk
    assert mine["current"]["unit_name"] == "沈阳鼎新科技有限公司"
    assert mine["actions"] == []
    assert me.put("/destinations/me", CONTRACT).json()["code"] == "set_by_agreement"

    # The same agreement goes through 解约.
    assert world.student.user is not None
    wf.termination_request(
        agreement,
        reason="考取研究生",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    wf.termination_accept(agreement, acting_user=world.employer)
    assert me.get("/destinations/me").json()["source"] == "agreement"  # still in force while under 解约审核
    wf.termination_approve(agreement, acting_user=world.school_admin)
    cleared = me.get("/destinations/me").json()
    assert (cleared["status"], cleared["source"], cleared["code"], cleared["current"]) == (
        "unregistered",
        "student",
        "",
        None,
    )
    assert [e["action"] for e in cleared["events"]][-2:] == ["agreement_effective", "agreement_terminated"]
    assert [v["code"] for v in cleared["versions"]] == ["70", "10"]  # history kept
    assert counters_diff() == {}


def test_attachments_are_sniffed_bounded_and_private(world: World, client: Client) -> None:
    me = as_(client, world.student)
    me.put("/destinations/me", CONTRACT)
    fake = upload(me, b"MZ\x90\x00 not a pdf", name="offer.pdf", content_type="application/pdf")
    assert fake.status_code == 400
    assert fake.json()["errors"]["file"] == "附件“offer.pdf”不是 PDF、JPG 或 PNG 文件"
    with override_settings(WANGQIAN_ATTACHMENT_MAX_BYTES=64):
        big = upload(me, PDF + b"0" * 100, name="合同.pdf")
        assert big.status_code == 400 and "超过大小上限" in big.json()["errors"]["file"]
    with override_settings(WANGQIAN_ATTACHMENT_MAX_FILES=1):
        # Named as it is, whatever the uploader called it.
        assert upload(me, PNG, name="合同.html", content_type="application/octet-stream").status_code == 201
        assert upload(me, PDF).json()["code"] == "too_many_attachments"
    mine = me.get("/destinations/me").json()
    (attachment,) = mine["attachments"]
    assert attachment["content_type"] == "image/png"  # sniffed, not the browser's word
    assert attachment["name"] == "合同.png"
    url = attachment["url"].removeprefix("/api/v1")

    file = me.get(url)
    assert file.status_code == 200 and file.content == PNG
    assert as_(client, world.college_admin).get(url).status_code == 200
    assert as_(client, world.school_admin).get(url).status_code == 200
    for outsider in (world.other_student, world.other_college_admin, world.other_school_admin, world.employer):
        assert as_(client, outsider).get(url).status_code == 404, outsider

    deleted = me.delete(f"/destinations/me/attachments/{attachment['id']}")
    assert deleted.status_code == 200 and deleted.json()["attachments"] == []
    assert me.get(url).status_code == 404
    # Kept as 佐证材料 (issue 20 item 3): the reviewers still read it, listed apart; the student no longer sees it.
    reviewer = as_(client, world.college_admin)
    assert reviewer.get(url).status_code == 200 and reviewer.get(url).content == PNG
    detail = reviewer.get(f"/destinations/{mine['id']}").json()
    (kept,) = detail["retired_attachments"]
    assert kept["id"] == attachment["id"] and kept["retired_reason"] == "detached" and kept["retired_at"]
    assert detail["attachments"] == []
    assert "retired_attachments" not in me.get(f"/destinations/{mine['id']}").json()
    assert as_(client, world.other_college_admin).get(url).status_code == 404


def test_others_get_404_and_roles_403(world: World, client: Client) -> None:
    me = as_(client, world.student)
    destination_id = me.get("/destinations/me").json()["id"]
    other = as_(client, world.other_student)
    other.get("/destinations/me")
    assert other.get(f"/destinations/{destination_id}").status_code == 404
    assert as_(client, world.other_college_admin).get(f"/destinations/{destination_id}").status_code == 404
    assert as_(client, world.other_school_admin).get(f"/destinations/{destination_id}").status_code == 404
    assert as_(client, world.college_admin).get(f"/destinations/{destination_id}").status_code == 200
    assert as_(client, world.other_college_admin).get("/destinations").json()["count"] == 1  # 王芳 only
    assert as_(client, world.school_admin).get("/destinations").json()["count"] == 2
    hr = as_(client, world.employer)
    assert hr.get("/destinations").status_code == 403
    assert hr.get("/destinations/me").status_code == 403
    assert me.get("/destinations").status_code == 403
    assert me.post(f"/destinations/{destination_id}/approve").status_code == 403
    assert Destination.objects.count() == 2
