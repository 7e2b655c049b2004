"""Sign the ledger's head (hourly from the scheduler; by hand with --reason)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from documents.checkpoints import HOURLY, checkpoint_create


class Command(BaseCommand):
    help = "为审计账本链头签署检查点（设置 TSA_URL 时附可信时间戳）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reason", default=HOURLY, help="hourly（无新记录时不签）或其他原因（总是签署）")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_create(reason=options["reason"])
        if checkpoint is None:
            self.stdout.write("no new ledger entries since the last checkpoint")
            return
        stamped = f", timestamped {checkpoint.timestamped_at.isoformat()}" if checkpoint.timestamped_at else ""
        self.stdout.write(f"checkpoint #{checkpoint.pk} at entry {checkpoint.seq}{stamped}")
