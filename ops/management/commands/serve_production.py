"""`make serve`: the production configuration of this checkout, in one supervised process group."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.crypto import get_random_string

from ops.production import default_web_concurrency, max_requests, refusals
from ops.supervisor import supervise

ROLES = ("web", "worker", "scheduler")
# gunicorn's config file for the web role: its server hooks (by path, whatever the directory gunicorn starts in).
HOOKS = Path(__file__).resolve().parents[2] / "gunicorn_hooks.py"
STOP_TIMEOUT = 30


def gunicorn_argv(
    application: str, host: str, port: str, workers: int, chdir: Path, *, hooks: bool = True
) -> list[str]:
    """The web role's gunicorn command (benchmarks/bench_scale.py serves Django's own bare project with it too, without
    the project's `hooks`: ops.gunicorn_hooks, a worker warmed before its first request)."""
    recycle = max_requests()
    return [
        sys.executable, "-m", "gunicorn", application,
        *(["--config", str(HOOKS)] if hooks else []),
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--timeout", os.environ.get("GUNICORN_TIMEOUT", "60"),
        "--graceful-timeout", str(STOP_TIMEOUT - 5),
        # Recycle workers now and then so a slow leak never takes a host down at the peak; rarely, and at spread
        # times (jitter), because a recycle stalls what queues behind it (ops.production.max_requests).
        "--max-requests", str(recycle), "--max-requests-jitter", str(recycle // 5),
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "--chdir", str(chdir),
        # Import the app once in the master: workers fork ready, recycled ones too.
        "--preload",
        # One control socket per user would collide between several servers on one machine.
        "--no-control-socket",
    ]  # fmt: skip


class Command(BaseCommand):
    help = (
        "Check the settings, migrate, collect static files, then run gunicorn, the task worker(s) and the scheduler; "
        "stops them all when one of them dies or on SIGTERM (a service manager restarts the group)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--roles",
            default=os.environ.get("SERVE_ROLES", ",".join(ROLES)),
            help="which of web,worker,scheduler this host runs (several app hosts: one scheduler in all)",
        )
        parser.add_argument("--no-migrate", action="store_true", help="another host (or the deploy step) migrates")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = refusals()
        if problems:
            raise CommandError("refusing to start in production:\n  - " + "\n  - ".join(problems))
        roles = {r.strip() for r in options["roles"].split(",") if r.strip()}
        if not roles or roles - set(ROLES):
            raise CommandError(f"--roles takes some of {','.join(ROLES)}")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if "web" in roles:
            call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ)
        env.setdefault("REQUEST_LOG", "1")
        metrics_dir = None
        if settings.PROMETHEUS_METRICS:
            # Every gunicorn worker writes its samples here and /metrics adds them up (prometheus-client).
            metrics_dir = Path(tempfile.mkdtemp(prefix="wangqian-metrics-"))
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        commands = self._commands(roles, options["host"], options["port"])
        self.stdout.write(f"wangqian (production): {', '.join(name for name, _ in commands)}")
        if settings.TRUSTED_PROXY_COUNT:
            self.stdout.write(f"client address: X-Forwarded-For, {settings.TRUSTED_PROXY_COUNT} proxy(ies) trusted")
        else:
            self.stdout.write("client address: the connection's (TRUSTED_PROXY_COUNT unset; set it behind nginx)")
        try:
            code = supervise(commands, env)
        finally:
            if metrics_dir:
                shutil.rmtree(metrics_dir, ignore_errors=True)
        if code:
            sys.exit(code)

    def _commands(self, roles: set[str], host: str, port: str) -> list[tuple[str, list[str]]]:
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        commands: list[tuple[str, list[str]]] = []
        if "web" in roles:
            workers = int(os.environ.get("WEB_CONCURRENCY") or default_web_concurrency())
            argv = gunicorn_argv("wangqian.wsgi:application", host, port, workers, Path(settings.BASE_DIR))
            commands.append((f"gunicorn {host}:{port} x{workers}", argv))
        if "worker" in roles:
            # Worker ids say where a job ran (the queue's worker_ids, the heartbeats on /readyz and in the admin).
            host = (os.environ.get("WORKER_NAME") or socket.gethostname())[:40]
            for n in range(int(os.environ.get("TASK_WORKERS", "1"))):
                worker_id = f"{host}-{n + 1}-{get_random_string(8)}"
                commands.append(
                    (f"worker {n + 1}", [*manage, "run_worker", "--interval", "1", "--worker-id", worker_id])
                )
            # Webhook deliveries wait on the schools' servers: their own queue and worker(s), so documents, e-mail
            # and exports never queue behind a slow endpoint.
            for n in range(int(os.environ.get("WEBHOOK_WORKERS", "1"))):
                worker_id = f"{host}-webhooks-{n + 1}-{get_random_string(8)}"
                command = [
                    *manage,
                    "run_worker",
                    "--interval",
                    "1",
                    "--queue-name",
                    "webhooks",
                    "--worker-id",
                    worker_id,
                ]
                commands.append((f"webhook worker {n + 1}", command))
        if "scheduler" in roles:
            commands.append(("scheduler", [*manage, "run_scheduler"]))
        return commands
