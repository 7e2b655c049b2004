from django.core.management.base import BaseCommand

from core.services.agreements import invitations_expire


class Command(BaseCommand):
    help = "Expire 邀约 past their school's validity (run it from cron or a systemd timer, e.g. every 10 minutes)."

    def handle(self, *args: object, **options: object) -> None:
        count = invitations_expire()
        self.stdout.write(f"expired {count} invitation(s)")
