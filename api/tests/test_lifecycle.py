"""The whole life of an agreement through HTTP: happy path, both 解约 paths."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from testsupport import PASSWORD, TERMS, ApiClient, World

pytestmark = pytest.mark.django_db


def _token_for(client: Client, username: str) -> Any:
    api = ApiClient(client.__class__())
    response = api.client.post(
        "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    api.token = response.json()["token"]
    return api


def test_happy_path_and_student_termination(world: World, client: Client) -> None:
    hr = _token_for(client, "alice")
    student = world.student
    found = hr.get(
        "/employer/students", graduation_year=student.graduation_year, name=student.name, id_number=student.id_number
    )
    assert found.status_code == 200
    (row,) = found.json()
    assert row["id_number"] == student.id_number[:6] + "*****" + student.id_number[-4:]
    assert hr.post("/employer/send-list", {"student_id": row["id"]}).status_code == 201
    created = hr.post("/agreements", {"student_ids": [row["id"]], "terms": TERMS})
    assert created.status_code == 201, created.content
    agreement_id = created.json()[0]["id"]
    assert created.json()[0]["status"] == "invited"
    assert hr.get("/employer/send-list").json() == []

    me = _token_for(client, student.student_no)
    refused = me.post(f"/agreements/{agreement_id}/accept")  # the session alone never suffices
    assert refused.status_code == 403 and refused.json()["code"] == "confirmation_required"
    accepted = me.post(f"/agreements/{agreement_id}/accept", {"confirmation": me.confirm("accept", agreement_id)})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["review_status_label"] == "待学院审核"

    college = _token_for(client, "college_law")
    assert college.post(f"/agreements/{agreement_id}/approve").json()["status"] == "school_review"
    school = _token_for(client, "school_neu")
    effective = school.post(f"/agreements/{agreement_id}/approve").json()
    assert effective["status"] == "effective"
    assert effective["number"] == f"{student.graduation_year}1014500001"
    assert len(effective["verification_code"]) == 12
    assert [e["action"] for e in effective["events"]] == ["invite", "accept", "college_approve", "school_approve"]

    proof = me.confirm("termination", agreement_id)
    requested = me.post(f"/agreements/{agreement_id}/termination", {"reason": "考取研究生", "confirmation": proof})
    assert requested.json()["response_status_label"] == "待解约"
    assert requested.json()["review_status_label"] == "签约审核通过"
    assert hr.post(f"/agreements/{agreement_id}/termination/accept").json()["status"] == "termination_review"
    done = school.post(f"/agreements/{agreement_id}/termination/approve").json()
    assert done["status"] == "terminated"
    assert done["response_status_label"] == "已解约" and done["review_status_label"] == "解约审核通过"
    public = client.get(f"/api/v1/verify/{effective['verification_code']}").json()
    assert public["status"] == "terminated" and public["effective"] is False


def test_document_endpoint(world: World, api: ApiClient) -> None:
    agreement = world.reach("effective")
    api.login(world.employer)
    response = api.get(f"/agreements/{agreement.pk}/document")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    api.login(world.other_employer)
    assert api.get(f"/agreements/{agreement.pk}/document").status_code == 404
