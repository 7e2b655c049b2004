from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from ops.workers import forget_dead_workers, reclaim_expired


class Command(BaseCommand):
    help = "Put the jobs of task workers whose lease ran out back on the queue (workers do this too)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            requeued, failed = reclaim_expired()
        forgotten = forget_dead_workers()
        self.stdout.write(f"requeued {requeued}, failed {failed} task(s); forgot {forgotten} dead worker(s)")
