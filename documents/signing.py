"""The school's PAdES signature on the agreement, and its verification.

Production configures the school's key and certificate as PEM files (SIGNING_KEY_FILE, SIGNING_CERT_FILE) and the
CA certificate(s) that relying parties trust (SIGNING_CA_FILE). Demo, development and tests generate a
self-signed school root CA and a signing certificate under it (`ensure_demo_certificate`).

The signature is a certification signature (DocMDP "no changes"), PAdES baseline B-B by default. With TSA_URL set it
carries an RFC 3161 signature time-stamp (PAdES B-T), so its time does not rest on the server's clock, and the
validation data (certificates, CRLs/OCSP answers) of the signer's and the authority's chains is embedded where the
certificates say where to fetch it (B-LT); a certificate naming no revocation service is embedded as it is.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import functools
import io
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

logger = logging.getLogger(__name__)

KEY_NAME = "school-signing-key.pem"
CERT_NAME = "school-signing-cert.pem"
CA_NAME = "school-root-ca.pem"
FIELD_NAME = "SchoolSignature"


@dataclass(frozen=True)
class SigningFiles:
    key: Path
    cert: Path
    ca: Path | None


@dataclass(frozen=True)
class SignatureReport:
    """What the verification page says about a PDF's signature."""

    present: bool
    valid: bool  # intact, cryptographically sound, chains to the trust root, and nothing changed afterwards
    intact: bool = False
    trusted: bool = False
    signer_name: str = ""
    signing_time: dt.datetime | None = None
    timestamp_time: dt.datetime | None = None  # vouched for by a trusted RFC 3161 authority (PAdES B-T)
    message: str = ""


# ---------------------------------------------------------------------------------------------------------------
# Configuration


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def demo_directory() -> Path:
    configured = _setting("SIGNING_DEMO_DIR")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "signing"


def signing_files() -> SigningFiles:
    """The configured key, certificate and CA; in demo/development, a generated pair."""
    key, cert, ca = _setting("SIGNING_KEY_FILE"), _setting("SIGNING_CERT_FILE"), _setting("SIGNING_CA_FILE")
    if key and cert:
        return SigningFiles(Path(key), Path(cert), Path(ca) if ca else None)
    if getattr(settings, "DEMO", False) or getattr(settings, "DEBUG", False):
        key_path, cert_path = ensure_demo_certificate(demo_directory())
        return SigningFiles(key_path, cert_path, key_path.parent / CA_NAME)
    raise ImproperlyConfigured(
        "SIGNING_KEY_FILE and SIGNING_CERT_FILE must name the school's signing key and certificate (PEM)."
    )


# ---------------------------------------------------------------------------------------------------------------
# Demo certificates


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_pem(path: Path, data: bytes, *, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _generate(directory: Path, school_name: str) -> None:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name(f"{school_name} 根证书（演示）", school_name)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{school_name} 就业协议书电子签章（演示）", school_name))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what document signatures are checked for
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    _write_pem(directory / CA_NAME, root.public_bytes(serialization.Encoding.PEM))
    _write_pem(directory / CERT_NAME, cert.public_bytes(serialization.Encoding.PEM))
    _write_pem(
        directory / KEY_NAME,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        private=True,
    )


def ensure_demo_certificate(directory: Path | str, school_name: str = "东北大学") -> tuple[Path, Path]:
    """Create (once) a self-signed school root CA and a signing certificate in `directory`.

    Returns (key_path, cert_path); the root CA is `directory / CA_NAME`. Parallel test workers may call this at
    the same moment: the three files are written in a private folder and moved into place together, so a
    reader never pairs one run's key with another run's certificate.
    """
    directory = Path(directory)
    paths = [directory / KEY_NAME, directory / CERT_NAME, directory / CA_NAME]
    if all(path.is_file() for path in paths):
        return paths[0], paths[1]
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".signing-", dir=directory.parent))
    try:
        _generate(staging, school_name)
        try:
            os.rename(staging, directory)  # atomic when `directory` does not exist yet
        except OSError:
            if not all(path.is_file() for path in paths):  # an existing, incomplete folder: fill it
                directory.mkdir(parents=True, exist_ok=True)
                for path in paths:
                    os.replace(staging / path.name, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.warning("Generated a self-signed demo signing certificate in %s", directory)
    return paths[0], paths[1]


# ---------------------------------------------------------------------------------------------------------------
# Signing


def _stamp(path: Path | None) -> tuple[str, float]:
    return (str(path), path.stat().st_mtime) if path else ("", 0.0)


def signature_space(certs: list[asn1_x509.Certificate]) -> int:
    """Room for the CMS container: the certificates it embeds, the signature value and the signed attributes.
    Reserving it up front spares pyHanko a dry-run signature to measure it. The signature is stored
    hex-encoded, so pyHanko wants an even number of bytes (a serial number one byte shorter than usual makes
    the certificates' total odd)."""
    reserved = sum(len(cert.dump()) for cert in certs) + 6144
    return reserved + reserved % 2


class CachedKeySigner(signers.SimpleSigner):
    """A SimpleSigner that parses its private key once.

    pyHanko's SimpleSigner re-parses the key from DER for every signature, and cryptography checks an RSA key's
    consistency on load: about 25 ms per call, a quarter of the whole render-and-sign budget.
    """

    def __init__(self, key: PrivateKeyTypes, cert_path: Path, ca_path: Path | None) -> None:
        certs = _load_certs(cert_path)
        chain = _load_certs(ca_path) if ca_path else []
        key_der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        super().__init__(
            signing_cert=certs[0],
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([*certs, *chain]),
        )
        self._key = key
        self.bytes_reserved = signature_space([*certs, *chain])

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


@functools.lru_cache(maxsize=4)
def _load_signer(key: tuple[str, float], cert: tuple[str, float], ca: tuple[str, float]) -> CachedKeySigner:
    # The arguments carry modification times so that a replaced certificate is picked up without a restart.
    password = _setting("SIGNING_KEY_PASSWORD").encode() or None
    private_key = serialization.load_pem_private_key(Path(key[0]).read_bytes(), password=password)
    return CachedKeySigner(private_key, Path(cert[0]), Path(ca[0]) if ca[0] else None)


def get_signer() -> CachedKeySigner:
    files = signing_files()
    return _load_signer(_stamp(files.key), _stamp(files.cert), _stamp(files.ca))


_T = TypeVar("_T")


def _outside_event_loop(fn: Callable[[], _T]) -> _T:
    """pyHanko's synchronous API calls asyncio.run(), which fails in a thread whose event loop is running
    (an ASGI worker, a browser-test driver): then the call runs in a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def timestamper() -> HTTPTimeStamper | None:
    """The configured RFC 3161 authority (TSA_URL), or None."""
    url = _setting("TSA_URL")
    return HTTPTimeStamper(url, timeout=int(getattr(settings, "TSA_TIMEOUT_SECONDS", 10))) if url else None


def tsa_trust_roots() -> list[asn1_x509.Certificate]:
    path = _setting("TSA_CA_FILE")
    return _load_certs(Path(path)) if path else []


def sign_pdf(pdf: bytes, *, reason: str = "就业协议书审核通过", location: str = "") -> bytes:
    """Add the school's certification signature; any later change to the file breaks it."""
    return _outside_event_loop(lambda: _sign_pdf(pdf, reason=reason, location=location))


def _sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    signer = get_signer()
    stamper = timestamper()
    long_term: dict[str, object] = {}
    reserved = signer.bytes_reserved
    if stamper is not None:
        # B-LT: the signer's and the authority's chains with whatever revocation data their certificates point at;
        # soft-fail, so a certificate that names no CRL or OCSP service is embedded as it is.
        long_term = {
            "embed_validation_info": True,
            "validation_context": ValidationContext(
                trust_roots=[*trust_roots(), *tsa_trust_roots()], allow_fetching=True, revocation_mode="soft-fail"
            ),
        }
        reserved += 8192  # the time-stamp token: the authority's certificate and its signature
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        **long_term,  # type: ignore[arg-type]
    )
    output = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        signers.PdfSigner(meta, signer, timestamper=stamper).sign_pdf(writer, output=output, bytes_reserved=reserved)
    except SigningError:
        # The reservation was too small for an unusual certificate chain: let pyHanko measure it.
        output = io.BytesIO()
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signers.PdfSigner(meta, signer, timestamper=stamper).sign_pdf(writer, output=output)
    return output.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Verification


def _load_certs(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    if not asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]


@functools.lru_cache(maxsize=4)
def _trust_roots(ca: tuple[str, float], cert: tuple[str, float]) -> tuple[asn1_x509.Certificate, ...]:
    # Without a configured CA the school's own certificate is the anchor (a self-signed deployment).
    return tuple(_load_certs(Path(ca[0] or cert[0])))


def trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    files = signing_files()
    return _trust_roots(_stamp(files.ca), _stamp(files.cert))


def verify_signature(pdf: bytes) -> SignatureReport:
    """Validate the school's signature against the configured trust root. Never raises on a bad file."""
    return _outside_event_loop(lambda: _verify_signature(pdf))


def _trusted_timestamp(status: object) -> dt.datetime | None:
    timestamp = getattr(status, "timestamp_validity", None)
    if timestamp is None or not (timestamp.intact and timestamp.valid and timestamp.trusted):
        return None
    value = timestamp.timestamp
    return value if isinstance(value, dt.datetime) else None


def _verify_signature(pdf: bytes) -> SignatureReport:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # any unreadable upload is simply "not a valid signed PDF"
        return SignatureReport(present=False, valid=False, message=f"无法读取 PDF 文件（{type(exc).__name__}）")
    if not embedded:
        return SignatureReport(present=False, valid=False, message="文件不含数字签名")
    signature = embedded[0]
    try:
        context = ValidationContext(trust_roots=list(trust_roots()), allow_fetching=False)
        ts_context = ValidationContext(trust_roots=tsa_trust_roots(), allow_fetching=False)
        status = validate_pdf_signature(signature, context, ts_validation_context=ts_context)
    except Exception as exc:  # a mangled signature container is an invalid signature, not a server error
        return SignatureReport(present=True, valid=False, message=f"签名无法解析（{type(exc).__name__}）")
    signer_name = ""
    with contextlib.suppress(Exception):  # a certificate without a CN still gets a verdict
        signer_name = status.signing_cert.subject.native.get("common_name", "") or ""
    covers_whole_file = len(embedded) == 1 and signature.coverage is not None and status.docmdp_ok is not False
    valid = bool(status.intact and status.valid and status.trusted and covers_whole_file)
    if valid:
        message = "签名有效：文件自签名以来未被修改，签名证书可信"
    elif not status.intact:
        message = "签名无效：文件内容在签名后被修改"
    elif not status.valid:
        message = "签名无效：签名值校验失败"
    elif not status.trusted:
        message = "签名证书不受信任：不是本系统学校证书签发"
    else:
        message = "签名后文件被追加修改"
    return SignatureReport(
        present=True,
        valid=valid,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        signer_name=signer_name,
        signing_time=status.signer_reported_dt,
        timestamp_time=_trusted_timestamp(status),
        message=message,
    )
