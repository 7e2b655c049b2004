from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from core.services.onboarding import staff_invite_by_operator


class Command(BaseCommand):
    help = (
        "Send a school, college or province admin a new single-use invitation link (printed here and e-mailed), e.g. "
        "when the first admin's link from school_add expired; the account's earlier unused links stop working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = staff_invite_by_operator(options["username"])
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        for line in result.lines:
            self.stdout.write(line)
