"""Students described once (issue 18): the roster's rows, the school's correction form and the API's student update
validate a student through one function reading core.student_fields, so the same bad value gets the same message
on each path."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from core.errors import InvalidInput
from core.identifiers import make_id_number
from core.services.roster import ROSTER_HEADERS, RosterInvalid, roster_import
from core.services.students import student_update
from core.student_fields import STUDENT_FIELDS
from testsupport import ApiClient, World, xlsx_bytes

pytestmark = pytest.mark.django_db

# field → a bad value and the one message every path gives for it.
BAD = {
    "name": ("张" * 51, "姓名不能超过50个字"),
    "gender": ("男性", "性别应为“男”或“女”"),
    "id_number": ("21010220040101001", "身份证号应为18位"),
    "phone": ("1234", "手机号应为11位大陆手机号码"),
    "email": ("bad@", "邮箱格式不正确"),
    "graduation_year": ("27", "毕业年度应为四位年份，如2027"),
    "degree": ("中专", "学历应为专科、本科、硕士研究生或博士研究生"),
}


def _roster_row(**changes: Any) -> list[Any]:
    values = {
        "学号": "202790001",
        "姓名": "王五",
        "性别": "男",
        "身份证号": make_id_number(901, birth=datetime.date(2004, 3, 1)),
        "手机号": "13790000001",
        "邮箱": "w5@example.com",
        "毕业年度": "2027",
        "院系": "文法学院",
        "专业": "法学",
        "学历": "本科",
        **changes,
    }
    return [values[h] for h in ROSTER_HEADERS]


def _roster_message(world: World, field: str, value: str) -> str:
    label = STUDENT_FIELDS[field].label
    upload = xlsx_bytes(list(ROSTER_HEADERS), [_roster_row(**{label: value})])
    with pytest.raises(RosterInvalid) as refused:
        roster_import(world.school, upload, dry_run=True, acting_user=world.school_admin)
    [error] = refused.value.result.errors
    assert (error.row, error.column) == (2, label)
    return error.message


def _form_message(world: World, field: str, value: str) -> str:
    student = world.student
    data = {
        "name": student.name,
        "gender": student.gender,
        "id_number": student.id_number,
        "phone": student.phone,
        "email": student.email,
        "graduation_year": str(student.graduation_year),
        "major": str(student.major_id),
        "degree": student.degree,
        field: value,
    }
    with pytest.raises(InvalidInput) as refused:
        student_update(student, data, acting_user=world.school_admin)
    assert list(refused.value.errors) == [field]
    return str(refused.value.errors[field])


def _api_message(api: ApiClient, world: World, field: str, value: str) -> str:
    api.login(world.school_admin)
    response = api.patch(f"/school/students/{world.student.pk}", {field: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["errors"]) == [field]
    return str(body["errors"][field])


@pytest.mark.parametrize("field", list(BAD))
def test_the_same_bad_value_gets_the_same_message_on_every_path(api: ApiClient, world: World, field: str) -> None:
    value, message = BAD[field]
    assert _roster_message(world, field, value) == message
    assert _form_message(world, field, value) == message
    assert _api_message(api, world, field, value) == message


@pytest.mark.parametrize("field", ["name", "id_number", "phone", "graduation_year", "degree"])
def test_a_missing_value_is_asked_for_alike(api: ApiClient, world: World, field: str) -> None:
    message = f"请填写{STUDENT_FIELDS[field].label}"
    assert _roster_message(world, field, "") == message
    assert _form_message(world, field, "") == message
    assert _api_message(api, world, field, "") == message


def test_the_api_corrects_only_the_fields_given(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    student = world.student
    response = api.patch(f"/school/students/{student.pk}", {"phone": "13912345678", "degree": "硕士研究生"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["phone"], body["name"]) == ("full", "13912345678", student.name)
    student.refresh_from_db()
    assert (student.phone, student.degree) == ("13912345678", "master")
    assert student.changes.get().changes["手机号"][1] == "13912345678"
    assert api.patch(f"/school/students/{world.outsider_student.pk}", {"phone": "13912345678"}).status_code == 404
    assert api.patch(f"/school/students/{student.pk}", {"student_no": "1"}).status_code in (400, 422)
    api.login(world.college_admin)
    assert api.patch(f"/school/students/{student.pk}", {"phone": "13912345679"}).status_code == 403
