"""GET /verify/{code}: the public check answers as the /verify/ page does, for the code as printed."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from core.services import agreements as wf
from documents.builder import format_code
from testsupport import World, confirm


def test_the_code_as_printed_is_found(world: World, client: Client) -> None:
    agreement = world.reach("effective")
    code = agreement.verification_code
    assert code is not None
    printed = format_code(code)  # K7QF-2M9X-TR4D, as on the PDF
    for typed in (printed, printed.lower(), f" {printed.replace('-', ' ')} ", code.lower()):
        response = client.get(f"/api/v1/verify/{typed}")
        assert response.status_code == 200, typed
        assert response.json()["number"] == agreement.number
    assert client.get("/api/v1/verify/ZZZZ-ZZZZ-ZZZZ").json()["code"] == "unknown_code"


def _both(client: Client, code: str) -> tuple[dict[str, Any], str]:
    api = client.get(f"/api/v1/verify/{code}").json()
    page = client.get(reverse("documents:verify_code", args=[code])).content.decode()
    return api, page


def test_an_agreement_under_a_termination_request_is_still_effective(world: World, client: Client) -> None:
    # SPEC §2/§9: an agreement stays in force until its 解约 is approved; the API and the page say the same.
    agreement = world.reach("effective")
    code = agreement.verification_code
    assert code is not None and world.student.user is not None
    wf.termination_request(
        agreement,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", agreement),
    )
    api, page = _both(client, code)
    assert api["effective"] is True and api["status"] == "termination_requested"
    assert "该协议书已生效" in page
    wf.termination_accept(agreement, acting_user=world.employer)
    api, page = _both(client, code)
    assert api["effective"] is True and "该协议书已生效" in page
    wf.termination_approve(agreement, acting_user=world.school_admin)
    api, page = _both(client, code)
    assert api["effective"] is False and "不再有效" in page
