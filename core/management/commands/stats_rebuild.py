from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.services.stats_counters import counters_diff, counters_rebuild


class Command(BaseCommand):
    help = (
        "Recount the 统计 counters from the agreements (and 毕业去向) and replace them; with --check, only compare "
        "and fail when they differ. Run after loading data set-based (load_scale) or restoring a backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare with a full recount, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            diff = counters_diff()
            for (key, metric), (stored, expected) in sorted(diff.items())[:50]:
                self.stdout.write(f"{key} {metric}: stored {stored}, recount {expected}")
            if diff:
                raise CommandError(f"{len(diff)} counter(s) differ from a full recount; run stats_rebuild")
            self.stdout.write("counters match a full recount")
            return
        rows = counters_rebuild()
        self.stdout.write(f"rebuilt {rows} counter row(s)")
