"""我的档案 (issue 21 item 4): every agreement and 去向 on record for the graduate, who entered each and when,
which acts they confirmed themselves, each line's place in the audit ledger;
on the page and at GET /api/v1/me/record."""

from __future__ import annotations

import pytest
from django.test import Client

from testsupport import ApiClient, LoginAs, World

pytestmark = pytest.mark.django_db


def test_the_record_lists_every_agreement_and_the_destination_with_who_entered_them(
    world: World, login_as: LoginAs
) -> None:
    declined = world.reach("declined")
    effective = world.reach("effective", employer=world.other_employer)
    world.reach("effective", student=world.other_student)  # another graduate's: never in mine
    api = ApiClient(Client())
    api.login(world.student.user)
    answer = api.get("/me/record")
    assert answer.status_code == 200
    record = answer.json()
    assert [a["id"] for a in record["agreements"]] == [declined.pk, effective.pk]
    first = record["agreements"][1]
    assert first["employer"] == "大连海湾律师事务所" and first["status"] == "effective"
    # Put on record by the employer's HR, when it invited.
    assert first["entered_by"]["actor_role_label"] == "用人单位" and first["entered_by"]["time"]
    accepted = [e for e in first["events"] if e["actor"] == "本人"]
    assert accepted and accepted[0]["confirmed_by"] == "短信验证码"  # 本人确认 (issue 20)
    assert {e["actor_role_label"] for e in first["events"]} >= {"用人单位", "学生", "学院管理员", "学校管理员"}
    assert all(e["ledger_seq"] for e in first["events"])  # every line is chained (issue 21 item 3)
    # The effective agreement set the 去向, which says so.
    destination = record["destination"]
    assert destination["code"] == "10" and destination["versions"][0]["entered_by"] == "由就业协议书自动登记"
    assert record["proof"]["format"] == "wangqian-ledger-proof/1" and record["proof_error"] == ""

    page = login_as(world.student.user).get("/student/record/").content.decode()
    assert "我的档案" in page and "大连海湾律师事务所" in page and "沈阳鼎新科技有限公司" in page
    assert "本人确认·短信验证码" in page and "由就业协议书自动登记" in page
    assert world.other_student.name not in page


def test_a_graduate_with_nothing_on_record_sees_so(world: World, login_as: LoginAs) -> None:
    page = login_as(world.student.user).get("/student/record/").content.decode()
    assert "平台上没有你的就业协议书记录" in page and "平台上没有你的毕业去向记录" in page
    api = ApiClient(Client())
    api.login(world.student.user)
    assert api.get("/me/record").json()["agreements"] == []


def test_only_the_graduate_reads_their_record(world: World, login_as: LoginAs) -> None:
    for user in (world.employer, world.school_admin, world.college_admin):
        assert login_as(user).get("/student/record/").status_code == 403
        api = ApiClient(Client())
        api.login(user)
        assert api.get("/me/record").status_code == 403
    assert Client().get("/student/record/")["Location"].startswith("/login/")


def test_a_destination_the_school_entered_offers_the_dispute_from_the_record(world: World, login_as: LoginAs) -> None:
    from core.services import destinations

    data = {"code": "11", "unit_name": "沈阳某公司", "unit_nature": "39", "unit_location": "210102"}
    destinations.destination_enter(
        world.student.pk, {**data, "position": "职员", "contract_start": "2027-07-01"}, acting_user=world.school_admin
    )
    client = login_as(world.student.user)
    page = client.get("/student/record/").content.decode()
    assert 'id="record-dispute"' in page and "school_neu" in page  # who entered it
    destinations.destination_dispute("不是我的去向", acting_user=world.student.user)
    assert "你已提出异议：不是我的去向" in client.get("/student/record/").content.decode()
