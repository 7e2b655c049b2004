from django.core.management.base import BaseCommand

from core.services.verifications import verifications_expire, verifications_resend_stalled


class Command(BaseCommand):
    help = (
        "Mark 核查 rows nobody answered by their deadline (VERIFICATION_DAYS) as 存疑, and send again the campaigns "
        "whose messages nobody is sending (run it hourly)."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = verifications_expire()
        self.stdout.write(f"{count} 核查 row(s) marked 存疑")
        resent = verifications_resend_stalled()
        self.stdout.write(f"{resent} 核查 campaign(s) whose messages were stalled sent again")
