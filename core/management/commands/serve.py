import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the site with the task worker and the scheduler beside it (what `make run` calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: object, **options: str) -> None:
        # The same worker (with its heartbeat, which /readyz reads) and scheduler as production, one of each.
        helpers = [
            subprocess.Popen([sys.executable, "manage.py", "run_worker", "--interval", "1"]),
            subprocess.Popen([sys.executable, "manage.py", "run_scheduler"]),
        ]
        try:
            self.stdout.write(f"wangqian: http://{options['host']}:{options['port']}/")
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False, use_threading=True)
        finally:
            for process in helpers:
                process.terminate()
            for process in helpers:
                process.wait(timeout=10)
