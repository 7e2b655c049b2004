from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.models import School
from sampledata.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo school (东北大学) and accounts into an empty database; demo settings only."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO:
            raise CommandError("Demo data loads only with WANGQIAN_DEMO=1 (demo/development settings).")
        if School.objects.exists():
            self.stdout.write("Database is not empty: demo data not loaded.")
        else:
            load_demo()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"\nDemo logins (password {DEMO_PASSWORD}):")
        for username, description in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<12} {description}")
