from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sampledata.scale import SCALE_ACCOUNTS, SCALE_PASSWORD, ScaleSize, describe, load_scale


class Command(BaseCommand):
    help = (
        "Load the province-scale data set (issue 11) into an empty database: two schools, four 毕业年度, every status; "
        "demo settings only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agreements", type=int, default=ScaleSize.agreements)
        parser.add_argument("--students", type=int, default=ScaleSize.students)
        parser.add_argument("--employers", type=int, default=ScaleSize.employers)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: object, **options: int) -> None:
        if not settings.DEMO:
            raise CommandError("Scale data loads only with WANGQIAN_DEMO=1 (demo/development settings).")
        size = ScaleSize(options["agreements"], options["students"], options["employers"])
        try:
            counts = load_scale(size, seed=options["seed"], log=self.stdout.write)
        except ValueError as exc:
            raise CommandError(f"Scale data not loaded: {exc}")
        self.stdout.write(self.style.SUCCESS("Scale data loaded:"))
        for line in describe(counts):
            self.stdout.write(line)
        self.stdout.write(f"\nScale logins (password {SCALE_PASSWORD}; students: their 学号, same password):")
        for username, description in SCALE_ACCOUNTS:
            self.stdout.write(f"  {username:<14} {description}")
