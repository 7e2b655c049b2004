"""Checkpoints of the ledger (core/models/ledger.py): the chain head signed with the platform's signing key and
certificate (the ones that sign agreement PDFs), as a detached CMS signature over a small JSON statement; with
TSA_URL set, the signature carries an RFC 3161 signature time-stamp token, so the checkpoint's time does not rest
on our own clock. Anyone holding a checkpoint can tell whether the chain before it was rewritten since.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import io
import json
from typing import Any

from asn1crypto import cms
from django.utils import timezone
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from core.models.ledger import LedgerCheckpoint, LedgerHead, canonical, ledger_seal_pending
from documents.signing import _outside_event_loop, get_signer, timestamper, trust_roots, tsa_trust_roots

HOURLY = "hourly"


def sign_statement(statement: str) -> cms.ContentInfo:
    signer = get_signer()
    stamper = timestamper()
    return _outside_event_loop(
        lambda: asyncio.run(
            signer.async_sign_general_data(io.BytesIO(statement.encode()), "sha256", detached=True, timestamper=stamper)
        )
    )


def checkpoint_create(*, reason: str = HOURLY) -> LedgerCheckpoint | None:
    """Sign the chain head as it is committed now; an hourly run with nothing new since the last one signs nothing.
    Signing (and the authority's answer) happens outside any transaction: appends never wait for it."""
    ledger_seal_pending()
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None or head.seq < 0:
        return None
    last = LedgerCheckpoint.objects.order_by("-seq", "-id").first()
    if reason == HOURLY and last is not None and last.seq == head.seq:
        return None
    statement = canonical(
        {"seq": head.seq, "hash": head.hash, "time": timezone.now().astimezone(datetime.UTC).isoformat()}
    )
    signed = sign_statement(statement)
    return LedgerCheckpoint.objects.create(
        seq=head.seq,
        hash=head.hash,
        statement=statement,
        signature=signed.dump(),
        timestamped_at=signature_timestamp(signed),
        reason=reason,
    )


def signature_timestamp(signed: cms.ContentInfo) -> datetime.datetime | None:
    """The time the authority vouched for, read from the signature time-stamp token (None without one)."""
    signer_info = signed["content"]["signer_infos"][0]
    for attribute in signer_info["unsigned_attrs"] or []:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            tst_info = token["content"]["encap_content_info"]["content"].parsed
            value = tst_info["gen_time"].native
            return value if isinstance(value, datetime.datetime) else None
    return None


def checkpoint_check(checkpoint: LedgerCheckpoint) -> str | None:
    """Why a checkpoint's signature does not hold (a Chinese sentence), or None when it does: the statement is what
    it claims, the signature is intact and chains to the platform's trust root, and a time-stamp token, when
    present, is intact and from a trusted authority."""
    try:
        fields = _loads(checkpoint.statement)
    except ValueError:
        return "签署内容无法解析"
    if fields.get("seq") != checkpoint.seq or fields.get("hash") != checkpoint.hash:
        return "签署内容与检查点不符"
    try:
        signed = cms.ContentInfo.load(bytes(checkpoint.signature))
        signed_data = signed["content"]
        status = _outside_event_loop(
            lambda: asyncio.run(
                async_validate_detached_cms(
                    checkpoint.statement.encode(),
                    signed_data,
                    signer_validation_context=ValidationContext(trust_roots=list(trust_roots()), allow_fetching=False),
                    ts_validation_context=ValidationContext(trust_roots=tsa_trust_roots(), allow_fetching=False),
                )
            )
        )
    except Exception as exc:  # a mangled signature is a failed check, not a crash of the verifier
        return f"签名无法解析（{type(exc).__name__}）"
    if not (status.intact and status.valid):
        return "签名值校验失败"
    if not status.trusted:
        return "签名证书不受信任"
    timestamp = getattr(status, "timestamp_validity", None)
    if checkpoint.timestamped_at is not None:
        if timestamp is None:
            return "缺少可信时间戳"
        if not (timestamp.intact and timestamp.valid):
            return "可信时间戳校验失败"
        if not timestamp.trusted:
            return "可信时间戳不受信任"
    return None


def _loads(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def checkpoint_json(checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.pk,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "statement": checkpoint.statement,
        "signature_cms_base64": base64.b64encode(bytes(checkpoint.signature)).decode(),
        "timestamped_at": checkpoint.timestamped_at.isoformat() if checkpoint.timestamped_at else None,
        "signed_at": checkpoint.created_at.isoformat(),
    }
