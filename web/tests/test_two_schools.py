"""One platform, many schools (issue 19): every school's 学号 space is its own.

Two schools each import a student 2027001; both activate, sign in (page and API) and sign. A bare 学号 that
several schools have needs the school; one that only one school has still works. Employers' and admins' names live
apart from students', so registering a name like a 学号 is refused by its form, never by whose it is (6(a), 6(e)).
"""

from __future__ import annotations

import datetime
import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.identifiers import make_credit_code, make_id_number
from core.models import Role, Student, User
from core.services.activation import activation_codes_issue
from core.services.employers import employer_register
from core.services.roster import ROSTER_HEADERS, roster_import
from testsupport import PASSWORD, LoginAs, World, confirm, invite, register_employer, xlsx_bytes

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Neu-2027-xyz"


def _import(world: World, *, other: bool, number: str = "2027001", serial: int = 1) -> Student:
    school = world.other_school if other else world.school
    admin = world.other_school_admin if other else world.school_admin
    college = "法学院" if other else "文法学院"
    row = [
        number,
        "陈晨" if other else "李明",
        "女" if other else "男",
        make_id_number(serial, birth=datetime.date(2004, 3, 1), female=other),
        f"1371234{serial:04d}",
        "",
        2027,
        college,
        "法学",
        "本科",
    ]
    roster_import(school, xlsx_bytes(list(ROSTER_HEADERS), [row]), dry_run=False, acting_user=admin)
    return Student.objects.select_related("user").get(school=school, student_no=number)


def _code(world: World, student: Student) -> str:
    other = student.school_id == world.other_school.pk
    admin = world.other_school_admin if other else world.school_admin
    [issued] = activation_codes_issue(student.school, student_numbers=[student.student_no], acting_user=admin)
    return issued.code


def _token(client: Client, **body: str) -> Any:
    return client.post("/api/v1/auth/token", body, content_type="application/json")


def _alert(page: Any) -> str:
    return " ".join(re.findall(r'role="alert">(.*?)</div>', page.content.decode(), flags=re.S))


def test_two_schools_each_import_activate_sign_in_and_sign_2027001(world: World, client: Client) -> None:
    ours, theirs = _import(world, other=False), _import(world, other=True, serial=2)
    assert ours.user is not None and theirs.user is not None and ours.user != theirs.user
    assert (ours.user.username, theirs.user.username) == ("10145:2027001", "10140:2027001")

    # 激活账号 on the page: the school chosen, the 学号, the code.
    form = client.get(reverse("web:activate")).content.decode()
    assert 'name="school_code"' in form and "辽宁大学（10140）" in form and "东北大学（10145）" in form
    activated = client.post(
        reverse("web:activate"),
        {
            "school_code": "10140",
            "username": "2027001",
            "code": _code(world, theirs),
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert activated.status_code == 302 and client.session["_auth_user_id"] == str(theirs.user.pk)
    assert activated.cookies["wq_school"].value == "10140"  # the login page offers the school again
    client.post(reverse("web:logout"))
    # …and through the API, for the other school's 2027001.
    body = {"username": "2027001", "school_code": "10145", "code": _code(world, ours), "new_password": NEW_PASSWORD}
    answer = client.post("/api/v1/auth/activate", body, content_type="application/json")
    assert answer.status_code == 200, answer.content

    # Sign in: each with their school, on the page and by the API; the same password opens only one's own.
    for student, code in ((ours, "10145"), (theirs, "10140")):
        page = client.post(reverse("web:login"), {"school_code": code, "username": "2027001", "password": NEW_PASSWORD})
        assert page.status_code == 302 and client.session["_auth_user_id"] == str(student.user_id)
        assert page.cookies["wq_school"].value == code
        client.post(reverse("web:logout"))
        for typed in (f"{code}:2027001", f"{code} 2027001", f"{code}：2027001"):
            assert _token(client, username=typed, password=NEW_PASSWORD).status_code == 200, typed
        me = client.get(
            "/api/v1/me",
            HTTP_AUTHORIZATION="Bearer "
            + _token(client, username="2027001", school_code=code, password=NEW_PASSWORD).json()["token"],
        ).json()
        assert me["student"]["student_no"] == "2027001" and me["school"]["name"] == student.school.name
    assert (
        client.get(reverse("web:login"), HTTP_COOKIE="wq_school=10140")
        .content.decode()
        .count('<option value="10140" selected>')
    )

    # Both sign: an employer invites each, each accepts with their own token.
    agreements = [a for s in (ours, theirs) for a in invite(world.employer, s)]
    for student, agreement in zip((ours, theirs), agreements, strict=True):
        token = _token(client, username="2027001", school_code=student.school.code, password=NEW_PASSWORD).json()[
            "token"
        ]
        body = {"confirmation": confirm(student.user, "accept", agreement)}  # 本人确认 (SMS way)
        accepted = client.post(
            f"/api/v1/agreements/{agreement.pk}/accept",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert accepted.status_code == 200, accepted.content
        assert accepted.json()["student"]["student_no"] == "2027001"
        other = agreements[1 - agreements.index(agreement)]
        assert client.get(f"/api/v1/agreements/{other.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


def test_a_bare_number_two_schools_have_needs_the_school(world: World, client: Client) -> None:
    ours, theirs = _import(world, other=False), _import(world, other=True, serial=2)
    only_ours = _import(world, other=False, number="2027002", serial=3)
    for student in (ours, theirs, only_ours):
        assert student.user is not None
        student.user.set_password(NEW_PASSWORD)
        student.user.save()
    refused = _token(client, username="2027001", password=NEW_PASSWORD)
    assert refused.status_code == 400 and refused.json()["code"] == "school_required"
    assert "请选择学校" in refused.json()["detail"] and "school_code" in refused.json()["errors"]
    page = client.post(reverse("web:login"), {"username": "2027001", "password": NEW_PASSWORD})
    assert page.status_code == 200 and "请选择学校" in _alert(page) and "_auth_user_id" not in client.session
    # A 学号 only one school has still signs in without the school (one-school platforms keep working).
    assert _token(client, username="2027002", password=NEW_PASSWORD).status_code == 200
    # A school code that does not exist is said so, naming the field.
    unknown = _token(client, username="2027001", school_code="99999", password=NEW_PASSWORD)
    assert unknown.status_code == 400 and "school_code" in unknown.json()["errors"]


def test_a_school_left_chosen_does_not_stop_an_employer(world: World, client: Client) -> None:
    page = client.post(
        reverse("web:login"), {"school_code": "10145", "username": world.employer.username, "password": PASSWORD}
    )
    assert page.status_code == 302 and client.session["_auth_user_id"] == str(world.employer.pk)
    assert "wq_school" not in page.cookies  # only a student's school is remembered


def test_password_reset_reaches_the_student_of_the_school_chosen(world: World, client: Client) -> None:
    ours, theirs = _import(world, other=False), _import(world, other=True, serial=2)
    for student, address in ((ours, "ours@example.com"), (theirs, "theirs@example.com")):
        assert student.user is not None
        student.user.set_password(NEW_PASSWORD)
        student.user.email = address
        student.user.save()
    chosen = client.post(reverse("web:password_reset"), {"school_code": "10140", "username": "2027001"})
    ambiguous = client.post(reverse("web:password_reset"), {"username": "2027001"})
    assert chosen.status_code == ambiguous.status_code == 200
    [sent] = mail.outbox  # without the school nothing is sent, and the answer is the same
    assert sent.to == ["theirs@example.com"] and "辽宁大学 学号 2027001" in str(sent.body)
    assert "10140:" not in str(sent.body)


def test_the_school_sees_the_number_never_the_internal_name(world: World, login_as: LoginAs) -> None:
    theirs = _import(world, other=True)
    page = login_as(world.other_school_admin).get(reverse("school:student", args=[theirs.pk]))
    text = page.content.decode()
    assert "2027001" in text and "10140:2027001" not in text
    assert theirs.user is not None
    security = login_as(theirs.user).get(reverse("web:security")).content.decode()
    assert "10140:2027001" not in security


def test_sso_matches_the_number_within_its_school(world: World) -> None:
    from sso.selectors import account_for_identity

    ours, theirs = _import(world, other=False), _import(world, other=True, serial=2)
    assert account_for_identity(world.school, "2027001") == ours.user
    assert account_for_identity(world.other_school, "2027001") == theirs.user


BASIC = {
    "name": "沈阳未来科技有限公司",
    "contact_person": "周经理",
    "phone": "13912340001",
    "email": "hr@future.example.com",
    "address": "辽宁省沈阳市和平区南京北街1号",
}


def _register(username: str, serial: int) -> Any:
    data = {**BASIC, "credit_code": make_credit_code(900 + serial)}
    return register_employer(username, data, mobile=f"1370000{serial:04d}")


def test_an_employer_cannot_squat_a_number_and_registration_names_no_role(world: World) -> None:
    """6(a): a name like a future 学号 is refused by its form, before anyone's account is looked at; 6(e): a name
    an employer or an admin has gets one sentence, whoever has it, and only once the rest of the form is valid."""
    from core.errors import InvalidInput

    for n, squat in enumerate(("2027201", "10145:2027201", "10145 2027201", "20272O1:x")):
        with pytest.raises(InvalidInput) as refused:
            _register(squat, n)
        assert refused.value.errors["username"] == "登录用户名应为3到30位英文字母、数字或 _ . - @，以字母开头"
    answers = set()
    for n, taken in enumerate((world.employer.username, world.school_admin.username.upper(), "school_lnu"), start=10):
        with pytest.raises(InvalidInput) as refused:
            _register(taken, n)
        answers.add(refused.value.detail)
    assert answers == {"该登录用户名不可用，请换一个"}
    # An incomplete form says nothing about the name at all.
    with pytest.raises(InvalidInput) as incomplete:
        employer_register(
            username=world.school_admin.username,
            password="Strong-pass-2026",
            data={},
            mobile="",
            sms_code="",
            licence_name="",
            licence=b"",
        )
    assert "username" not in incomplete.value.errors
    assert _register("future_hr", 20).role == Role.EMPLOYER
    assert not User.objects.filter(username__in=["2027201", "10145:2027201"]).exists()


def test_the_migration_names_existing_students_by_school() -> None:
    from testsupport import make_college, make_school

    school = make_school("辽宁大学", "10140")
    college = make_college(school, "法学院")
    from testsupport import make_student

    student = make_student(college)
    User.objects.filter(pk=student.user.pk).update(username=student.student_no)
    migration = importlib.import_module("core.migrations.0024_student_usernames")
    migration.forwards(apps, None)
    assert User.objects.get(pk=student.user.pk).username == f"10140:{student.student_no}"
    migration.backwards(apps, None)
    assert User.objects.get(pk=student.user.pk).username == student.student_no


def test_the_code_sheet_links_activation_with_the_school_chosen(world: World, login_as: LoginAs) -> None:
    client = login_as(world.other_school_admin)
    theirs = _import(world, other=True)
    page = client.post(reverse("school:student_activation_code", args=[theirs.pk])).content.decode()
    assert "/activate/?school=10140" in page and "辽宁大学" in page
    form = Client().get("/activate/?school=10140").content.decode()
    assert '<option value="10140" selected>' in form and '<option value="10145" selected>' not in form


def test_the_registration_page_states_the_name_rule_and_refuses_a_number_beside_the_field(client: Client) -> None:
    page = client.get(reverse("employer:register")).content.decode()
    assert 'id="hint_username">3到30位英文字母、数字或 _ . - @，以字母开头' in page
    refused = client.post(reverse("employer:register"), {"username": "2027201", "password": "x", "password2": "x"})
    text = refused.content.decode()
    assert 'is-invalid" id="id_username"' in text and "以字母开头" in text
    assert not User.objects.filter(username="2027201").exists()
