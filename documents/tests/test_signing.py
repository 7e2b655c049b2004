from __future__ import annotations

import io
from pathlib import Path

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from documents.render import render_agreement_pdf
from documents.sample import sample_document_data
from documents.signing import CA_NAME, ensure_demo_certificate, get_signer, sign_pdf, verify_signature


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_agreement_pdf(sample_document_data())


def test_signature_validates_against_the_test_root(unsigned: bytes) -> None:
    report = verify_signature(sign_pdf(unsigned, location="东北大学"))
    assert report.valid and report.intact and report.trusted
    assert "东北大学" in report.signer_name
    assert report.signing_time is not None


@pytest.mark.parametrize("where", [0.3, 0.5, 0.9])
def test_one_changed_byte_breaks_the_signature(unsigned: bytes, where: float) -> None:
    signed = bytearray(sign_pdf(unsigned))
    position = int(len(unsigned) * where)
    signed[position] ^= 0x01
    report = verify_signature(bytes(signed))
    assert not report.valid


def test_a_changed_byte_inside_the_signature_value_breaks_it(unsigned: bytes) -> None:
    signed = sign_pdf(unsigned)
    start = signed.index(b"/Contents <", len(unsigned)) + len(b"/Contents <")
    hex_contents = signed[start : signed.index(b">", start)].lower()
    container = cms.ContentInfo.load(bytes.fromhex(hex_contents.decode()), strict=False)
    value = container["content"]["signer_infos"][0]["signature"].native.hex().encode()
    position = start + hex_contents.index(value) + len(value) // 2
    tampered = bytearray(signed)
    tampered[position] = ord("0") if tampered[position] != ord("0") else ord("1")
    report = verify_signature(bytes(tampered))
    assert report.present and not report.valid


def test_an_update_appended_after_signing_is_not_valid(unsigned: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sign_pdf(unsigned)))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    report = verify_signature(out.getvalue())
    assert report.present and not report.valid


def test_unsigned_and_garbage_files(unsigned: bytes) -> None:
    assert verify_signature(unsigned).present is False
    assert verify_signature(b"not a pdf").valid is False
    assert verify_signature(b"").valid is False


def test_a_certificate_from_another_root_is_not_trusted(unsigned: bytes, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trusted_ca = settings.SIGNING_CA_FILE
    key, cert = ensure_demo_certificate(tmp_path / "impostor", school_name="冒名大学")
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(key), str(cert)
    settings.SIGNING_CA_FILE = str(key.parent / CA_NAME)
    forged = sign_pdf(unsigned)
    assert verify_signature(forged).valid  # valid under its own root...
    settings.SIGNING_CA_FILE = trusted_ca
    report = verify_signature(forged)
    assert report.intact and not report.trusted and not report.valid  # ...but not under the school's


def test_demo_certificate_is_created_once(tmp_path: Path) -> None:
    key, cert = ensure_demo_certificate(tmp_path / "demo")
    before = (key.read_bytes(), cert.read_bytes())
    assert ensure_demo_certificate(tmp_path / "demo") == (key, cert)
    assert (key.read_bytes(), cert.read_bytes()) == before
    assert (key.stat().st_mode & 0o777) == 0o600


def test_the_signer_is_loaded_once() -> None:
    assert get_signer() is get_signer()


def test_signature_space_is_even_whatever_the_certificate_sizes() -> None:
    """Certificates of odd total length (a random serial number one byte short) once made signing fail with
    pyHanko's "bytes_reserved must be even"."""
    from documents.signing import signature_space

    class Cert:
        def __init__(self, size: int) -> None:
            self.size = size

        def dump(self) -> bytes:
            return b"x" * self.size

    assert signature_space([Cert(954), Cert(889)]) == 954 + 889 + 6144 + 1  # type: ignore[list-item]
    assert signature_space([Cert(955), Cert(889)]) == 955 + 889 + 6144  # type: ignore[list-item]
