"""No input makes a page answer 500: bad ids, Unicode digits, integers past the database's range, NUL bytes and
lone surrogates answer 4xx or a friendly page. Each row reproduced a 500 once (issue 10, hole 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import Student, User
from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one past SQLite's and PostgreSQL's bigint
HUGER = "99999999999999999999"
SUP2 = "²"  # str.isdigit() is true, int() refuses it
ARABIC = "٢٠٢٧"  # Arabic-Indic 2027: int() accepts it, it is no 毕业年度 a form shows
NUL = "%00"
SURROGATE = "%ED%A0%80"  # the UTF-8-like bytes of U+D800

# (persona, method, path, form data or an urlencoded body)
CASES: list[tuple[str, str, str, dict[str, Any] | str | None]] = [
    ("anonymous", "get", f"/verify/{NUL}", None),
    ("anonymous", "get", f"/verify/abc{SURROGATE}", None),
    ("anonymous", "get", f"/verify/?code={NUL}", None),
    ("anonymous", "get", f"/login/?next={NUL}", None),
    ("anonymous", "post", "/login/", {"username": "a\x00b", "password": "x"}),
    ("anonymous", "post", "/login/", f"username={SURROGATE}&password=x"),
    ("employer", "get", f"/employer/agreements/{HUGE}/", None),
    ("employer", "get", f"/employer/agreements/{HUGER}/modify/", None),
    ("employer", "get", f"/employer/agreements/?school={SUP2}", None),
    ("employer", "get", f"/employer/agreements/?school={HUGE}", None),
    ("employer", "get", f"/employer/agreements/?year={SUP2 * 4}", None),
    ("employer", "get", f"/employer/agreements/?name={NUL}&major={NUL}", None),
    ("employer", "get", f"/employer/agreements/export/?ids={SUP2}&ids={HUGE}", None),
    ("employer", "get", f"/employer/terminations/?school={HUGE}&name={NUL}", None),
    ("employer", "get", f"/employer/invite/?search=1&year={SUP2 * 4}&name=x&keyword=y", None),
    ("employer", "get", f"/employer/invite/?search=1&year=2027&name={NUL}&keyword={NUL}", None),
    ("employer", "post", "/employer/invite/add/", {"student_id": SUP2}),
    ("employer", "post", "/employer/invite/add/", {"student_id": HUGE}),
    ("employer", "post", "/employer/invite/remove/", {"ids": [SUP2, HUGE]}),
    ("employer", "get", f"/employer/invite/letter/?ids={SUP2}&ids={HUGE}", None),
    ("employer", "get", f"/employer/regions/?parent={NUL}", None),
    ("student", "get", f"/student/agreements/{HUGE}/", None),
    ("student", "get", f"/student/invitations/{HUGER}/", None),
    ("student", "post", f"/student/invitations/{HUGE}/accept/", {"send_code": "1", "version": SUP2}),
    ("student", "post", "/student/invitations/1/accept/", {"confirmed": "1", "confirmation_id": HUGE, "code": SUP2}),
    (
        "student",
        "post",
        "/student/invitations/1/accept/",
        {"confirmed": "1", "confirmation_id": "1", "credential": "x"},
    ),
    ("school_admin", "get", f"/school/agreements/?college={SUP2}&year={SUP2 * 4}", None),
    ("school_admin", "get", f"/school/agreements/?college={HUGE}", None),
    ("school_admin", "get", f"/school/agreements/?name={NUL}&id_number={NUL}", None),
    ("school_admin", "get", f"/school/reviews/?college={HUGE}", None),
    ("school_admin", "get", f"/school/students/?year={SUP2}&college={SUP2}", None),
    ("school_admin", "get", f"/school/students/?year={HUGE}&college={HUGE}&q={NUL}", None),
    ("school_admin", "get", f"/school/stats/?year={SUP2 * 4}", None),
    ("school_admin", "get", f"/school/plan/?year={SUP2 * 4}", None),
    ("school_admin", "get", f"/school/students/{HUGE}/", None),
    ("school_admin", "get", f"/school/employers/{HUGE}/", None),
    ("school_admin", "get", f"/school/roster/import/{HUGE}/", None),
    ("school_admin", "post", "/school/reviews/approve/", {"ids": [SUP2, HUGE]}),
    ("school_admin", "post", "/school/settings/", {"max_terminations": SUP2, "invitation_validity_days": SUP2}),
    ("school_admin", "post", "/school/settings/", {"max_terminations": HUGE, "invitation_validity_days": HUGE}),
    ("school_admin", "post", "/school/settings/", {"number_format": "a\x00b"}),
    ("college_admin", "get", f"/school/agreements/?college={HUGE}&year={ARABIC}", None),
]


def _client_for(world: World, persona: str, client: Client, login_as: LoginAs) -> Client:
    """A 500 raises in the test client, so any view error fails the test."""
    users: dict[str, User | Student] = {
        "employer": world.employer,
        "student": world.student,
        "school_admin": world.school_admin,
        "college_admin": world.college_admin,
    }
    return login_as(users[persona]) if persona in users else client


@pytest.mark.parametrize(("persona", "method", "path", "data"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_bad_input_never_answers_500(
    world: World, client: Client, login_as: LoginAs, persona: str, method: str, path: str, data: Any
) -> None:
    world.reach("effective")
    client = _client_for(world, persona, client, login_as)
    if method == "get":
        response = client.get(path)
    elif isinstance(data, str):
        response = client.post(path, data, content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(path, data)
    assert response.status_code < 500, (path, response.status_code)
    if response.status_code == 400:  # a page of ours, in Chinese, not Django's bare English one
        assert "Bad Request" not in response.content.decode(), response.content[:300]
        assert "<!doctype html>" in response.content.decode()


def test_a_nul_byte_is_refused_before_any_view_runs(world: World, client: Client, login_as: LoginAs) -> None:
    client = _client_for(world, "employer", client, login_as)
    response = client.get(f"/employer/agreements/?name={NUL}")
    assert response.status_code == 400
    assert "不允许的字符" in response.content.decode()


def test_multipart_without_boundary_is_a_400_page(world: World, client: Client, login_as: LoginAs) -> None:
    client = _client_for(world, "employer", client, login_as)
    response = client.generic("POST", "/employer/invite/import/", b"--x--", CONTENT_TYPE="multipart/form-data")
    assert response.status_code == 400
    assert "请求" in response.content.decode()


def test_settings_refuse_unicode_and_huge_numbers_naming_the_field(
    world: World, client: Client, login_as: LoginAs
) -> None:
    client = _client_for(world, "school_admin", client, login_as)
    before = world.school.invitation_validity_days
    for raw in (SUP2, HUGE, ARABIC):
        response = client.post("/school/settings/", {"invitation_validity_days": raw, "number_format": "{year}"})
        assert response.status_code == 400, raw
        assert "邀约有效期应为1到90天" in response.content.decode(), raw
    world.school.refresh_from_db()
    assert world.school.invitation_validity_days == before


def test_page_numbers_and_ids_out_of_range_are_404(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    client = _client_for(world, "employer", client, login_as)
    for page in ("0", HUGE, str(2**63 - 1)):
        assert client.get(f"/documents/agreements/{agreement.pk}/pages/{page}.png").status_code == 404, page
    assert client.get(f"/documents/agreements/{HUGE}/pdf").status_code == 404
