"""With TSA_URL set, the agreement PDF's signature is PAdES B-T (an RFC 3161 signature time-stamp) with validation
data embedded (B-LT), and the ledger's checkpoints are timestamped (issue 20 item 5, issue 21 item 3).

The authority is real: certomancer's TSA served over HTTP by the suite (documents/tests/tsa.py). The PDF and the
checkpoint are read by pyHanko's command line validator, run as a separate program on the written files.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from core.models.ledger import LedgerCheckpoint
from documents.checkpoints import checkpoint_check, checkpoint_create
from documents.render import render_agreement_pdf
from documents.sample import sample_document_data
from documents.signing import sign_pdf, verify_signature
from documents.tests.tsa import TsaServer, running_tsa
from testsupport import World

PYHANKO = shutil.which("pyhanko") or str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "pyhanko")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaServer]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with running_tsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture
def with_tsa(settings, tsa: TsaServer) -> TsaServer:  # type: ignore[no-untyped-def]
    settings.TSA_URL, settings.TSA_CA_FILE = tsa.url, str(tsa.root_pem)
    return tsa


def validate(path: Path, *trust: str, detached: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [PYHANKO, "sign", "validate", "--pretty-print", "--no-revocation-check", "--trust-replace"]
    for root in trust:
        command += ["--trust", root]
    if detached is not None:
        command += ["--detached", str(detached)]
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120, check=False)


def test_signed_pdf_carries_a_timestamp_an_independent_validator_reads(
    with_tsa: TsaServer,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    signed = sign_pdf(render_agreement_pdf(sample_document_data()))
    path = tmp_path / "agreement.pdf"
    path.write_bytes(signed)
    result = validate(path, settings.SIGNING_CA_FILE, str(with_tsa.root_pem))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout
    assert "Signature timestamp token:" in summary, summary
    assert 'TSA certificate subject: "Common Name: Test Time Stamping Authority' in summary
    assert "The TSA certificate is trusted." in summary
    assert "The signature is judged VALID." in summary
    # B-LT: a document security store with the chains' validation data, appended after the signature.
    reader = PdfFileReader(io.BytesIO(signed))
    assert "/DSS" in reader.root
    report = verify_signature(signed)  # the /verify/ page accepts it and names the authority's time
    assert report.valid and report.timestamp_time is not None


def test_the_timestamp_is_refused_against_another_authority(
    with_tsa: TsaServer,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(sign_pdf(render_agreement_pdf(sample_document_data())))
    result = validate(path, settings.SIGNING_CA_FILE)  # the authority's root not trusted
    assert "The TSA certificate is untrusted." in result.stdout
    assert result.returncode != 0 and "The signature is judged INVALID." in result.stdout


def test_without_tsa_url_the_signature_has_no_timestamp(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.TSA_URL = ""
    path = tmp_path / "agreement.pdf"
    path.write_bytes(sign_pdf(render_agreement_pdf(sample_document_data())))
    assert verify_signature(path.read_bytes()).timestamp_time is None
    result = validate(path, settings.SIGNING_CA_FILE)
    assert result.returncode == 0, result.stdout
    assert "The signature is judged VALID." in result.stdout
    assert "Signature timestamp token" not in result.stdout


def test_checkpoint_is_timestamped_and_validates_against_the_authority(
    world: World,
    with_tsa: TsaServer,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    world.reach("effective")
    checkpoint = checkpoint_create()
    assert checkpoint is not None and checkpoint.timestamped_at is not None
    assert checkpoint_check(checkpoint) is None
    statement, signature = tmp_path / "statement.json", tmp_path / "checkpoint.p7s"
    statement.write_text(checkpoint.statement)
    signature.write_bytes(bytes(checkpoint.signature))
    result = validate(statement, settings.SIGNING_CA_FILE, str(with_tsa.root_pem), detached=signature)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The TSA certificate is trusted." in result.stdout

    # Against an authority it does not trust, the checkpoint's time is not accepted.
    settings.TSA_CA_FILE = ""
    assert checkpoint_check(LedgerCheckpoint.objects.get(pk=checkpoint.pk)) == "可信时间戳不受信任"
