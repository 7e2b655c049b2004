"""核查 (issue 21 item 2): a reproducible sample, a message with a one-time link to each sampled graduate (and a 签约's
employer), 属实 / 不属实 recorded through the link, silence 存疑 after VERIFICATION_DAYS, and the 核查报告 xlsx."""

from __future__ import annotations

import datetime
import io
import json
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import sms
from core.models import Destination, LedgerEntry, Province, Role, Student, User
from core.models.destinations import DestinationStatus
from core.models.verifications import VerificationRow
from core.services import verifications
from core.services.verifications import (
    REPORT_HEADERS,
    campaign_data,
    verification_send,
    verification_start,
    verifications_expire,
)
from testsupport import ApiClient, LoginAs, World, make_college, make_school, make_student, make_user
from testsupport.webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_admin(world: World) -> User:
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school, world.other_school])
    return make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province)


def _graduates(world: World, n: int) -> list[int]:
    """n graduates of 东北大学 with an effective agreement (so an approved 去向 签就业协议形式就业)."""
    students = [make_student(world.college, name=f"毕业生{i}") for i in range(n)]
    for student in students:
        world.reach("effective", student=student)
    return [s.pk for s in students]


def _account(student: Student) -> User:
    assert student.user is not None
    return student.user


def _link(text: str) -> str:
    found = re.search(r"/verification/([\w-]+)/", text)
    assert found is not None, text
    return found.group(0)


def test_a_verification_of_twenty_graduates(
    world: World, province_admin: User, login_as: LoginAs, django_capture_on_commit_callbacks: Any
) -> None:
    _graduates(world, 20)
    sms.outbox.clear()
    mail.outbox.clear()
    api = ApiClient(Client())
    api.login(province_admin)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        answer = api.post("/verifications", {"school_ids": [world.school.pk], "graduation_year": 2027, "size": 20})
        assert sms.outbox == [] and mail.outbox == []  # the request only draws; the task sends after commit
    assert answer.status_code == 201, answer.content
    campaign = answer.json()
    assert (campaign["sample"], campaign["pending"], campaign["population"]) == (20, 20, 20)
    assert (campaign["rows_sent"], campaign["sending"]) == (0, True)
    assert queued  # the sending task, enqueued when the draw commits
    # 20 graduates and, each being a 签约, 20 messages to the employer's HR: an SMS and an e-mail each.
    to_students = [m for m in sms.outbox if "同学" in m.text]
    to_employer = [m for m in sms.outbox if "贵单位" in m.text]
    assert len(to_students) == 20 and len(to_employer) == 20
    assert len(mail.outbox) == 40
    campaign = api.get(f"/verifications/{campaign['id']}").json()
    assert (campaign["rows_sent"], campaign["sending"]) == (20, False)
    assert all(row["messages"] == 4 and row["sent"] for row in campaign["rows"])

    rows = {r.student.phone: r for r in VerificationRow.objects.select_related("student__user")}
    first, second = to_students[0], to_students[1]
    graduate, other = rows[first.phone].student, rows[second.phone].student
    # The graduate's link asks them to sign in; anybody else's account sees no such link.
    assert Client().get(_link(first.text))["Location"].startswith("/login/")
    assert login_as(world.student.user).get(_link(first.text)).status_code == 404
    client = login_as(_account(graduate))
    page = client.get(_link(first.text)).content.decode()
    assert "以上内容是否属实" in page and "沈阳鼎新科技有限公司" in page
    assert client.post(_link(first.text), {"answer": "true"}).status_code == 200
    assert client.post(_link(first.text), {"answer": "false", "remark": "改主意"}).status_code == 409  # once
    client = login_as(_account(other))
    refused = client.post(_link(second.text), {"answer": "false"})
    assert refused.status_code == 400 and "请说明实际情况" in refused.content.decode()
    assert client.post(_link(second.text), {"answer": "false", "remark": "我已改签他处"}).status_code == 200
    # The employer's HR answers through its own link, without signing in.
    hr_link = _link(next(m.text for m in to_employer if graduate.name in m.text))
    assert Client().post(hr_link, {"answer": "true"}).status_code == 200

    results = dict(VerificationRow.objects.values_list("student_id", "result"))
    assert results[graduate.pk] == "true" and results[other.pk] == "false"
    assert LedgerEntry.objects.filter(kind="verification_answer").count() == 3
    assert LedgerEntry.objects.filter(kind="verification_draw").count() == 1

    # After VERIFICATION_DAYS the silent ones are 存疑, and a late answer is refused.
    third = to_students[2]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert verifications_expire() == 18
        late = login_as(_account(rows[third.phone].student)).post(_link(third.text), {"answer": "true"})
        assert late.status_code == 409
    done = api.get(f"/verifications/{campaign['id']}").json()
    assert (done["true"], done["false"], done["doubtful"], done["pending"]) == (1, 1, 18, 0)
    assert done["schools"][0]["sample"] == 20

    report = api.get(f"/verifications/{campaign['id']}/report")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == REPORT_HEADERS and len(table) == 21
    line = next(r for r in table if r[1] == graduate.student_no)
    by = dict(zip(REPORT_HEADERS, line, strict=True))
    assert by["核查结果"] == "属实" and by["单位答复"] == "属实" and by["本人确认方式"] == "短信验证码"
    assert by["单位营业执照"] == "未上传" and by["单位资质审核"] == "已通过" and by["应约人"]
    # How each answer was given: the graduate signed in (no passkey), the HR through the one-time link.
    assert (by["学生答复方式"], by["单位答复方式"]) == ("登录账号", "一次性链接")
    assert sorted(r[6] for r in table[1:]).count("存疑") == 18


def test_the_same_seed_draws_the_same_graduates(world: World, province_admin: User) -> None:
    _graduates(world, 6)
    api = ApiClient(Client())
    api.login(province_admin)
    body = {"school_ids": [world.school.pk], "graduation_year": 2027, "share": 0.5, "seed": "2027-核查-1"}
    first = api.post("/verifications", body).json()
    again = api.post("/verifications", body).json()
    assert first["sample"] == 3 and first["seed"] == "2027-核查-1"
    assert [r["student_no"] for r in first["rows"]] == [r["student_no"] for r in again["rows"]]
    unseeded = api.post("/verifications", {**body, "seed": None}).json()
    assert unseeded["seed"]  # a seed is recorded even when none was given


def test_bad_requests_answer_in_chinese_and_change_nothing(world: World, province_admin: User) -> None:
    _graduates(world, 2)
    foreign = make_school("吉林大学", "10183")
    make_student(make_college(foreign, "法学院"))
    api = ApiClient(Client())
    api.login(province_admin)
    base = {"school_ids": [world.school.pk], "graduation_year": 2027}
    cases = [
        (base, "size"),
        ({**base, "size": 2, "share": 0.5}, "size"),
        ({**base, "size": 0}, "size"),
        ({**base, "share": 1.5}, "share"),
        ({**base, "size": 1, "destination_codes": ["99"]}, "destination_codes"),
        ({**base, "size": 1, "graduation_year": 1900}, "graduation_year"),
        ({**base, "size": 1, "seed": "x" * 65}, "seed"),
        ({"school_ids": [], "graduation_year": 2027, "size": 1}, "school_ids"),
    ]
    for body, field in cases:
        answer = api.post("/verifications", body)
        assert answer.status_code == 400 and field in answer.json()["errors"], (body, answer.content)
    assert api.post("/verifications", {**base, "school_ids": [foreign.pk], "size": 1}).status_code == 404
    assert VerificationRow.objects.count() == 0
    assert Client().get("/verification/no-such-token/").status_code == 404


def test_a_school_admin_verifies_its_own_graduates_only(world: World, province_admin: User) -> None:
    _graduates(world, 2)
    api = ApiClient(Client())
    api.login(world.school_admin)
    own = api.post("/verifications", {"school_ids": [world.school.pk], "graduation_year": 2027, "size": 1})
    assert own.status_code == 201
    other = {"school_ids": [world.other_school.pk], "graduation_year": 2027, "size": 1}
    assert api.post("/verifications", other).status_code == 404
    api.login(world.other_school_admin)
    assert api.get(f"/verifications/{own.json()['id']}").status_code == 404
    api.login(world.student.user)
    assert api.post("/verifications", {**other, "school_ids": [world.school.pk]}).status_code == 403


def test_the_province_draws_and_reads_a_verification_on_its_pages(
    world: World, province_admin: User, login_as: LoginAs
) -> None:
    _graduates(world, 3)
    client = login_as(province_admin)
    assert "发起核查" in client.get("/province/verifications/").content.decode()
    refused = client.post("/province/verifications/", {"school_ids": [world.school.pk], "graduation_year": "2027"})
    assert refused.status_code == 400 and "请填写抽样人数或抽样比例" in refused.content.decode()
    assert VerificationRow.objects.count() == 0
    body = {"school_ids": [world.school.pk], "graduation_year": "2027", "size": "2", "seed": "s1"}
    drawn = client.post("/province/verifications/", body)
    assert drawn.status_code == 302
    page = client.get(drawn["Location"]).content.decode()
    assert "核查 #" in page and "s1" in page and page.count("待答复") >= 2
    report = client.get(drawn["Location"] + "report/")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    other = make_user("jl_jyt", Role.PROVINCE_ADMIN, province=Province.objects.create(name="吉林省教育厅"))
    assert login_as(other).get(drawn["Location"]).status_code == 404


def test_each_draw_signs_a_ledger_checkpoint(world: World, province_admin: User) -> None:
    from core.models import LedgerCheckpoint

    _graduates(world, 2)
    api = ApiClient(Client())
    api.login(province_admin)
    api.post("/verifications", {"school_ids": [world.school.pk], "graduation_year": 2027, "size": 1})
    checkpoint = LedgerCheckpoint.objects.get(reason="verification")
    draw = LedgerEntry.objects.get(kind="verification_draw")
    assert draw.seq is not None and checkpoint.seq >= draw.seq


def test_an_answer_edited_in_the_database_is_reported_by_audit_verify(
    world: World, province_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    from core.models import VerificationAnswer
    from core.services.ledger import verify_chain

    _graduates(world, 1)
    api = ApiClient(Client())
    api.login(province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/verifications", {"school_ids": [world.school.pk], "graduation_year": 2027, "size": 1})
    hr_link = _link(next(m.text for m in sms.outbox if "贵单位" in m.text))
    assert Client().post(hr_link, {"answer": "false", "remark": "无此人"}).status_code == 200
    assert verify_chain().problems == []
    VerificationAnswer.objects.update(answer="true", remark="")  # a quiet rewrite
    problems = verify_chain().problems
    assert problems is not None and len(problems) == 1 and "核查答复" in problems[0].message


def test_a_school_admin_draws_its_own_verification_in_the_school_portal(world: World, login_as: LoginAs) -> None:
    _graduates(world, 2)
    client = login_as(world.school_admin)
    page = client.get("/school/verifications/").content.decode()
    assert "发起核查" in page and world.school.name in page and world.other_school.name not in page
    body = {"school_ids": [world.other_school.pk], "graduation_year": "2027", "size": "1"}
    refused = client.post("/school/verifications/", body)
    assert refused.status_code == 400 and "请选择可以核查的院校" in refused.content.decode()
    drawn = client.post("/school/verifications/", {**body, "school_ids": [world.school.pk]})
    assert drawn.status_code == 302 and drawn["Location"].startswith("/school/verifications/")
    assert "核查 #" in client.get(drawn["Location"]).content.decode()
    assert client.get(drawn["Location"] + "report/").content[:2] == b"PK"
    assert login_as(world.college_admin).get("/school/verifications/").status_code == 403
    assert login_as(world.other_school_admin).get(drawn["Location"]).status_code == 404


def _approved_graduates(world: World, n: int, code: str = "46") -> None:
    """n graduates of 东北大学 whose 去向 (应征义务兵) the school approved: written in bulk, as a year's roster and
    its reviewed 去向 stand at the end of the season (the workflow's own path is the 20-graduate test's)."""
    major = world.student.major
    students = Student.objects.bulk_create(
        Student(
            school=world.school,
            college=world.college,
            major=major,
            student_no=f"B{i:07d}",
            name=f"批量{i}",
            gender="男",
            id_number=f"B{i:017d}",
            phone=f"137{i:08d}",
            graduation_year=2027,
            degree="bachelor",
        )
        for i in range(n)
    )
    Destination.objects.bulk_create(
        Destination(
            student=s,
            school=world.school,
            college=world.college,
            graduation_year=2027,
            status=DestinationStatus.APPROVED,
            code=code,
        )
        for s in students
    )


def test_a_draw_of_five_thousand_answers_at_once_and_the_task_sends_each_message_once(
    world: World, province_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    _approved_graduates(world, 5000)
    sms.outbox.clear()
    mail.outbox.clear()
    api = ApiClient(Client())
    api.login(province_admin)
    body = {"school_ids": [world.school.pk], "graduation_year": 2027, "size": 5000, "seed": "5k"}
    with django_capture_on_commit_callbacks(execute=False) as queued, CaptureQueriesContext(connection) as queries:
        answer = api.post("/verifications", body)
    assert answer.status_code == 201, answer.content[:500]
    drawn = answer.json()
    assert (drawn["sample"], drawn["rows_sent"], drawn["sending"]) == (5000, 0, True)
    # Nothing sent and no link minted in the request; its queries do not grow with the sample (rows in batches).
    assert sms.outbox == [] and mail.outbox == []
    assert not VerificationRow.objects.filter(student_token_hash__isnull=False).exists()
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_verificationrow"')]
    assert len(inserts) <= 5000 // 40  # in batches (500 a batch; SQLite's variable limit makes them ~70)
    assert len(queries) - len(inserts) < 40, len(queries)
    for callback in queued:
        callback()  # the commit: the sending task runs (inline in tests)
    assert len(sms.outbox) == 5000 and len({m.phone for m in sms.outbox}) == 5000
    assert VerificationRow.objects.filter(sent_at__isnull=False, student_token_hash__isnull=False).count() == 5000
    # The task run again (a lease retake, a second worker) sends nothing twice.
    assert verification_send(drawn["id"]) == 0 and len(sms.outbox) == 5000
    done = api.get(f"/verifications/{drawn['id']}").json()
    assert (done["rows_sent"], done["rows_send_failed"], done["sending"]) == (5000, 0, False)


class Killed(BaseException):
    """A worker killed in the middle of a send (not an error the task could catch)."""


def test_a_worker_killed_mid_way_and_a_failing_provider_still_send_each_message_once(
    world: World, province_admin: User, login_as: LoginAs, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approved_graduates(world, 6)
    sms.outbox.clear()
    campaign = verification_start(
        acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, size=6
    )
    real = verifications.send_sms
    calls = [0]

    def dies_at_the_fourth(phone: str, text: str) -> int:
        calls[0] += 1
        if calls[0] == 4:
            raise Killed
        return real(phone, text)

    monkeypatch.setattr(verifications, "send_sms", dies_at_the_fourth)
    with pytest.raises(Killed):
        verification_send(campaign.pk)
    assert len(sms.outbox) == 3
    monkeypatch.setattr(verifications, "send_sms", real)
    # The lease hands the task to another worker: it sends the rest, not the three sent, and leaves the row the
    # dead worker held until that claim is older than the lease (its worker might still be alive).
    assert verification_send(campaign.pk) == 2 and len(sms.outbox) == 5
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + 1)):
        assert verification_send(campaign.pk) == 1
        assert verification_send(campaign.pk) == 0
    phones = [m.phone for m in sms.outbox]
    assert len(phones) == 6 and len(set(phones)) == 6  # each graduate asked once
    # Every link that went out works: the graduate of the retaken row answers through theirs.
    last = sms.outbox[-1]
    row = VerificationRow.objects.select_related("student").get(student__phone=last.phone)
    assert row.sent_at is not None and row.student_messages == 1

    # A provider that fails: the row goes back (retried later, with new links), then 发送失败 after the attempts.
    second = verification_start(acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, size=1)

    def down(phone: str, text: str) -> int:
        raise ConnectionError("provider down")

    monkeypatch.setattr(verifications, "send_sms", down)
    monkeypatch.setattr(verifications, "enqueue_on_commit", lambda *args, **kwargs: None)
    for attempt in range(1, settings.VERIFICATION_SEND_ATTEMPTS + 1):
        assert verification_send(second.pk) == 0
        failed = VerificationRow.objects.get(campaign=second)
        assert (failed.send_attempts, failed.sent_at) == (attempt, None) and "ConnectionError" in failed.send_error
    assert verification_send(second.pk) == 0  # no more tries
    progress = campaign_data(second)
    assert (progress["rows_sent"], progress["rows_send_failed"], progress["sending"]) == (0, 1, False)
    page = login_as(province_admin).get(f"/province/verifications/{second.pk}/").content.decode()
    assert "发送失败 1 人" in page and "已发送 0 / 1 人" in page


def test_the_retry_is_enqueued_and_sends_once_the_provider_is_back(
    world: World, province_admin: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    _approved_graduates(world, 2)
    sms.outbox.clear()
    real = verifications.send_sms
    monkeypatch.setattr(verifications, "send_sms", lambda phone, text: (_ for _ in ()).throw(OSError("down")))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        campaign = verification_start(
            acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, size=2
        )
    assert len(queued) >= 1
    with django_capture_on_commit_callbacks(execute=False) as retry:
        for callback in queued:
            callback()
    assert sms.outbox == [] and len(retry) == 1  # failed rows: the task enqueued its retry
    monkeypatch.setattr(verifications, "send_sms", real)
    retry[0]()
    assert len(sms.outbox) == 2 and campaign_data(campaign)["rows_sent"] == 2


SITE = "https://wangqian.example.edu.cn"


def _asked(world: World, province_admin: User, n: int = 2) -> list[VerificationRow]:
    """Two campaigns that each ask the same graduate (world.student, 去向 approved), their messages sent."""
    _approved_graduates(world, n)
    destination = Destination.objects.filter(student=world.student).first()
    if destination is None:
        Destination.objects.create(
            student=world.student,
            school=world.school,
            college=world.college,
            graduation_year=2027,
            status=DestinationStatus.APPROVED,
            code="46",
        )
    rows = []
    for _ in range(2):
        campaign = verification_start(
            acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, share=1
        )
        verification_send(campaign.pk)
        rows.append(VerificationRow.objects.get(campaign=campaign, student=world.student))
    return rows


@override_settings(SITE_URL=SITE)
def test_a_graduate_with_a_passkey_answers_under_their_confirmation(
    world: World, province_admin: User, api: ApiClient
) -> None:
    from core.models import Confirmation, VerificationAnswer
    from core.services.ledger import verify_chain
    from core.services.passkeys import passkey_register, passkey_registration_options

    first, second = _asked(world, province_admin)
    user = world.student.user
    device = SoftAuthenticator(SITE)
    passkey_register(user, device.create(passkey_registration_options(user)))
    api.login(user)
    mine = api.get("/verifications/mine").json()
    assert {r["id"] for r in mine} == {first.pk, second.pk} and all(r["confirmation_required"] for r in mine)

    # Without the 本人确认: refused, nothing recorded.
    refused = api.post(f"/verifications/mine/{first.pk}/answer", {"answer": "true"})
    assert refused.status_code == 403 and refused.json()["code"] == "confirmation_required"
    # A confirmation made for the other row (another campaign asking the same graduate) does not answer this one.
    started = api.post("/auth/confirmations", {"action": "verification_answer", "object_id": second.pk}).json()
    assert started["method"] == "passkey" and "答复毕业去向核查" in started["description"]
    proof = api.post(f"/auth/confirmations/{started['id']}", {"assertion": device.get(started["passkey_options"])})
    other = api.post(
        f"/verifications/mine/{first.pk}/answer", {"answer": "true", "confirmation": proof.json()["confirmation"]}
    )
    assert other.status_code == 403 and "不是为这项操作签发的" in other.json()["detail"]
    first.refresh_from_db()
    assert (first.student_answer, first.result, VerificationAnswer.objects.count()) == ("", "pending", 0)
    # Someone else's row: as if it did not exist, for the confirmation and for the answer.
    api.login(world.other_student.user)
    assert api.post("/auth/confirmations", {"action": "verification_answer", "object_id": first.pk}).status_code == 404
    assert api.post(f"/verifications/mine/{first.pk}/answer", {"answer": "true"}).status_code == 404

    api.login(user)
    started = api.post("/auth/confirmations", {"action": "verification_answer", "object_id": first.pk}).json()
    proof = api.post(f"/auth/confirmations/{started['id']}", {"assertion": device.get(started["passkey_options"])})
    body = {"answer": "false", "remark": "已改签他处", "confirmation": proof.json()["confirmation"]}
    answered = api.post(f"/verifications/mine/{first.pk}/answer", body)
    assert answered.status_code == 200, answered.content
    assert (answered.json()["answer"], answered.json()["method"], answered.json()["open"]) == (
        "false",
        "通行密钥",
        False,
    )
    evidence = Confirmation.objects.get(verification_answer__row=first)
    assert evidence.method == "passkey" and evidence.credential_id
    assert LedgerEntry.objects.filter(kind="confirmation_evidence", object_id=evidence.pk).exists()
    assert verify_chain().problems == []
    again = api.post(f"/verifications/mine/{first.pk}/answer", {**body, "confirmation": None})
    assert again.status_code == 409  # answered once

    api.login(province_admin)
    sheet = load_workbook(io.BytesIO(api.get(f"/verifications/{first.campaign_id}/report").content)).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    line = dict(zip(REPORT_HEADERS, next(r for r in table if r[1] == world.student.student_no), strict=True))
    assert (line["学生答复"], line["学生答复方式"], line["核查结果"]) == ("不属实", "通行密钥", "不属实")
    detail = api.get(f"/verifications/{first.campaign_id}").json()
    assert next(r for r in detail["rows"] if r["id"] == first.pk)["student_answer_method"] == "通行密钥"


@override_settings(SITE_URL=SITE)
def test_the_answer_page_asks_a_graduate_with_a_passkey_for_it(
    world: World, province_admin: User, login_as: LoginAs
) -> None:
    from core.services.passkeys import passkey_register, passkey_registration_options

    sms.outbox.clear()
    first, second = _asked(world, province_admin)
    link = _link(next(m.text for m in sms.outbox if m.phone == world.student.phone))
    user = world.student.user
    client = login_as(user)
    plain = client.get(link).content.decode()
    assert "data-passkey" not in plain and "提交答复" in plain  # no passkey: signed in is the proof
    device = SoftAuthenticator(SITE)
    passkey_register(user, device.create(passkey_registration_options(user)))
    page = client.get(link).content.decode()
    assert 'data-passkey="login"' in page and "使用通行密钥确认并提交" in page
    row = VerificationRow.objects.get(student_token_hash=verifications._token_hash(link.split("/")[2]))
    refused = client.post(link, {"answer": "true"})
    assert refused.status_code == 403 and "须本人确认" in refused.content.decode()
    row.refresh_from_db()
    assert row.student_answer == ""
    # The passkey's ceremony for another row, then this page's POST: refused.
    options_url = reverse("student:confirmation_passkey_options")
    other = second if row.pk == first.pk else first
    started = client.post(f"{options_url}?action=verification_answer&object={other.pk}")
    credential = json.dumps(device.get(started.json()))
    post = {"answer": "true", "confirmation_id": started["X-Confirmation-Id"], "credential": credential}
    wrong = client.post(link, post)
    assert wrong.status_code == 403 and "不是为这项操作发起的" in wrong.content.decode()
    started = client.post(f"{options_url}?action=verification_answer&object={row.pk}")
    post = {
        "answer": "true",
        "confirmation_id": started["X-Confirmation-Id"],
        "credential": json.dumps(device.get(started.json())),
    }
    done = client.post(link, post)
    assert done.status_code == 200 and "已答复：属实" in done.content.decode(), done.content.decode()[-1500:]
    row.refresh_from_db()
    assert (row.student_answer, row.answers.get().method) == ("true", "passkey")


def test_a_campaign_whose_task_was_lost_is_sent_by_the_hourly_command(
    world: World, province_admin: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    _approved_graduates(world, 3)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):  # the queue lost the task
        campaign = verification_start(
            acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, size=3
        )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_verifications", stdout=io.StringIO())  # too soon: its task may still be queued
    assert sms.outbox == []
    later = timezone.now() + datetime.timedelta(seconds=settings.VERIFICATION_SEND_RETRY_SECONDS * 2 + 1)
    out = io.StringIO()
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        call_command("expire_verifications", stdout=out)
    assert "1 核查 campaign(s)" in out.getvalue()
    assert len(sms.outbox) == 3 and campaign_data(campaign)["rows_sent"] == 3
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        call_command("expire_verifications", stdout=io.StringIO())
    assert len(sms.outbox) == 3  # sent: nothing again


@override_settings(SITE_URL=SITE)
def test_a_graduate_with_a_passkey_may_confirm_the_answer_by_sms_code_on_the_page(
    world: World, province_admin: User, login_as: LoginAs
) -> None:
    from core.services.passkeys import passkey_register, passkey_registration_options

    sms.outbox.clear()
    _asked(world, province_admin)
    link = _link(next(m.text for m in sms.outbox if m.phone == world.student.phone))
    user = world.student.user
    passkey_register(user, SoftAuthenticator(SITE).create(passkey_registration_options(user)))
    client = login_as(user)
    sent = client.post(link, {"answer": "false", "remark": "我已改签他处", "send_code": "1"})
    page = sent.content.decode()
    assert sent.status_code == 200 and 'name="code"' in page and "我已改签他处" in page  # what was typed is kept
    code = re.search(r"验证码：(\d{6})", sms.outbox[-1].text)
    assert code is not None and "答复毕业去向核查" in sms.outbox[-1].text
    pending = re.search(r'name="confirmation_id" value="(\d+)"', page)
    assert pending is not None
    body = {"answer": "false", "remark": "我已改签他处", "confirmation_id": pending.group(1)}
    wrong = client.post(link, {**body, "code": "000000" if code.group(1) != "000000" else "111111"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    done = client.post(link, {**body, "code": code.group(1)})
    assert done.status_code == 200 and "已答复：不属实" in done.content.decode()
    row = VerificationRow.objects.get(student_token_hash=verifications._token_hash(link.split("/")[2]))
    assert (row.result, row.answers.get().method) == ("false", "sms")


def test_the_report_gives_a_destinations_own_evidence(world: World, province_admin: User) -> None:
    """Outsider F14: a 去向 row (no agreement) said nothing of who entered it, the graduate's 本人确认 or its proof."""
    from core.services import destinations as svc
    from core.services.verifications import report_xlsx, verification_start
    from testsupport import confirm

    user = world.student.user
    assert user is not None
    entered = {"code": "80", "school_name": "东北大学", "programme": "法学硕士"}
    svc.destination_enter(world.student.pk, entered, acting_user=world.college_admin)
    svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    campaign = verification_start(
        acting_user=province_admin, school_ids=[world.school.pk], graduation_year=2027, share=1
    )
    sheet = load_workbook(io.BytesIO(report_xlsx(campaign))).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == REPORT_HEADERS
    line = dict(zip(REPORT_HEADERS, next(r for r in table if r[1] == world.student.student_no), strict=True))
    assert str(line["去向登记方式"]).startswith(
        f"学校代为登记（{world.college_admin.display_name or world.college_admin.username}"
    )
    assert str(line["去向本人确认"]).startswith("学生本人确认（短信验证码，")
    assert line["去向证明材料"] == "0个"
