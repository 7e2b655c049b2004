from typing import Any

from django.core.management.base import BaseCommand

from core.services.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders that are due (invitations about to expire, invitations expired unanswered, reviewers' "
        "daily digest); each once, however often it runs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send()
        self.stdout.write(", ".join(f"{kind} {count}" for kind, count in sent.items()))
