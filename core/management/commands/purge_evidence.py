"""Evidence is kept EVIDENCE_RETENTION_YEARS (default 3, the Ministry's minimum) whatever happens to the agreement,
the 去向 or the student: 本人确认 evidence from the act, 佐证材料 files (去向 proofs, paper agreement scans, replaced
营业执照 scans) from when they stopped being current. This removes what is older, and confirmations never used by an
act, and says what it removed. The scheduler runs it daily; an operator may run it by hand."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from core.services.confirmations import evidence_purge
from core.services.evidence import evidence_files_purge


class Command(BaseCommand):
    help = (
        "Remove 本人确认 evidence and retired 佐证材料 files older than EVIDENCE_RETENTION_YEARS, and unused "
        "confirmations; print what went (per kind, with the bytes)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = evidence_purge()
        years = settings.EVIDENCE_RETENTION_YEARS
        line = f"已删除超过{years}年的本人确认证据 {purged.evidence} 条"
        if purged.oldest is not None:
            line += f"（最早一条的操作时间 {purged.oldest:%Y-%m-%d}）"
        self.stdout.write(f"{line}；已删除未用于任何操作的本人确认 {purged.unused} 条")
        self.stdout.write(evidence_files_purge().line())
