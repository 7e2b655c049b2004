"""我的记录证明 (issue 21 item 3): a graduate downloads their own agreements and 去向 with a hash chain proof that
anyone can check against the platform's signed checkpoint, without other graduates' records."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AgreementEvent
from core.models.ledger import LedgerCheckpoint
from documents.checkpoints import checkpoint_check, checkpoint_create
from testsupport import World

URL = reverse("student:record_proof")


@pytest.fixture(autouse=True)
def _signing(settings, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    from documents.signing import CA_NAME, ensure_demo_certificate

    key, cert = ensure_demo_certificate(tmp_path_factory.getbasetemp() / "record-pki")
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(key), str(cert)
    settings.SIGNING_CA_FILE = str(key.parent / CA_NAME)


def fold(start: str, digests: list[str]) -> str:
    value = bytes.fromhex(start)
    for digest in digests:
        value = hashlib.sha256(value + bytes.fromhex(digest)).digest()
    return value.hex()


def check_proof(proof: dict[str, Any]) -> int:
    """An independent check of the downloaded proof, as its how_to_verify says; returns the entries proven."""
    proven = 0
    for segment in proof["segments"]:
        digests = segment["digests"]
        assert len(digests) == segment["to_seq"] - segment["from_seq"] + 1
        target = segment["checkpoint"]["hash"] if "checkpoint" in segment else segment["head"]["hash"]
        assert fold(segment["start_prev_hash"], digests) == target
        for entry in proof["entries"]:
            if segment["from_seq"] <= entry["seq"] <= segment["to_seq"]:
                own = hashlib.sha256(entry["content"].encode()).hexdigest()
                assert digests[entry["seq"] - segment["from_seq"]] == own
                proven += 1
    return proven


def test_student_downloads_own_record_with_a_proof_to_the_signed_checkpoint(world: World, login_as: Any) -> None:
    agreement = world.reach("effective")
    world.reach("invited", student=world.other_student)  # someone else's events in between
    checkpoint = checkpoint_create()
    assert checkpoint is not None
    world.reach("invited", student=world.outsider_student)
    client: Client = login_as(world.student)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    proof = json.loads(response.content)
    mine = set(AgreementEvent.objects.filter(agreement=agreement).values_list("pk", flat=True))
    agreement_entries = [e for e in proof["entries"] if e["kind"] == "agreement_event"]
    assert {json.loads(e["content"])["id"] for e in agreement_entries} == mine
    assert any(e["kind"] == "destination_event" for e in proof["entries"])
    assert check_proof(proof) == len(proof["entries"])
    signed = proof["segments"][0]["checkpoint"]
    assert signed["id"] == checkpoint.pk
    assert checkpoint_check(LedgerCheckpoint.objects.get(pk=signed["id"])) is None
    assert proof["record"]["agreements"][0]["employer"] == world.employer.employer.name


def test_events_after_the_last_checkpoint_are_proven_to_the_head(world: World, login_as: Any) -> None:
    world.reach("college_review")
    proof = json.loads(login_as(world.student).get(URL).content)
    assert [set(s) & {"checkpoint", "head"} for s in proof["segments"]] == [{"head"}]
    assert check_proof(proof) == len(proof["entries"]) > 0


def test_a_proof_beyond_the_limit_is_refused_with_a_message(world: World, login_as: Any, settings) -> None:  # type: ignore[no-untyped-def]
    world.reach("effective")
    settings.LEDGER_PROOF_MAX_LINKS = 2
    client = login_as(world.student)
    response = client.get(URL, follow=True)
    assert response.redirect_chain[-1][0] == reverse("student:profile")
    assert "记录证明过长（超过 2 行）" in response.content.decode()


def test_only_students_download_a_record(world: World, login_as: Any) -> None:
    response = login_as(world.employer).get(URL)
    assert response.status_code in (403, 404)


def test_profile_page_offers_the_download(world: World, login_as: Any) -> None:
    page = login_as(world.student).get(reverse("student:profile")).content.decode()
    assert URL in page and "下载我的记录证明" in page
