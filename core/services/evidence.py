"""佐证材料 kept EVIDENCE_RETENTION_YEARS (issue 20 item 3): the Ministry's 就业数据核查 asks schools to keep each
graduate's evidence at least three years, whatever happened to the agreement, the 去向 or the student since.

A file stops being current when its student deletes it (`destination_detach`), when the 去向, agreement or student
that owned it is deleted (`core.models.destinations.retire_attachments`) or when an employer replaces its 营业执照
scan (`core.services.licences`); from then its `retired_at` counts. A paper agreement's scan stays on its page
after the agreement ends (withdrawn, 解约): its clock runs from the agreement's last 流程追踪 event.
`evidence_files_purge` (run daily by `manage.py purge_evidence`) removes the file from storage and its row once the
retention has passed, and says what it removed per kind, with the bytes.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.models import AgreementEvent, Attachment, RetiredLicence
from core.models.status import FINAL_STATUSES

logger = logging.getLogger(__name__)


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Evidence that stopped being current before this moment has been kept EVIDENCE_RETENTION_YEARS."""
    now = now or timezone.now()
    years = settings.EVIDENCE_RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def kept_until(retired_at: datetime.datetime) -> datetime.datetime:
    """When evidence that stopped being current at `retired_at` may go: EVIDENCE_RETENTION_YEARS later."""
    years = settings.EVIDENCE_RETENTION_YEARS
    try:
        return retired_at.replace(year=retired_at.year + years)
    except ValueError:  # 29 February
        return retired_at.replace(year=retired_at.year + years, month=3, day=1)


# The kinds of 佐证材料 the purge reports, in its output's order.
KIND_LABELS = {
    Attachment.Kind.PROOF.value: Attachment.Kind.PROOF.label,
    Attachment.Kind.SCAN.value: Attachment.Kind.SCAN.label,
    "licence": "营业执照扫描件",
}


@dataclass
class PurgedFiles:
    files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KIND_LABELS, 0))
    bytes: int = 0
    failed: int = 0  # files the storage would not delete: their rows stay, tried again on the next run

    def line(self) -> str:
        years = settings.EVIDENCE_RETENTION_YEARS
        kinds = "、".join(f"{label} {self.files[kind]} 个" for kind, label in KIND_LABELS.items())
        text = f"已删除停用超过{years}年的佐证材料：{kinds}，共 {self.bytes} 字节"
        if self.failed:
            text += f"；{self.failed} 个文件删除失败，下次再试"
        return text


def _remove(row: Model, name: str, size: int | None, kind: str, purged: PurgedFiles) -> None:
    try:
        if name:
            default_storage.delete(name)
    except Exception:  # a storage outage: keep the row, so the file is neither lost track of nor reported gone
        logger.exception("purge_evidence: could not delete %s", name)
        purged.failed += 1
        return
    row.delete()
    purged.files[kind] += 1
    purged.bytes += size or 0


def ended_agreement_scans(cutoff: datetime.datetime) -> QuerySet[Attachment]:
    """The scans of paper agreements that ended (withdrawn, 解约…) before `cutoff`. They stay on the agreement's page
    while kept; the clock runs from its last 流程追踪 event, so a later event (an 异议) only keeps them longer."""
    last_event = AgreementEvent.objects.filter(agreement=OuterRef("agreement")).order_by("-created_at", "-pk")
    return (
        Attachment.objects.filter(agreement__status__in=FINAL_STATUSES)
        .annotate(ended_at=Subquery(last_event.values("created_at")[:1]))
        .filter(ended_at__lt=cutoff)
        .order_by("pk")
    )


def evidence_files_purge(*, now: datetime.datetime | None = None) -> PurgedFiles:
    """Remove the files (and their rows) retired more than EVIDENCE_RETENTION_YEARS ago; current ones never."""
    cutoff = retention_cutoff(now)
    purged = PurgedFiles()
    attachments: QuerySet[Attachment] = Attachment.kept.filter(retired_at__lt=cutoff).order_by("retired_at", "pk")
    for attachment in attachments.iterator(chunk_size=500):
        _remove(attachment, attachment.file.name, attachment.size, attachment.kind, purged)
    for attachment in ended_agreement_scans(cutoff).iterator(chunk_size=500):
        _remove(attachment, attachment.file.name, attachment.size, attachment.kind, purged)
    licences = RetiredLicence.objects.filter(retired_at__lt=cutoff).order_by("retired_at", "pk")
    for licence in licences.iterator(chunk_size=500):
        _remove(licence, licence.file.name, licence.size, "licence", purged)
    return purged
