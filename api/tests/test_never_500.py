"""Input that once answered 500 under /api/v1 (issue 10, hole 4) now answers 4xx in SPEC §6's error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from api.tests.test_errors import shape
from core.models import Agreement, SendListItem
from testsupport import World

pytestmark = pytest.mark.django_db

HUGE = 2**63


@pytest.fixture
def raw() -> Client:
    """A client that returns the 500 instead of raising the view's exception, as a real server would."""
    return Client(raise_request_exception=False)


def _bearer(api: Any) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}


# json.dumps writes these as the escapes `\ud800` and `\u0000`, as an attacker's client would.
@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\x00", "x\x00"])
def test_unstorable_text_in_json_is_400_naming_the_field(raw: Client, world: World, text: str) -> None:
    body = json.dumps({"username": text, "password": "x"})
    response = raw.post("/api/v1/auth/token", body, content_type="application/json")
    assert shape(response, 400, "invalid")["errors"] == {"username": "含有不允许的字符"}


def test_unstorable_remarks_and_terms_change_nothing(raw: Client, api: Any, world: World) -> None:
    agreement = world.reach("college_review")
    api.login(world.college_admin)
    response = raw.post(
        f"/api/v1/agreements/{agreement.pk}/return",
        '{"remark": "\\ud83d\\ude00 fine emoji, \\ud800 lone half"}',
        content_type="application/json",
        **_bearer(api),
    )
    assert shape(response, 400, "invalid")["errors"] == {"remark": "含有不允许的字符"}
    api.login(world.employer)
    terms = json.dumps({"student_ids": [world.student.pk], "terms": {"position_category": "13", "position": "a\x00"}})
    response = raw.post("/api/v1/agreements", terms, content_type="application/json", **_bearer(api))
    assert shape(response, 400, "invalid")["errors"] == {"terms.position": "含有不允许的字符"}
    assert Agreement.objects.get(pk=agreement.pk).status == agreement.status
    assert Agreement.objects.count() == 1


def test_a_valid_surrogate_pair_is_just_an_emoji(raw: Client, api: Any, world: World) -> None:
    agreement = world.reach("college_review")
    api.login(world.college_admin)
    response = raw.post(
        f"/api/v1/agreements/{agreement.pk}/return",
        json.dumps({"remark": "材料不全 😀"}),
        content_type="application/json",
        **_bearer(api),
    )
    assert response.status_code == 200, response.content


def test_integers_past_the_database_range(raw: Client, api: Any, world: World) -> None:
    api.login(world.school_admin)
    for query in (f"college_id={HUGE}", f"school_id={HUGE}", "college_id=0", f"college_id={10**30}"):
        body = shape(raw.get(f"/api/v1/agreements?{query}", **_bearer(api)), 400, "invalid")
        assert query.split("=")[0] in body["errors"], body
    for path in (f"/agreements/{HUGE}", f"/agreements/{HUGE}/document", f"/agreements/{10**30}"):
        shape(raw.get(f"/api/v1{path}", **_bearer(api)), 404, "not_found")
    shape(raw.post(f"/api/v1/school/employers/{HUGE}/verify", {}, "application/json", **_bearer(api)), 404)
    api.login(world.employer)
    for body in ({"student_id": HUGE}, {"student_id": 0}):
        shape(raw.post("/api/v1/employer/send-list", body, "application/json", **_bearer(api)), 400, "invalid")
    invite = {"student_ids": [HUGE], "terms": {"position_category": "13", "position": "工程师"}}
    shape(raw.post("/api/v1/agreements", invite, "application/json", **_bearer(api)), 400, "invalid")
    shape(raw.delete(f"/api/v1/employer/send-list/{HUGE}", **_bearer(api)), 404)
    assert not SendListItem.objects.exists()


def test_unicode_digits_are_not_numbers(raw: Client, api: Any, world: World) -> None:
    api.login(world.employer)
    for query in ("graduation_year=²", "page=²", "graduation_year=٢٠٢٧"):
        shape(raw.get(f"/api/v1/agreements?{query}", **_bearer(api)), 400, "invalid")
    shape(raw.get("/api/v1/agreements/²", **_bearer(api)), 404)


def test_nul_in_query_path_or_header_is_400(raw: Client, api: Any, world: World) -> None:
    api.login(world.employer)
    shape(raw.get("/api/v1/verify/%00"), 400, "invalid")
    shape(raw.get("/api/v1/agreements?name=%00", **_bearer(api)), 400, "invalid")
    shape(raw.get("/api/v1/employer/students?graduation_year=2027&name=a%00&phone=1", **_bearer(api)), 400)
    shape(raw.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer abc\x00def"), 400, "invalid")


def test_multipart_without_boundary_is_400(raw: Client, api: Any, world: World) -> None:
    api.login(world.employer)
    response = raw.generic(
        "POST", "/api/v1/employer/send-list/import", b"--x--", CONTENT_TYPE="multipart/form-data", **_bearer(api)
    )
    shape(response, 400, "invalid")


def test_unrouted_paths_and_wrong_methods_have_the_error_shape(raw: Client, api: Any, world: World) -> None:
    api.login(world.employer)
    shape(raw.get("/api/v1/nope"), 404, "not_found")
    shape(raw.get("/api/v1/agreements/1/nope", **_bearer(api)), 404, "not_found")
    response = raw.put("/api/v1/agreements", "{}", content_type="application/json", **_bearer(api))
    shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    shape(raw.get("/api/v1/auth/token"), 405, "method_not_allowed")
