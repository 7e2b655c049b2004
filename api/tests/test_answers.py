"""Real answers validate against the declared schemas: every role walks every operation, and each answer is checked
against /api/v1/openapi.json by the client (api/tests/conftest.py) and here against the pydantic models."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from api.schemas import (
    AgreementDetailOut,
    AgreementPage,
    MaskedStudentOut,
    MeOut,
    MeRecordOut,
    ProvinceSchoolsOut,
    StatsOut,
    StudentOut,
    VerificationOut,
)
from api.tests.contract import ContractClient
from core.identifiers import make_id_number
from core.models import Destination, Province, RetiredLicence, Role, School, VerificationRow
from core.services import roster_jobs
from core.services.licences import employer_upload_licence
from core.services.roster import ROSTER_HEADERS
from core.services.shortlist import SHORTLIST_HEADERS, shortlist_job_run
from core.services.verifications import verification_send
from testsupport import (
    PAPER_EXTRA,
    PASSWORD,
    PROFILE,
    TERMS,
    ApiClient,
    World,
    make_employer,
    make_student,
    make_user,
    xlsx_bytes,
)
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response["Content-Type"].startswith("application/json") else response.content


def test_every_operation_answers_as_declared(
    api: ApiClient, world: World, client: ContractClient, settings: Any
) -> None:
    student, other = world.student, world.other_student
    pending_hr = make_employer("待审核单位", verified=False, licence=True)
    pending = pending_hr.employer
    # A replaced scan: kept, read by the province (an employer its school verified).
    employer_upload_licence(name="新执照.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, acting_user=pending_hr)

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
    settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS = 0  # a larger file: a job (its task runs below, as a worker would)
    upload = SimpleUploadedFile("名单.xlsx", shortlist.getvalue())
    job = ok(api.post("/employer/send-list/import", {"file": upload}, format="multipart"), 202)
    assert ok(api.get(f"/employer/send-list/imports/{job['id']}"))["state"] == "queued"
    shortlist_job_run(job["id"])
    assert ok(api.get(f"/employer/send-list/imports/{job['id']}"))["imported"] == 1
    (invited,) = ok(api.post("/agreements", {"student_ids": [student.pk], "terms": TERMS}), 201)
    agreement = f"/agreements/{invited['id']}"
    ok(api.post(f"{agreement}/modify", {"terms": {**TERMS, "position": "法务专员"}}))
    page = AgreementPage.model_validate(ok(api.get("/agreements")))
    assert all(isinstance(row.student, MaskedStudentOut) for row in page.results)
    assert ok(api.get("/agreements/export"))[:2] == b"PK"

    api.login(student.user)
    ok(api.post(f"{agreement}/accept", {"confirmation": api.confirm("accept", invited["id"])}))
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
    agreement_id = invited["id"]
    no = api.confirm("termination/decline", agreement_id)
    ok(api.post(f"{agreement}/termination/decline", {"remark": "不同意解约", "confirmation": no}))
    ok(
        api.post(
            f"{agreement}/termination",
            {"reason": "考取研究生", "confirmation": api.confirm("termination", agreement_id)},
        )
    )
    ok(api.post(f"{agreement}/termination/withdraw"))
    ok(
        api.post(
            f"{agreement}/termination",
            {"reason": "考取研究生", "confirmation": api.confirm("termination", agreement_id)},
        )
    )
    api.login(world.employer)
    ok(api.post(f"{agreement}/termination/accept"))
    api.login(world.school_admin)
    ok(api.post(f"{agreement}/termination/return", {"remark": "材料不全"}))
    api.login(student.user)
    ok(
        api.post(
            f"{agreement}/termination",
            {"reason": "考取研究生", "confirmation": api.confirm("termination", agreement_id)},
        )
    )
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
    submitted = ok(api.post("/destinations/me/submit", {"confirmation": api.confirm("destination_submit", None)}))
    destination = f"/destinations/{submitted['id']}"
    api.login(world.college_admin)
    ok(api.get("/destinations", status="college_review"))
    ok(api.get(destination))
    ok(api.post(f"{destination}/return", {"remark": "通知书不清晰"}))
    api.login(student.user)
    ok(api.post("/destinations/me/submit", {"confirmation": api.confirm("destination_submit", None)}))
    api.login(world.college_admin)
    ok(api.post(f"{destination}/approve"))
    api.login(world.school_admin)
    assert ok(api.post(f"{destination}/approve"))["status"] == "approved"

    # 学校代为登记 (issue 20 item 2): one graduate confirms it, another disputes it.
    entered = {"code": "70"}
    confirming, disputing = make_student(world.college, name="周杰"), make_student(world.college, name="吴敏")
    assert confirming.user is not None and disputing.user is not None
    ok(api.post(f"/destinations/students/{confirming.pk}", entered))
    ok(api.post(f"/destinations/students/{disputing.pk}", entered))
    api.login(confirming.user)
    ok(api.post("/destinations/me/confirm", {"confirmation": api.confirm("destination_confirm", None)}))
    api.login(disputing.user)
    ok(api.post("/destinations/me/dispute", {"reason": "这不是我的去向"}))
    api.login(world.school_admin)
    api.login(student.user)
    own = MeRecordOut.model_validate(ok(api.get("/me/record")))  # 我的档案 (issue 21 item 4)
    assert own.destination is not None and own.destination.versions[-1].entered_by == "本人"

    # A paper 就业协议书: registered with its scan, returned by the school, resubmitted.
    fresh = make_student(world.college, name="孙悦")
    assert fresh.user is not None
    api.login(fresh.user)
    paper = {
        **PAPER_EXTRA,
        "employer_name": "沈阳鼎新科技有限公司",
        "credit_code": "1210000046300354XU",
        "position_category": "10",
        "position": "法务专员",
        "work_location": "210102",
    }
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    signed = api.confirm("paper", None)
    registered = ok(
        api.post("/agreements/paper", {**paper, "scan": scan, "confirmation": signed}, format="multipart"), 201
    )
    ok(api.get(registered["attachments"][0]["url"].removeprefix("/api/v1")))
    api.login(world.school_admin)
    ok(api.post(f"/agreements/{registered['id']}/return", {"remark": "缺少单位盖章页"}))
    api.login(fresh.user)
    again = api.confirm("resubmit", registered["id"])
    ok(api.post(f"/agreements/{registered['id']}/resubmit", {**paper, "confirmation": again}, format="multipart"))
    # The verified employer a paper agreement names sees it and disputes it (issue 19 item 6(d)).
    another = make_student(world.college, name="钱多")
    assert another.user is not None
    api.login(another.user)
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    named = {
        **paper,
        "credit_code": world.employer.employer.credit_code,
        "scan": scan,
        "confirmation": api.confirm("paper", None),
    }
    disputed = ok(api.post("/agreements/paper", named, format="multipart"), 201)
    api.login(world.employer)
    ok(api.post(f"/agreements/{disputed['id']}/dispute", {"reason": "本单位未与该生签约"}))

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
    page_job = roster_jobs.roster_job_create(
        world.school,
        SimpleUploadedFile("生源.xlsx", xlsx_bytes(list(ROSTER_HEADERS), [new]).getvalue()),
        acting_user=world.school_admin,
    )
    assert ok(api.get(f"/school/roster/imports/{page_job.pk}"))["state"] == "queued"
    ok(api.get("/school/employers", status=""))
    assert api.get(f"/school/employers/{pending.pk}/licence").content.startswith(b"\x89PNG")
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

    # 账号管理, passkeys and an admin's two-step sign-in.
    api.login(world.school_admin)
    ok(api.get("/school/staff"))
    staff = {"username": "xxxy_li", "display_name": "李老师", "email": "li@neu.edu.cn", "role": "school_admin"}
    added = ok(api.post("/school/staff", staff), 201)
    ok(api.post(f"/school/staff/{added['id']}/invite"))
    ok(api.patch(f"/school/staff/{added['id']}", {"active": False}))
    assert "max_terminations" in ok(api.get("/school/settings"))
    ok(api.patch("/school/settings", {"max_terminations": 2}))
    assert ok(api.patch(f"/school/students/{other.pk}", {"email": "other@neu.edu.cn"}))["email"] == "other@neu.edu.cn"
    site = "https://wangqian.example.edu.cn"
    with override_settings(SITE_URL=site):
        device = SoftAuthenticator(site)
        key = ok(api.post("/auth/passkeys", {"credential": device.create(ok(api.post("/auth/passkeys/options")))}), 201)
        ok(api.get("/auth/passkeys"))
        ok(api.patch(f"/auth/passkeys/{key['id']}", {"name": "办公室电脑"}))
        School.objects.filter(pk=world.school.pk).update(second_factor_required=True)
        api.token = ""
        signing_in = ok(api.post("/auth/token", {"username": world.school_admin.username, "password": PASSWORD}))
        answer = device.get(signing_in["passkey_options"])
        token = ok(api.post("/auth/token/second-factor", {"challenge": signing_in["challenge"], "credential": answer}))
        api.token = token["token"]
        School.objects.filter(pk=world.school.pk).update(second_factor_required=False)
        ok(api.delete(f"/auth/passkeys/{key['id']}"))

    # 省级主管部门: its schools' figures (issue 21 item 1).
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school, world.other_school])
    api.login(make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province))
    figures = ProvinceSchoolsOut.model_validate(ok(api.get("/province/schools", graduation_year=2027)))
    assert {s.code for s in figures.schools} == {world.school.code, world.other_school.code}
    disputed = Destination.objects.get(status="disputed")
    closed = ok(api.post(f"/province/destinations/{disputed.pk}/dispute", {"upheld": False, "remark": "经核实属实"}))
    assert closed["status"] == "approved"
    assert ok(api.get(f"/province/employers/{pending.pk}/licence")).startswith(b"\x89PNG")
    kept = RetiredLicence.objects.get(employer=pending)
    assert ok(api.get(f"/province/employers/{pending.pk}/licences/{kept.pk}")).startswith(b"%PDF-")
    campaign = ok(
        api.post("/verifications", {"school_ids": [world.school.pk], "graduation_year": 2027, "share": 1}), 201
    )
    ok(api.get(f"/verifications/{campaign['id']}"))
    assert ok(api.get(f"/verifications/{campaign['id']}/report"))[:2] == b"PK"
    assert verification_send(campaign["id"]) > 0  # the background task's work, as a worker would run it
    sampled = next(s for s in (student, other) if VerificationRow.objects.filter(student=s, sent_at__isnull=False))
    assert sampled.user is not None
    api.login(sampled.user)
    (row,) = ok(api.get("/verifications/mine"))
    assert ok(api.post(f"/verifications/mine/{row['id']}/answer", {"answer": "true"}))["answer"] == "true"

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
