"""A graduate's own record with its chain proof (issue 21 item 3): every ledger entry about their agreements and
their 去向, and for each, the digests of the entries after it up to the first signed checkpoint (or the head,
when no checkpoint covers it yet), so that anyone can recompute the checkpoint's hash from the graduate's entries
without seeing other graduates' records.
"""

from __future__ import annotations

import base64
import bisect
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from core.errors import InvalidInput
from core.models import Agreement, AgreementEvent, Destination, DestinationEvent, Student
from core.models.ledger import (
    AGREEMENT_EVENT,
    DESTINATION_EVENT,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    content_digest,
    ledger_seal_pending,
)

FORMAT = "wangqian-ledger-proof/1"
HOW_TO_VERIFY = (
    "每行哈希 = SHA-256(前一行哈希的32字节 ‖ SHA-256(该行 content 的 UTF-8 字节))。"
    "对 segments 中的每一段：从 start_prev_hash 开始，依次与 digests 中的每个摘要按上式相接，"
    "结果应等于该段 checkpoint.hash（或尚未签署时的 head.hash）；"
    "entries 中每一行 content 的 SHA-256 应等于同一段 digests 中序号相同的那一项。"
    "checkpoint.statement 由平台签名（signature_cms_base64，分离式 CMS，可用 pyhanko sign validate --detached "
    "或 openssl cms -verify 验证），设置了可信时间戳服务时签名内含 RFC 3161 时间戳。"
)


def _checkpoint(checkpoint: LedgerCheckpoint) -> dict[str, Any]:
    return {
        "id": checkpoint.pk,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "statement": checkpoint.statement,
        "signature_cms_base64": base64.b64encode(bytes(checkpoint.signature)).decode(),
        "timestamped_at": checkpoint.timestamped_at.isoformat() if checkpoint.timestamped_at else None,
        "signed_at": checkpoint.created_at.isoformat(),
    }


def entries_for(kinds_ids: Iterable[tuple[str, int]]) -> list[LedgerEntry]:
    ledger_seal_pending()  # a reader inside the writing transaction sees its entries numbered
    wanted: dict[str, list[int]] = {}
    for kind, object_id in kinds_ids:
        wanted.setdefault(kind, []).append(object_id)
    query = models.Q(pk__in=[])
    for kind, ids in wanted.items():
        query |= models.Q(kind=kind, object_id__in=ids)
    return list(LedgerEntry.objects.filter(query).order_by("seq"))


def student_ledger_entries(student: Student) -> list[LedgerEntry]:
    agreement_ids = Agreement.objects.filter(student=student).values_list("pk", flat=True)
    agreement_events = AgreementEvent.objects.filter(agreement_id__in=agreement_ids).values_list("pk", flat=True)
    destination_ids = Destination.objects.filter(student=student).values_list("pk", flat=True)
    destination_events = DestinationEvent.objects.filter(destination_id__in=destination_ids).values_list(
        "pk", flat=True
    )
    wanted = [(AGREEMENT_EVENT, pk) for pk in agreement_events] + [(DESTINATION_EVENT, pk) for pk in destination_events]
    return entries_for(wanted)


def _event(event: AgreementEvent | DestinationEvent) -> dict[str, Any]:
    return {"id": event.pk, "time": event.created_at.isoformat(), "action": event.action_label, "by": event.actor_name}


def _record(student: Student) -> dict[str, Any]:
    """What the entries say, readable: the agreements and the 去向 with their 流程追踪 (names as shown on the pages;
    the hashed content names people by id)."""
    agreements = []
    for agreement in Agreement.objects.filter(student=student).select_related("employer").order_by("pk"):
        agreements.append(
            {
                "id": agreement.pk,
                "number": agreement.number or "",
                "employer": agreement.employer.name,
                "status": agreement.get_status_display(),
                "paper": agreement.paper,
                "events": [_event(e) for e in AgreementEvent.objects.filter(agreement=agreement).order_by("pk")],
            }
        )
    destination = Destination.objects.filter(student=student).first()
    return {
        "agreements": agreements,
        "destination": None
        if destination is None
        else {
            "id": destination.pk,
            "status": destination.get_status_display(),
            "code": destination.code,
            "events": [_event(e) for e in DestinationEvent.objects.filter(destination=destination).order_by("pk")],
        },
    }


def student_record_proof(student: Student) -> dict[str, Any]:
    """The JSON the student downloads. Refused (a Chinese message) when a segment would exceed
    LEDGER_PROOF_MAX_LINKS digests, which bounds the answer whatever the platform's traffic."""
    ledger_seal_pending()
    entries = student_ledger_entries(student)
    checkpoints = list(LedgerCheckpoint.objects.order_by("seq", "id").values_list("seq", "pk"))
    checkpoint_seqs = [seq for seq, _ in checkpoints]
    head = LedgerHead.objects.filter(pk=1).first()
    # Group the entries by the first checkpoint at or after each (None: after the last one, up to the head).
    groups: dict[int | None, list[LedgerEntry]] = {}
    for entry in entries:
        index = bisect.bisect_left(checkpoint_seqs, entry.seq or 0)
        groups.setdefault(checkpoints[index][1] if index < len(checkpoints) else None, []).append(entry)
    limit = int(settings.LEDGER_PROOF_MAX_LINKS)
    segments = []
    by_pk = {cp.pk: cp for cp in LedgerCheckpoint.objects.filter(pk__in=[k for k in groups if k is not None])}
    for key, members in groups.items():
        checkpoint = by_pk.get(key) if key is not None else None
        start = int(members[0].seq or 0)  # sealed entries (ledger_seal_pending above)
        end = checkpoint.seq if checkpoint is not None else (head.seq if head is not None else start)
        if end - start + 1 > limit:
            message = f"记录证明过长（超过 {limit} 行），请联系学校就业指导中心导出"
            raise InvalidInput(message, errors={"record": message})
        contents = (
            LedgerEntry.objects.filter(seq__gte=start, seq__lte=end).order_by("seq").values_list("content", flat=True)
        )
        segment: dict[str, Any] = {
            "from_seq": start,
            "to_seq": end,
            "start_prev_hash": members[0].prev_hash,
            "digests": [content_digest(content).hex() for content in contents.iterator(chunk_size=5000)],
        }
        if checkpoint is not None:
            segment["checkpoint"] = _checkpoint(checkpoint)
        else:
            segment["head"] = {"seq": end, "hash": head.hash if head is not None else members[-1].hash}
        segments.append(segment)
    return {
        "format": FORMAT,
        "student": {
            "id": student.pk,
            "student_no": student.student_no,
            "name": student.name,
            "school": student.school.name,
            "graduation_year": student.graduation_year,
        },
        "record": _record(student),
        "how_to_verify": HOW_TO_VERIFY,
        "entries": [
            {"seq": e.seq, "kind": e.kind, "content": e.content, "prev_hash": e.prev_hash, "hash": e.hash}
            for e in entries
        ],
        "segments": segments,
    }


def last_verified_checkpoint() -> LedgerCheckpoint | None:
    """The newest checkpoint that `audit_verify` found the whole chain up to it fitting (shown to the province)."""
    return LedgerCheckpoint.objects.filter(verified_at__isnull=False).order_by("-seq", "-id").first()
