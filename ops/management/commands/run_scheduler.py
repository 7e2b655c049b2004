from typing import Any

from django.core.management.base import BaseCommand

from ops.scheduler import run_forever


class Command(BaseCommand):
    help = "Run the periodic jobs (expire invitations, retry lost documents, reclaim jobs of dead workers, prune)."

    def handle(self, *args: Any, **options: Any) -> None:
        run_forever()
