from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from core.services.onboarding import province_add


class Command(BaseCommand):
    help = (
        "Add a province's graduate-employment authority (省级主管部门) over the schools named by "
        "院校代码 and invite its first admin by a single-use link, printed here and e-mailed. A second "
        "run with the same values changes nothing; with other --schools it says how they differ, and "
        "--update-schools makes them the province's schools."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="名称, e.g. 辽宁省教育厅")
        parser.add_argument("--schools", required=True, help="院校代码, comma-separated: 10145,10140")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="", help="the admin's name as shown (default: the username)")
        parser.add_argument(
            "--update-schools", action="store_true", help="make --schools the province's schools (an existing province)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = province_add(
                name=options["name"],
                school_codes=options["schools"].replace("，", ",").split(","),
                admin_username=options["admin_username"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                update_schools=options["update_schools"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        for line in result.lines:
            self.stdout.write(line)
