"""The hash chain over every event (core/models/ledger.py): appending in the event's own transaction, adopting
rows written before the chain existed, and recomputing it all (`manage.py audit_verify`).

An entry's hash is SHA-256(previous hash ‖ SHA-256(content)), both as raw 32 bytes. Chaining the content's digest
rather than the content lets a proof carry, for the entries between one of a graduate's events and the next
checkpoint, 32 bytes each instead of other graduates' records.

The content names people and objects by id only, never a username or a display name (both may change); what it
holds of an event is exactly what `content_of` reads, so columns added to an event table later do not break it.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef

from core.models import AgreementEvent, DestinationEvent, SchoolSettingsChange, VerificationAnswer
from core.models.ledger import (
    AGREEMENT_EVENT,
    CONFIRMATION_EVIDENCE,
    DESTINATION_EVENT,
    EMPLOYER_VERIFICATION,
    GENESIS_HASH,
    SCHOOL_SETTINGS,
    LedgerEntry,
    LedgerHead,
    canonical,
    chain_hash,
    ledger_seal_pending,
)
from core.services.evidence import retention_cutoff

VERIFICATION_ANSWER = "verification_answer"  # a 核查 answer (issue 21 item 2), core.models.VerificationAnswer
VERIFICATION_DRAW = "verification_draw"  # a 核查 draw: its parameters, seed and the students drawn

KIND_LABELS = {
    AGREEMENT_EVENT: "协议流程追踪",
    DESTINATION_EVENT: "去向流程追踪",
    SCHOOL_SETTINGS: "学校设置变更",
    EMPLOYER_VERIFICATION: "单位资质审核",
    CONFIRMATION_EVIDENCE: "本人确认证据",
    VERIFICATION_ANSWER: "核查答复",
    VERIFICATION_DRAW: "核查抽样",
}


def _time(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value is not None else None


@dataclass(frozen=True)
class Source:
    """An event table whose every row is chained: what of a row is hashed."""

    kind: str
    model: type[models.Model]
    content: Callable[[Any], dict[str, Any]]


def _timeline_event(event: Any, kind: str, **owner: Any) -> dict[str, Any]:
    """What is hashed of a 流程追踪 row (core.models.timeline.TimelineEvent): the shape both kinds share, with the
    row's owner (and the 去向's code) given by the kind."""
    return {
        "kind": kind,
        "id": event.pk,
        "sequence": event.sequence,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "remark": event.remark,
        "old_status": event.old_status,
        "new_status": event.new_status,
        "time": _time(event.created_at),
        **owner,
    }


def _agreement_event(event: Any) -> dict[str, Any]:
    return _timeline_event(event, AGREEMENT_EVENT, agreement=event.agreement_id)


def _destination_event(event: Any) -> dict[str, Any]:
    return _timeline_event(event, DESTINATION_EVENT, destination=event.destination_id, code=event.code)


def _school_settings(change: Any) -> dict[str, Any]:
    return {
        "kind": SCHOOL_SETTINGS,
        "id": change.pk,
        "school": change.school_id,
        "actor": change.actor_id,
        "changes": change.changes,
        "time": _time(change.created_at),
    }


def _verification_answer(answer: Any) -> dict[str, Any]:
    return {
        "kind": VERIFICATION_ANSWER,
        "id": answer.pk,
        "row": answer.row_id,
        "by": answer.by,
        "actor": answer.actor_id,
        "answer": answer.answer,
        "remark": answer.remark,
        "time": _time(answer.created_at),
        **({"method": answer.method} if answer.method else {}),  # answers from before it was recorded had none
    }


SOURCES: dict[str, Source] = {
    source.kind: source
    for source in (
        Source(AGREEMENT_EVENT, AgreementEvent, _agreement_event),
        Source(DESTINATION_EVENT, DestinationEvent, _destination_event),
        Source(SCHOOL_SETTINGS, SchoolSettingsChange, _school_settings),
        Source(VERIFICATION_ANSWER, VerificationAnswer, _verification_answer),
    )
}


def content_of(kind: str, row: Any) -> str:
    return canonical(SOURCES[kind].content(row))


# ---------------------------------------------------------------------------------------------------------------
# Appending


def _locked_head() -> LedgerHead:
    # The head row is made by the migration; a flushed test database (or a restored one) gets it back here.
    try:
        return LedgerHead.objects.select_for_update().get(pk=1)
    except LedgerHead.DoesNotExist:
        LedgerHead.objects.get_or_create(pk=1, defaults={"seq": -1, "hash": GENESIS_HASH})
        return LedgerHead.objects.select_for_update().get(pk=1)


def ledger_append(kind: str, object_id: int, content: str) -> LedgerEntry:
    """Chain one entry. Called inside the transaction that writes the event, so both commit or neither. On
    PostgreSQL the entry is sealed (numbered and hashed) by the trigger at COMMIT, under the head's row lock
    (core.models.ledger.SEAL_SQL); on SQLite, whose transactions run one at a time, here."""
    if connection.vendor == "postgresql":
        return LedgerEntry.objects.create(kind=kind, object_id=object_id, content=content)
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        entry = LedgerEntry.objects.create(
            seq=head.seq + 1,
            kind=kind,
            object_id=object_id,
            content=content,
            prev_hash=head.hash,
            hash=chain_hash(head.hash, content),
        )
        LedgerHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


def ledger_record(kind: str, row: models.Model) -> LedgerEntry:
    """Chain an event row just written (its id and time are known after `create`)."""
    assert row.pk is not None
    return ledger_append(kind, row.pk, content_of(kind, row))


def ledger_record_verification(employer: Any, *, acting_user: Any) -> LedgerEntry:
    """An employer's 资质审核 decision: kept in the employer row itself, so the entry is the record of it."""
    content = canonical(
        {
            "kind": EMPLOYER_VERIFICATION,
            "employer": employer.pk,
            "credit_code": employer.credit_code,
            "status": employer.verification_status,
            "remark": employer.verification_remark,
            "actor": acting_user.pk if acting_user is not None else None,
            "time": _time(employer.verified_at),
        }
    )
    return ledger_append(EMPLOYER_VERIFICATION, employer.pk, content)


def _digest(value: bytes | None) -> str | None:
    return hashlib.sha256(value).hexdigest() if value else None


def evidence_content(confirmation: Any) -> str:
    """A spent 本人确认's evidence, as chained when the act links it to its event. The passkey's credential id and
    signed assertion enter as digests and the client's address not at all: evidence is purged after
    EVIDENCE_RETENTION_YEARS, the chain never is, and whoever still holds the evidence can check it against these."""
    assertion = canonical(confirmation.assertion).encode() if confirmation.assertion else None
    credential = bytes(confirmation.credential_id) if confirmation.credential_id else None
    return canonical(
        {
            "kind": CONFIRMATION_EVIDENCE,
            "id": confirmation.pk,
            "user": confirmation.user_id,
            "action": confirmation.action,
            "object": confirmation.object_id,
            "binding": confirmation.binding,
            "version": confirmation.version,
            "method": confirmation.method,
            "credential_sha256": _digest(credential),
            "assertion_sha256": _digest(assertion),
            "sms_sent_at": _time(confirmation.sms_sent_at),
            "verified_at": _time(confirmation.verified_at),
            "used_at": _time(confirmation.used_at),
            "agreement_event": confirmation.agreement_event_id,
            "destination_event": confirmation.destination_event_id,
            # only when set, so the evidence of acts before 核查 answers took a 本人确认 hashes as it did
            **(
                {"verification_answer": confirmation.verification_answer_id}
                if confirmation.verification_answer_id
                else {}
            ),
        }
    )


def ledger_record_evidence(confirmation: Any) -> LedgerEntry:
    return ledger_append(CONFIRMATION_EVIDENCE, confirmation.pk, evidence_content(confirmation))


def _unchained(source: Source) -> models.QuerySet[Any]:
    chained = LedgerEntry.objects.filter(kind=source.kind, object_id=OuterRef("pk"))
    return source.model._default_manager.filter(~Exists(chained))


def ledger_adopt(*, batch_size: int = 5000) -> int:
    """Chain the event rows written before the chain existed (an upgraded installation, `load_scale`'s set-based
    data), oldest first. Run once, before the site takes writes: an adopted row is as trusted as the database was
    at that moment. Returns how many rows it chained."""
    from core.services.bulk import insert_rows

    def rows(source: Source) -> Iterator[tuple[str, int, str, str]]:
        query = _unchained(source).order_by("created_at", "pk")
        for row in query.iterator(chunk_size=batch_size):
            yield (_time(row.created_at) or "", row.pk, source.kind, content_of(source.kind, row))

    merged = heapq.merge(*(rows(source) for source in SOURCES.values()))
    adopted = 0
    with transaction.atomic():
        ledger_seal_pending()
        head = _locked_head()
        seq, prev = head.seq, head.hash
        batch: list[LedgerEntry] = []
        for _, object_id, kind, content in merged:
            seq += 1
            digest = chain_hash(prev, content)
            batch.append(
                LedgerEntry(seq=seq, kind=kind, object_id=object_id, content=content, prev_hash=prev, hash=digest)
            )
            prev = digest
            if len(batch) >= batch_size:
                adopted += _write(batch, insert_rows)
        adopted += _write(batch, insert_rows)
        LedgerHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return adopted


def _write(batch: list[LedgerEntry], insert_rows: Callable[..., Any]) -> int:
    count = len(batch)
    if batch:
        fields = ("seq", "kind", "object_id", "content", "prev_hash", "hash")
        insert_rows(LedgerEntry, {name: [getattr(e, name) for e in batch] for name in fields}, count=count)
        batch.clear()
    return count


# ---------------------------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the ledger row, or None for an event row missing from the ledger
    message: str


@dataclass
class VerifyReport:
    entries: int = 0
    checkpoints: int = 0
    last_good_checkpoint: int | None = None
    problems: list[Problem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(kind: str, object_id: int) -> str:
    return f"{KIND_LABELS.get(kind, kind)} #{object_id}"


def _used_before(entry: LedgerEntry, cutoff: datetime.datetime) -> bool:
    """Whether the evidence chained in `entry` was used by its act before `cutoff` (so may be purged by now)."""
    try:
        used = json.loads(entry.content).get("used_at")
        return used is not None and datetime.datetime.fromisoformat(used) < cutoff
    except (ValueError, AttributeError, TypeError):
        return False


def verify_chain(*, batch_size: int = 5000, check_signature: Callable[[Any], str | None] | None = None) -> VerifyReport:
    """Recompute the chain and compare it with the event tables and the checkpoints. Every problem is listed in
    chain order; the first one is where the record stops being trustworthy."""
    ledger_seal_pending()
    report = VerifyReport(problems=[])
    problems = report.problems
    assert problems is not None
    for pk in LedgerEntry.objects.filter(seq__isnull=True).order_by("pk").values_list("pk", flat=True)[:100]:
        problems.append(Problem(None, f"账本行 #{pk} 未封存（没有序号和哈希）"))
    expected_seq, prev = 0, GENESIS_HASH
    hashes_at: dict[int, str] = {}
    from core.models.ledger import LedgerCheckpoint

    checkpoint_seqs = set(LedgerCheckpoint.objects.values_list("seq", flat=True))
    pending: list[LedgerEntry] = []

    def check_sources(entries: list[LedgerEntry]) -> None:
        by_kind: dict[str, dict[int, LedgerEntry]] = {}
        for entry in entries:
            if entry.kind in SOURCES:
                by_kind.setdefault(entry.kind, {})[entry.object_id] = entry
        evidence = {e.object_id: e for e in entries if e.kind == CONFIRMATION_EVIDENCE}
        if evidence:
            from core.models.confirmations import Confirmation

            kept_ids: set[int] = set()
            for kept in Confirmation.objects.filter(pk__in=list(evidence)):
                kept_ids.add(kept.pk)
                if evidence_content(kept) != evidence[kept.pk].content:
                    seq = evidence[kept.pk].seq
                    problems.append(
                        Problem(seq, f"{_describe(CONFIRMATION_EVIDENCE, kept.pk)} 的内容与账本不符（被改动）")
                    )
            # Evidence goes only by `purge_evidence`, after EVIDENCE_RETENTION_YEARS from the act (`used_at`, chained
            # in the entry): a row missing sooner was deleted by hand.
            cutoff = retention_cutoff()
            for object_id, entry in evidence.items():
                if object_id not in kept_ids and not _used_before(entry, cutoff):
                    problems.append(Problem(entry.seq, f"{_describe(CONFIRMATION_EVIDENCE, object_id)} 已从数据库删除"))
        for kind, wanted in by_kind.items():
            source = SOURCES[kind]
            found = {row.pk: row for row in source.model._default_manager.filter(pk__in=list(wanted))}
            for object_id, entry in wanted.items():
                row = found.get(object_id)
                if row is None:
                    problems.append(Problem(entry.seq, f"{_describe(kind, object_id)} 已从数据库删除"))
                elif content_of(kind, row) != entry.content:
                    problems.append(Problem(entry.seq, f"{_describe(kind, object_id)} 的内容与账本不符（被改动）"))

    for entry in LedgerEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=batch_size):
        report.entries += 1
        seq = int(entry.seq or 0)  # never None here (the pending ones are reported above)
        if seq != expected_seq:
            problems.append(Problem(seq, f"账本第 {expected_seq} 行至第 {seq - 1} 行缺失"))
        if entry.prev_hash != prev:
            problems.append(Problem(entry.seq, "前一行哈希不符（之前的行被改动、插入或删除）"))
        if chain_hash(entry.prev_hash, entry.content) != entry.hash:
            problems.append(Problem(entry.seq, "本行哈希与内容不符（账本行被改动）"))
        else:
            try:
                declared = json.loads(entry.content)
            except ValueError:
                declared = {}
            if entry.kind in SOURCES and declared.get("id") != entry.object_id:
                problems.append(Problem(entry.seq, "账本行指向的记录与内容不符"))
        if entry.seq in checkpoint_seqs:
            hashes_at[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, seq + 1
        pending.append(entry)
        if len(pending) >= batch_size:
            check_sources(pending)
            pending = []
    check_sources(pending)

    head = LedgerHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append(Problem(head.seq, f"账本末尾与链头（第 {head.seq} 行）不符：末尾的行被删除或改动"))

    for checkpoint in LedgerCheckpoint.objects.order_by("seq", "id"):
        report.checkpoints += 1
        trouble = None
        if hashes_at.get(checkpoint.seq) != checkpoint.hash:
            trouble = f"检查点 #{checkpoint.pk}（截至第 {checkpoint.seq} 行）与重算的链不符：此前的账本被改写"
        elif check_signature is not None:
            failure = check_signature(checkpoint)
            if failure:
                trouble = f"检查点 #{checkpoint.pk} 的签名无效：{failure}"
        if trouble:
            problems.append(Problem(checkpoint.seq, trouble))
        elif not any(p.seq is not None and p.seq <= checkpoint.seq for p in problems):
            report.last_good_checkpoint = checkpoint.pk

    for source in SOURCES.values():
        for pk in _unchained(source).order_by("pk").values_list("pk", flat=True)[:100]:
            problems.append(Problem(None, f"{_describe(source.kind, pk)} 不在账本中（直接写入数据库）"))
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report
