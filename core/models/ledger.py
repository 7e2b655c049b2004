"""The ledger: an append-only hash chain over every recorded event, and its signed checkpoints.

Each entry holds the canonical JSON of one event (an agreement's or a 去向's 流程追踪 row, an employer's 资质审核
decision, a school settings change), the hash of the entry before it and its own hash, so that a row edited,
deleted or inserted by hand anywhere in the database no longer fits (`manage.py audit_verify`). The head row is
what concurrent writers lock, so the chain never forks. A checkpoint is the head signed by the platform (and
timestamped by an RFC 3161 authority when TSA_URL is set): rewriting the whole chain after it shows too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection, models

GENESIS_HASH = "0" * 64

# What an entry records (LedgerEntry.kind).
AGREEMENT_EVENT = "agreement_event"
DESTINATION_EVENT = "destination_event"
SCHOOL_SETTINGS = "school_settings"
EMPLOYER_VERIFICATION = "employer_verification"
CONFIRMATION_EVIDENCE = "confirmation_evidence"


def canonical(data: dict[str, Any]) -> str:
    """The one JSON text of a content: sorted keys, no spaces, characters as themselves."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_digest(content: str) -> bytes:
    return hashlib.sha256(content.encode()).digest()


def chain_hash(prev_hash: str, content: str) -> str:
    """SHA-256(previous hash ‖ SHA-256(content)), both as raw 32 bytes."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + content_digest(content)).hexdigest()


class LedgerEntry(models.Model):
    # 0, 1, 2, … without gaps. On PostgreSQL an entry is inserted without it and sealed at COMMIT (see SEAL_SQL).
    seq = models.BigIntegerField("序号", unique=True, null=True)
    kind = models.CharField("类别", max_length=32)
    object_id = models.BigIntegerField("记录编号")  # the event row's id (the employer's for a 资质审核 decision)
    content = models.TextField("内容")  # canonical JSON, exactly the text hashed
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计账本"
        indexes = [models.Index(fields=["kind", "object_id"], name="ledger_source")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.object_id}"


class LedgerHead(models.Model):
    """One row (pk 1): the last entry's number and hash. Appending locks it, so appends queue in commit order."""

    seq = models.BigIntegerField(default=-1)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)


class LedgerCheckpoint(models.Model):
    """The chain head at one moment, signed by the platform's key (a detached CMS signature over `statement`)."""

    seq = models.BigIntegerField("截至序号")
    hash = models.CharField(max_length=64)
    statement = models.TextField()  # canonical JSON {"seq", "hash", "time"}: what is signed
    signature = models.BinaryField()  # DER CMS SignedData; with TSA_URL, its signature time-stamp token inside
    timestamped_at = models.DateTimeField("可信时间", null=True, blank=True)
    reason = models.CharField(max_length=20, default="hourly")
    created_at = models.DateTimeField("签署时间", auto_now_add=True)
    verified_at = models.DateTimeField("最近核验", null=True, blank=True)  # set by audit_verify when all fits

    class Meta:
        verbose_name = verbose_name_plural = "账本检查点"
        ordering = ["seq", "id"]


def ledger_seal_pending() -> None:
    """Seal, now, what this transaction appended (PostgreSQL): a reader of the chain inside the transaction that
    wrote to it (a test, a 核查 draw that signs a checkpoint) sees it whole. Outside a transaction there is nothing
    pending: every commit sealed its own."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS core_ledger_seal IMMEDIATE")
            cursor.execute("SET CONSTRAINTS core_ledger_seal DEFERRED")


# PostgreSQL: the entries a transaction inserted are chained by a deferred constraint trigger, i.e. at its COMMIT,
# after every other statement. The head row is then the last lock the transaction takes, and its holder waits for
# nothing else before committing: appends queue in commit order and can never deadlock with the row locks the
# workflow took before (an agreement, a 去向, a statistics counter). SQLite runs one writing transaction at a time,
# so there the entry is chained at once (core.services.ledger.ledger_append).
SEAL_SQL = """
CREATE OR REPLACE FUNCTION core_ledger_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash varchar(64);
    next_hash varchar(64);
    pending record;
BEGIN
    INSERT INTO core_ledgerhead (id, seq, hash) VALUES (1, -1, repeat('0', 64)) ON CONFLICT (id) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash FROM core_ledgerhead WHERE id = 1 FOR UPDATE;
    FOR pending IN SELECT id, content FROM core_ledgerentry WHERE seq IS NULL ORDER BY id FOR UPDATE LOOP
        head_seq := head_seq + 1;
        next_hash := encode(sha256(decode(head_hash, 'hex') || sha256(convert_to(pending.content, 'UTF8'))), 'hex');
        UPDATE core_ledgerentry SET seq = head_seq, prev_hash = head_hash, hash = next_hash WHERE id = pending.id;
        head_hash := next_hash;
    END LOOP;
    UPDATE core_ledgerhead SET seq = head_seq, hash = head_hash WHERE id = 1;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS core_ledger_seal ON core_ledgerentry;
CREATE CONSTRAINT TRIGGER core_ledger_seal AFTER INSERT ON core_ledgerentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION core_ledger_seal();
"""
UNSEAL_SQL = """
DROP TRIGGER IF EXISTS core_ledger_seal ON core_ledgerentry;
DROP FUNCTION IF EXISTS core_ledger_seal();
"""
