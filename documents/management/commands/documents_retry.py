"""Re-enqueue agreement documents whose background job seems lost; run it from cron or a timer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from documents.services import documents_retry_stale


class Command(BaseCommand):
    help = "Re-enqueue pending agreement documents older than 15 minutes (failed ones wait for 重新生成)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = documents_retry_stale()
        self.stdout.write(f"re-enqueued {count} document(s)")
