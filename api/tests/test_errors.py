"""Bad input answers 4xx with a Chinese message in SPEC §6's shape, never a 500, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.models import Agreement, SendListItem, Student
from testsupport import TERMS, ApiClient, World

pytestmark = pytest.mark.django_db


def shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"detail", "code", "errors"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body["detail"]
    if code:
        assert body["code"] == code, body
    return body


def test_no_token_is_401(api: ApiClient) -> None:
    shape(api.get("/agreements"), 401, "not_authenticated")
    api.token = "forged"
    shape(api.get("/me"), 401)


def test_wrong_password_is_401(client: Client, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": "nope"}, content_type="application/json"
    )
    shape(response, 401, "invalid_credentials")


def test_malformed_json_and_wrong_types(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    bad = api.client.post(
        "/api/v1/agreements", "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )
    shape(bad, 400, "invalid")
    body = shape(api.post("/agreements", {"student_ids": "abc", "terms": {}}), 400, "invalid")
    assert "student_ids" in body["errors"]
    shape(api.post("/agreements", {"student_ids": [world.student.pk], "terms": {"monthly_salary": "很多"}}), 400)
    shape(api.post("/agreements", {"student_ids": [world.student.pk], "terms": {"bogus": 1}}), 400)
    shape(api.get("/agreements", page="x"), 400)
    assert Agreement.objects.count() == 0


def test_unknown_ids_and_out_of_range_pages(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    shape(api.get("/agreements/999999"), 404, "not_found")
    shape(api.post("/agreements/999999/withdraw"), 404)
    shape(api.get("/agreements/abc"), 404)
    shape(api.get("/agreements", page=5), 400)
    shape(api.get("/agreements", page_size=1000), 400)
    shape(api.get("/agreements", tab="nonsense"), 400)
    shape(api.get("/codes/nonsense"), 404)
    assert api.get("/agreements", page=1).json() == {"count": 0, "page": 1, "num_pages": 0, "results": []}


def test_wrong_method_is_405(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    assert api.client.delete("/api/v1/agreements", HTTP_AUTHORIZATION=f"Bearer {api.token}").status_code == 405
    assert api.client.get("/api/v1/auth/token").status_code == 405


def test_uploads_non_xlsx_and_huge(api: ApiClient, world: World, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    api.login(world.school_admin)
    text = SimpleUploadedFile("roster.xlsx", b"this is not a spreadsheet", content_type="application/octet-stream")
    body = shape(api.post("/school/roster/import", {"file": text}, format="multipart"), 400)
    assert "xlsx" in body["detail"]
    settings.WANGQIAN_MAX_UPLOAD_BYTES = 1000
    huge = SimpleUploadedFile("roster.xlsx", b"x" * 5000)
    assert "过大" in shape(api.post("/school/roster/import", {"file": huge}, format="multipart"), 400)["detail"]
    shape(api.post("/school/roster/import", {}, format="multipart"), 400)
    api.login(world.employer)
    shape(
        api.post(
            "/employer/send-list/import",
            {"file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04broken")},
            format="multipart",
        ),
        400,
    )
    assert Student.objects.count() == 3 and SendListItem.objects.count() == 0


def test_password_change_required(api: ApiClient, world: World) -> None:
    user = world.student.user
    user.must_change_password = True
    user.save()
    api.login(user)
    shape(api.get("/agreements"), 403, "password_change_required")
    assert api.get("/me").status_code == 200
    bad = api.post("/auth/password", {"old_password": "test-pass-2026", "new_password": "123"})
    assert "new_password" in shape(bad, 400)["errors"]
    ok = api.post("/auth/password", {"old_password": "test-pass-2026", "new_password": "a-better-pass-77"})
    assert ok.status_code == 200
    assert api.get("/agreements").status_code == 200


def test_no_password_derived_from_the_id_number(client: Client, world: World) -> None:
    """Hole 1: a roster student's first password was the last 6 characters of the 身份证号."""
    from django.contrib.auth.hashers import make_password

    user = world.student.user
    user.password = make_password(None)  # as roster import creates it
    user.must_change_password = True
    user.save()
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": world.student.id_number[-6:]},
        content_type="application/json",
    )
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"


def test_state_conflict_is_409(api: ApiClient, world: World) -> None:
    agreement = world.reach("declined")
    api.login(world.student.user)
    body = shape(api.post(f"/agreements/{agreement.pk}/accept"), 409, "invalid_status")
    assert "已拒约" in body["detail"]


def test_openapi_and_docs_are_served_offline(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/agreements/{agreement_id}/termination/approve" in spec["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui" in docs and "cdn." not in docs and "unpkg" not in docs


def test_terms_default_from_profile(api: ApiClient, world: World) -> None:
    api.login(world.employer)
    student = world.student
    api.get("/employer/students", graduation_year=2027, name=student.name, phone=student.phone)
    response = api.post(
        "/agreements",
        {
            "student_ids": [world.student.pk],
            "terms": {"position_category": TERMS["position_category"], "position": "法务"},
        },
    )
    assert response.status_code == 201, response.content
    terms = response.json()[0]["terms"]
    assert terms["archive_postcode"] == "110001" and terms["work_location_label"] == "辽宁省沈阳市和平区"
