"""Chain the event rows written before the ledger existed: run once after upgrading, before the site takes writes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.services.ledger import ledger_adopt


class Command(BaseCommand):
    help = "把启用审计账本之前已有的流程追踪等记录按时间顺序写入账本（升级后、开放写入前运行一次）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"adopted {ledger_adopt()} event rows into the ledger")
