"""`make run`: the demo site with everything production runs beside it, in one process group.

The development server, the task worker (and the webhooks' own), and the scheduler, each a child process stopped
with the rest (ops.supervisor): SIGTERM to `make`, Ctrl-C, or one of them dying ends them all. What the demo's
workers would print (the e-mails and short messages of its events, one task line each) goes to files under
`var/`, so the console ends, once the site answers, with its address and the demo logins.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ops.supervisor import Child, supervise

STOP_TIMEOUT = 10


def site_url_for(host: str, port: str) -> str:
    """The default SITE_URL of a development server: the address it serves on, by name — this machine's addresses
    (127.0.0.1, ::1, a wildcard) are `localhost`, as browsers refuse an IP address as a passkey's relying party — so
    the links, the agreement's QR code and the passkeys point at this server, not at another port."""
    if host in ("0.0.0.0", "::", "", "127.0.0.1", "::1"):
        host = "localhost"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def var_dir() -> Path:
    return Path(os.environ.get("WANGQIAN_VAR_DIR") or Path(settings.BASE_DIR) / "var")


def child_env(host: str, port: str) -> dict[str, str]:
    """The children's environment: SITE_URL derived from where the server listens (the worker draws the QR
    codes), and the demo's mail and SMS written to files unless the developer chose backends of their own."""
    env = dict(os.environ)
    if not env.get("SITE_URL"):
        env["SITE_URL"] = settings.SITE_URL = site_url_for(host, port)
    outbox = var_dir() / "outbox"
    if not env.get("EMAIL_BACKEND"):
        env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        env["EMAIL_FILE_PATH"] = str(outbox / "mail")
    if not env.get("SMS_BACKEND"):
        env["SMS_BACKEND"] = "core.sms.backends.file.SmsBackend"
        env["SMS_FILE_PATH"] = str(outbox / "sms")
    env["PYTHONUNBUFFERED"] = "1"
    # runserver answers each request in a thread of its own: a connection kept past the request stays open after
    # its thread is gone, and on PostgreSQL they pile up until the server refuses new ones.
    env.setdefault("DATABASE_CONN_MAX_AGE", "0")
    # make run is the demo; `make serve` is the production server, as the address line says.
    env["DJANGO_RUNSERVER_HIDE_WARNING"] = "true"
    return env


def commands(host: str, port: str) -> list[tuple[str, list[str]]]:
    """(name, argv) of every process `make run` starts: the same worker (with its heartbeat, which /readyz
    reads) and scheduler as production, one of each, and the webhooks' own worker."""
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    return [
        ("server", [*manage, "runserver", f"{host}:{port}", "--noreload"]),
        ("worker", [*manage, "run_worker", "--interval", "1"]),
        ("webhook worker", [*manage, "run_worker", "--interval", "1", "--queue-name", "webhooks"]),
        ("scheduler", [*manage, "run_scheduler"]),
    ]


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1" if host in ("0.0.0.0", "") else host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Command(BaseCommand):
    help = "Serve the demo site with the task workers and the scheduler beside it (what `make run` calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: object, **options: str) -> None:
        host, port = options["host"], options["port"]
        env = child_env(host, port)
        log_path = var_dir() / "log" / "make-run.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            children = [
                Child(name, argv, output=None if name == "server" else log) for name, argv in commands(host, port)
            ]
            code = supervise(
                children,
                env,
                stop_timeout=STOP_TIMEOUT,
                ready=lambda: answers(host, int(port)),
                on_ready=lambda: self._announce(host, port, env, log_path),
            )
        if code:
            sys.exit(code)

    def _announce(self, host: str, port: str, env: dict[str, str], log_path: Path) -> None:
        """What the developer needs once the site answers, last on the console: where, who, where the rest went."""
        from core.models import User
        from sampledata.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        # By name (localhost), the address passkeys work at; where the server listens in brackets.
        address = site_url_for(host, port)
        lines = [f"wangqian (demo) is running at {address}/  (SITE_URL {env['SITE_URL']}; listening on {host}:{port})"]
        if settings.DEMO and User.objects.filter(username=DEMO_ACCOUNTS[0][0]).exists():
            lines.append(f"Demo logins, password {DEMO_PASSWORD}:")
            lines += [f"  {username:<12} {description}" for username, description in DEMO_ACCOUNTS]
        if env.get("EMAIL_FILE_PATH") or env.get("SMS_FILE_PATH"):
            outbox = [f"e-mail in {env['EMAIL_FILE_PATH']}/" if env.get("EMAIL_FILE_PATH") else ""]
            outbox.append(f"SMS in {env['SMS_FILE_PATH']}/sms.log" if env.get("SMS_FILE_PATH") else "")
            lines.append("Notices the demo sends: " + ", ".join(part for part in outbox if part))
        lines.append(f"Task worker and scheduler log: {log_path}")
        lines.append("Stop everything: Ctrl-C")
        self.stdout.write("\n" + "\n".join(lines))
        self.stdout.flush()
