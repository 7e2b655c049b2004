from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from core.services.onboarding import school_add


class Command(BaseCommand):
    help = (
        "Add a school (院校) with default settings and invite its first 学校管理员 by a single-use link, printed here "
        "and e-mailed (docs/DEPLOY.md). A second run with the same values says what exists and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", required=True, help="院校代码: five digits, e.g. 10145")
        parser.add_argument("--name", required=True, help="院校名称, e.g. 东北大学")
        parser.add_argument("--time-zone", default="Asia/Shanghai", help="IANA zone (default Asia/Shanghai)")
        parser.add_argument("--admin-username", required=True, help="the first 学校管理员's username")
        parser.add_argument("--admin-email", required=True, help="where the invitation link is sent")
        parser.add_argument("--admin-name", default="", help="the admin's name as shown (default: the username)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = school_add(
                code=options["code"],
                name=options["name"],
                time_zone=options["time_zone"],
                admin_username=options["admin_username"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        for line in result.lines:
            self.stdout.write(line)
