from typing import Any

from django.core.management.base import BaseCommand

from core.services.destinations import destinations_backfill


class Command(BaseCommand):
    help = (
        "Give every effective agreement without a 毕业去向 the 签就业协议形式就业 it sets "
        "(run once after upgrading to 毕业去向登记; safe to run again)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"set {destinations_backfill()} 毕业去向 from effective agreements")
