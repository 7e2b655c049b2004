"""Real answers validate against the declared schemas: every role walks every operation, and each answer is checked
against /api/v1/openapi.json by the client (api/tests/conftest.py) and here against the pydantic models."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from api.schemas import (
    AgreementDetailOut,
    AgreementPage,
    MaskedStudentOut,
    MeOut,
    StatsOut,
    StudentOut,
    VerificationOut,
)
from api.tests.contract import ContractClient
from core.identifiers import make_id_number
from core.services.roster import ROSTER_HEADERS
from core.services.shortlist import SHORTLIST_HEADERS
from core.testing import PROFILE, TERMS, ApiClient, World, make_employer, make_student, xlsx_bytes

pytestmark = pytest.mark.django_db


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response["Content-Type"].startswith("application/json") else response.content


def test_every_operation_answers_as_declared(api: ApiClient, world: World, client: ContractClient) -> None:
    student, other = world.student, world.other_student
    pending = make_employer("待审核单位", verified=False).employer
    assert pending is not None

    api.login(world.employer)
    MeOut.model_validate(ok(api.get("/me")))
    ok(api.get("/codes/nature"))
    ok(api.get("/codes/region", parent="21"))
    ok(api.get("/employer/profile"))
    ok(api.put("/employer/profile", PROFILE))
    found = ok(api.get("/employer/students", graduation_year=2027, name=student.name, phone=student.phone))
    assert [MaskedStudentOut.model_validate(row).id for row in found] == [student.pk]
    ok(api.post("/employer/send-list", {"student_id": student.pk}), 201)
    ok(api.get("/employer/send-list"))
    ok(api.delete(f"/employer/send-list/{student.pk}"))
    shortlist = xlsx_bytes(list(SHORTLIST_HEADERS), [[2027, student.name, student.id_number, ""]])
    upload = SimpleUploadedFile("名单.xlsx", shortlist.getvalue())
    assert ok(api.post("/employer/send-list/import", {"file": upload}, format="multipart"))["imported"] == 1
    (invited,) = ok(api.post("/agreements", {"student_ids": [student.pk], "terms": TERMS}), 201)
    agreement = f"/agreements/{invited['id']}"
    ok(api.post(f"{agreement}/modify", {"terms": {**TERMS, "position": "法务专员"}}))
    page = AgreementPage.model_validate(ok(api.get("/agreements")))
    assert all(isinstance(row.student, MaskedStudentOut) for row in page.results)
    assert ok(api.get("/agreements/export"))[:2] == b"PK"

    api.login(student.user)
    ok(api.post(f"{agreement}/accept"))
    api.login(world.college_admin)
    ok(api.post(f"{agreement}/approve"))
    api.login(world.school_admin)
    effective = AgreementDetailOut.model_validate(ok(api.post(f"{agreement}/approve")))
    assert isinstance(effective.student, StudentOut) and effective.verification_code

    api.login(world.employer)
    employer_view = AgreementDetailOut.model_validate(ok(api.get(agreement)))
    assert isinstance(employer_view.student, MaskedStudentOut)
    assert ok(api.get(f"{agreement}/document"))[:4] == b"%PDF"
    ok(api.post(f"{agreement}/termination", {"reason": "岗位调整"}))
    api.login(student.user)
    ok(api.post(f"{agreement}/termination/decline", {"remark": "不同意解约"}))
    ok(api.post(f"{agreement}/termination", {"reason": "考取研究生"}))
    ok(api.post(f"{agreement}/termination/withdraw"))
    ok(api.post(f"{agreement}/termination", {"reason": "考取研究生"}))
    api.login(world.employer)
    ok(api.post(f"{agreement}/termination/accept"))
    api.login(world.school_admin)
    ok(api.post(f"{agreement}/termination/return", {"remark": "材料不全"}))
    api.login(student.user)
    ok(api.post(f"{agreement}/termination", {"reason": "考取研究生"}))
    api.login(world.employer)
    ok(api.post(f"{agreement}/termination/accept", {"remark": "同意"}))
    api.login(world.school_admin)
    assert ok(api.post(f"{agreement}/termination/approve"))["status"] == "terminated"
    api.token = ""
    public = VerificationOut.model_validate(ok(api.get(f"/verify/{effective.verification_code}")))
    assert public.effective is False and "*" in public.student

    declined = world.reach("invited", student=other)
    api.login(other.user)
    ok(api.post(f"/agreements/{declined.pk}/decline", {"remark": "已有其他去向"}))
    withdrawn = world.reach("invited", student=other)
    api.login(world.employer)
    ok(api.post(f"/agreements/{withdrawn.pk}/withdraw"))
    returned = world.reach("college_review", student=other)
    api.login(world.other_college_admin)
    ok(api.post(f"/agreements/{returned.pk}/return", {"remark": "材料不全"}))
    assert ok(api.get(f"/agreements/{returned.pk}"))["status"] == "returned"

    # 毕业去向: the student reports and proves it, the college returns, the school approves.
    api.login(student.user)
    ok(api.get("/destinations/forms"))
    ok(api.get("/destinations/me"))
    ok(api.put("/destinations/me", {"code": "80", "school_name": "东北大学", "programme": "法学"}))
    proof = SimpleUploadedFile("录取通知书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    attached = ok(api.post("/destinations/me/attachments", {"file": proof}, format="multipart"), 201)
    ok(api.get(attached["attachments"][0]["url"].removeprefix("/api/v1")))
    ok(api.delete(f"/destinations/me/attachments/{attached['attachments'][0]['id']}"))
    proof.seek(0)
    ok(api.post("/destinations/me/attachments", {"file": proof}, format="multipart"), 201)
    destination = f"/destinations/{ok(api.post('/destinations/me/submit'))['id']}"
    api.login(world.college_admin)
    ok(api.get("/destinations", status="college_review"))
    ok(api.get(destination))
    ok(api.post(f"{destination}/return", {"remark": "通知书不清晰"}))
    api.login(student.user)
    ok(api.post("/destinations/me/submit"))
    api.login(world.college_admin)
    ok(api.post(f"{destination}/approve"))
    api.login(world.school_admin)
    assert ok(api.post(f"{destination}/approve"))["status"] == "approved"

    # A paper 就业协议书: registered with its scan, returned by the school, resubmitted.
    fresh = make_student(world.college, name="孙悦")
    assert fresh.user is not None
    api.login(fresh.user)
    paper = {
        "employer_name": "沈阳鼎新科技有限公司",
        "credit_code": "1210000046300354XU",
        "position_category": "10",
        "position": "法务专员",
        "work_location": "210102",
    }
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    registered = ok(api.post("/agreements/paper", {**paper, "scan": scan}, format="multipart"), 201)
    ok(api.get(registered["attachments"][0]["url"].removeprefix("/api/v1")))
    api.login(world.school_admin)
    ok(api.post(f"/agreements/{registered['id']}/return", {"remark": "缺少单位盖章页"}))
    api.login(fresh.user)
    ok(api.post(f"/agreements/{registered['id']}/resubmit", paper, format="multipart"))

    api.login(world.school_admin)
    new = [
        f"2027{9001}",
        "赵新",
        "男",
        make_id_number(9001),
        "13700009001",
        "s9001@example.com",
        2027,
        "文法学院",
        "法学",
        "本科",
    ]
    roster = SimpleUploadedFile("生源.xlsx", xlsx_bytes(list(ROSTER_HEADERS), [new]).getvalue())
    assert ok(api.post("/school/roster/import?dry_run=true", {"file": roster}, format="multipart"))["dry_run"]
    ok(api.get("/school/employers", status=""))
    ok(api.post(f"/school/employers/{pending.pk}/verify", {"approve": True}))
    StatsOut.model_validate(ok(api.get("/school/stats", graduation_year=2027)))
    ok(api.get("/school/webhooks"))
    hook = ok(api.post("/school/webhooks", {"url": "http://127.0.0.1:9/hook"}), 201)["id"]
    ok(api.get(f"/school/webhooks/{hook}"))
    ok(api.patch(f"/school/webhooks/{hook}", {"description": "就业数据仓库"}))
    sent = ok(api.post(f"/school/webhooks/{hook}/test"), 202)
    ok(api.get(f"/school/webhooks/{hook}/deliveries"))
    ok(api.post(f"/school/webhooks/{hook}/deliveries/{sent['id']}/redeliver"), 202)
    ok(api.delete(f"/school/webhooks/{hook}"))
    api.login(world.college_admin)
    assert StatsOut.model_validate(ok(api.get("/school/stats"))).college is not None
    ok(api.post("/auth/password", {"old_password": "test-pass-2026", "new_password": "Another-pass-2027"}))

    # Accounts: activation with a code the school issued, password reset by e-mail, log-out.
    api.login(world.school_admin)
    imported = other
    assert imported.user is not None
    imported.user.password = make_password(None)
    imported.user.save(update_fields=["password"])
    codes = ok(api.post("/school/students/activation-codes", {"student_numbers": [imported.student_no]}))["codes"]
    api.token = ""
    activation = {"username": imported.user.username, "code": codes[0]["code"], "new_password": "Activated-2027"}
    ok(api.post("/auth/activate", activation))
    world.school_admin.email = "jyzx@neu.edu.cn"
    world.school_admin.save(update_fields=["email"])
    ok(api.post("/auth/password-reset", {"username": world.school_admin.username}))
    uid, token = re.search(r"/password-reset/([^/]+)/([^/]+)/", str(mail.outbox[-1].body)).groups()  # type: ignore[union-attr]
    ok(api.post("/auth/password-reset/confirm", {"uid": uid, "token": token, "new_password": "Reset-pass-2027"}))
    api.login(world.employer)
    ok(api.delete("/auth/token"))

    spec = client.get("/api/v1/openapi.json").json()
    every = {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item}
    succeeded = {operation for operation, status in client.answered if status < 300}
    assert every - succeeded == set()


def test_error_answers_have_the_declared_shape(api: ApiClient, world: World, client: ContractClient) -> None:
    agreement = world.reach("declined")
    path = f"/agreements/{agreement.pk}"
    assert api.get(path).status_code == 401
    api.login(world.student.user)
    assert api.post(f"{path}/accept").status_code == 409
    assert api.post(f"{path}/withdraw").status_code == 403
    assert api.post(f"{path}/termination", {"reason": ""}).status_code in (400, 409)
    assert api.get("/agreements", page_size=0).status_code == 400
    api.login(world.other_employer)
    assert api.get(path).status_code == 404
    assert api.post(f"{path}/modify", {"terms": "x"}).status_code == 400
    assert api.get("/employer/students", graduation_year="x", name="李明").status_code == 400
    assert api.post("/employer/send-list", {"student_id": 999999}).status_code == 404
    assert api.get("/codes/nonsense").status_code == 404
    assert api.get("/verify/NOPE-NOPE").status_code == 404
    api.login(world.school_admin)
    bad = SimpleUploadedFile("生源.xlsx", xlsx_bytes(["学号"], [["1"]]).getvalue())
    assert api.post("/school/roster/import", {"file": bad}, format="multipart").status_code == 400
    assert {status for _, status in client.answered} >= {400, 401, 403, 404, 409}
