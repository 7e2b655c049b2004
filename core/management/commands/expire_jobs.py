"""The one expiry of background jobs (the scheduler runs it): fail silent ones, delete old ones with their files —
every kind of Job (导出, 就业方案, 导入拟签约名单, 生源导入)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.services.jobs import jobs_expire_everywhere


class Command(BaseCommand):
    help = "Fail silent background jobs and delete old ones with their files (exports and imports)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = jobs_expire_everywhere()
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
