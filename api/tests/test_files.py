"""Roster import and 导入拟签约名单 through the API: all or nothing, every error with row and column."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.identifiers import make_id_number
from core.models import College, Major, SendListItem, Student, User
from core.services.roster import ROSTER_HEADERS
from core.services.shortlist import SHORTLIST_HEADERS
from testsupport import ApiClient, World, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload(rows: list[list[Any]], headers: tuple[str, ...] = ROSTER_HEADERS) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.xlsx", xlsx_bytes(list(headers), rows).getvalue())


def row(n: int, **changes: Any) -> list[Any]:
    values = {
        "学号": f"2027{n:04d}",
        "姓名": f"学生{n}",
        "性别": "男",
        "身份证号": make_id_number(500 + n),
        "手机号": f"1370000{n:04d}",
        "邮箱": f"s{n}@example.com",
        "毕业年度": 2027,
        "院系": "文法学院",
        "专业": "法学",
        "学历": "本科",
    }
    values.update(changes)
    return [values[h] for h in ROSTER_HEADERS]


def test_roster_dry_run_then_import_then_update(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    rows = [row(1), row(2, 院系="外国语学院", 专业="英语"), row(3, 学历="硕士研究生")]
    dry = api.post("/school/roster/import?dry_run=true", {"file": upload(rows)}, format="multipart")
    assert dry.status_code == 200, dry.content
    assert dry.json()["created"] == 3 and dry.json()["colleges_created"] == ["外国语学院"]
    assert not Student.objects.filter(student_no="20270001").exists()

    done = api.post("/school/roster/import", {"file": upload(rows)}, format="multipart")
    assert done.status_code == 201 and done.json()["created"] == 3
    assert College.objects.filter(school=world.school, name="外国语学院").exists()
    assert Major.objects.filter(college__name="外国语学院", name="英语").exists()
    student = Student.objects.get(school=world.school, student_no="20270003")
    assert student.user is not None
    assert student.degree == "master" and student.user.must_change_password
    assert not student.user.has_usable_password()

    again = api.post(
        "/school/roster/import",
        {"file": upload([row(1, 手机号="13911112222"), row(2, 院系="外国语学院", 专业="英语")])},
        format="multipart",
    )
    assert again.json()["updated"] == 1 and again.json()["unchanged"] == 1
    assert Student.objects.get(student_no="20270001").phone == "13911112222"


def test_roster_errors_list_every_row_and_change_nothing(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    rows = [
        row(1),
        row(2, 身份证号="110105194912310021"),  # wrong check digit
        row(3, 性别="女"),  # the ID says male
        row(4, 手机号="12345", 学历="小学"),
        row(5, 学号="20270001"),  # duplicate
    ]
    response = api.post("/school/roster/import", {"file": upload(rows)}, format="multipart")
    assert response.status_code == 400
    errors = [(e["row"], e["column"]) for e in response.json()["errors"]]
    assert errors == [(3, "身份证号"), (4, "性别"), (5, "手机号"), (5, "学历"), (6, "学号")]
    assert all(e["message"] for e in response.json()["errors"])
    assert not Student.objects.filter(student_no="20270001").exists()
    assert not User.objects.filter(username__endswith="20270001").exists()


def test_roster_wrong_headers(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    response = api.post(
        "/school/roster/import", {"file": upload([["x"]], headers=("学号", "名字"))}, format="multipart"
    )
    assert response.status_code == 400 and "表头缺少列" in response.json()["detail"]


def test_shortlist_import_all_or_nothing(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    s, o = world.student, world.other_student
    good = [[2027, s.name, s.id_number, ""], [2027, o.name, "", o.phone]]
    bad = [*good, [2027, "不存在", "110105194912310020", ""]]
    response = api.post("/employer/send-list/import", {"file": upload(bad, SHORTLIST_HEADERS)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["rows"][0]["row"] == 4
    assert SendListItem.objects.count() == 0
    response = api.post("/employer/send-list/import", {"file": upload(good, SHORTLIST_HEADERS)}, format="multipart")
    assert response.status_code == 200 and response.json()["imported"] == 2
    assert {r["id"] for r in api.get("/employer/send-list").json()} == {s.pk, o.pk}


def test_profile_put_validates_every_field(api: ApiClient, world: World) -> None:
    from testsupport import make_employer

    user = make_employer(profile=False)
    api.login(user)
    assert api.get("/employer/profile").json()["complete"] is False
    bad = api.put("/employer/profile", {"nature": "31", "location": "210100", "archive_postcode": "12"})
    assert bad.status_code == 400
    assert {"location", "archive_postcode", "archive_receiving"} <= set(bad.json()["errors"])
    from testsupport import PROFILE

    ok = api.put("/employer/profile", PROFILE)
    assert ok.status_code == 200 and ok.json()["complete"] is True
    assert ok.json()["location_label"] == "辽宁省沈阳市和平区"


def test_codes(api: ApiClient, world: World) -> None:
    api.login(world.student.user)
    provinces = api.get("/codes/region").json()
    assert {"code": "210000", "label": "辽宁省"} in provinces
    cities = api.get("/codes/region", parent="210000").json()
    assert any(c["label"] == "沈阳市" for c in cities)
    assert {"code": "31", "label": "国有企业"} in api.get("/codes/nature").json()
    assert api.get("/codes/region", parent="999999").status_code in (200, 404)
