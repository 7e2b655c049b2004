"""Recompute the ledger's hash chain, compare it with every event row and check every checkpoint's signature;
print the first row that does not fit. Exit status 0 when everything fits, 1 otherwise."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models.ledger import LedgerCheckpoint
from core.services.ledger import verify_chain
from documents.checkpoints import checkpoint_check


class Command(BaseCommand):
    help = "核验审计账本：重算哈希链，比对流程追踪等记录与检查点签名，输出第一处不符"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-signatures", action="store_true", help="不核验检查点签名（只比对哈希）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        report = verify_chain(check_signature=None if options["no_signatures"] else checkpoint_check)
        elapsed = time.monotonic() - started
        problems = report.problems or []
        summary = f"账本 {report.entries} 行，检查点 {report.checkpoints} 个，用时 {elapsed:.1f} 秒"
        if not problems:
            if report.last_good_checkpoint is not None:
                LedgerCheckpoint.objects.filter(pk__lte=report.last_good_checkpoint, verified_at__isnull=True).update(
                    verified_at=timezone.now()
                )
            self.stdout.write(f"{summary}：全部相符")
            return
        first = problems[0]
        where = f"账本第 {first.seq} 行" if first.seq is not None else "账本之外"
        self.stdout.write(f"{summary}：发现 {len(problems)} 处不符")
        self.stdout.write(f"第一处不符：{where}：{first.message}")
        for problem in problems[1:20]:
            where = f"第 {problem.seq} 行" if problem.seq is not None else "账本之外"
            self.stdout.write(f"  另：{where}：{problem.message}")
        raise CommandError("审计账本核验未通过")
