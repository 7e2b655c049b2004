"""Fail stalled export jobs and delete old ones with their files (the scheduler runs it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.services.export_jobs import export_jobs_expire


class Command(BaseCommand):
    help = "Mark stalled 导出 jobs failed; delete jobs older than WANGQIAN_EXPORT_KEEP_HOURS and their files."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"deleted {export_jobs_expire()} export job(s)")
