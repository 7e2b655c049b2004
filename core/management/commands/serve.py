import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def site_url_for(host: str, port: str) -> str:
    """The default SITE_URL of a development server: the address it serves on (a wildcard host is reached at
    127.0.0.1), so the links and the agreement's QR code point at this server, not at another port."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Serve the site with the task worker and the scheduler beside it (what `make run` calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: object, **options: str) -> None:
        env = dict(os.environ)
        if not env.get("SITE_URL"):
            # The worker renders the PDFs with their QR code: it must know the port too.
            env["SITE_URL"] = settings.SITE_URL = site_url_for(options["host"], options["port"])
        # The same worker (with its heartbeat, which /readyz reads) and scheduler as production, one of each.
        helpers = [
            subprocess.Popen([sys.executable, "manage.py", "run_worker", "--interval", "1"], env=env),
            # Webhook deliveries have a queue and a worker of their own (webhooks/services.py).
            subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval", "1", "--queue-name", "webhooks"], env=env
            ),
            subprocess.Popen([sys.executable, "manage.py", "run_scheduler"], env=env),
        ]
        try:
            self.stdout.write(f"wangqian: http://{options['host']}:{options['port']}/ (SITE_URL {env['SITE_URL']})")
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False, use_threading=True)
        finally:
            for process in helpers:
                process.terminate()
            for process in helpers:
                process.wait(timeout=10)
