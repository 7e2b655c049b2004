import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the site and run the background task worker beside it (what `make run` calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: object, **options: str) -> None:
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "1"])
        try:
            self.stdout.write(f"wangqian: http://{options['host']}:{options['port']}/")
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False, use_threading=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
