from typing import Any

from django.core.management.base import BaseCommand

from webhooks.services import deliver_due


class Command(BaseCommand):
    help = "Queue the webhook deliveries that are due (retries, and attempts a dead worker left)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"queued {deliver_due()} due webhook deliveries")
