"""Fail the roster import jobs whose worker died, and the previews nobody confirmed; delete their files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from school.roster_jobs import jobs_expire_stale


class Command(BaseCommand):
    help = "Mark dead or forgotten roster import jobs failed and delete their uploaded files."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"expired {jobs_expire_stale()} roster import job(s)")
