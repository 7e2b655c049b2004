from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from core.services.locks import lock_lift_by_operator


class Command(BaseCommand):
    help = (
        "Lift the login throttle's lock of one account (its counted failed logins and activations, from every address, "
        "are cleared; the lifting is recorded). School admins do this for their own accounts on 登录失败记录."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="the account's username (a student's: 院校代码:学号)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            lifted = lock_lift_by_operator(options["username"])
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            f"lifted: {lifted.user.username}, {lifted.failures} failures cleared"
            + (f" (from {lifted.addresses})" if lifted.addresses else "")
        )
