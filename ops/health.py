"""/healthz (the process answers) and /readyz (this host can serve: database, migrations, storage, workers; and
how its read replicas are, which never makes it unready)."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_tasks.base import TaskResultStatus

Check = dict[str, Any]


def check_database() -> Check:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def check_migrations() -> Check:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not plan, "unapplied": len(plan)}


def check_storage() -> Check:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as f:
            ok = f.read() == b"ok"
    finally:
        default_storage.delete(name)
    return {"ok": ok, "backend": type(storages["default"]).__name__}


def check_workers() -> Check:
    from ops.models import WorkerHeartbeat

    since = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(seconds=settings.READYZ_WORKER_SEEN_SECONDS)
    live = WorkerHeartbeat.objects.filter(last_seen__gte=since).count()
    return {"ok": live > 0 or not settings.READYZ_REQUIRE_WORKER, "live": live}


def check_queue() -> Check:
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready().count()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    limit = settings.READYZ_MAX_QUEUE_DEPTH
    return {"ok": not limit or ready <= limit, "ready": ready, "running": running}


def check_replicas() -> Check:
    """Each read replica's health as the reads see it (core.replicas); never fails the host: its reads fall back
    to the primary, so a replica down is for monitoring to alert on."""
    from core.replicas import replica_aliases, replica_healthy

    return {"ok": True, "up": {alias: replica_healthy(alias) for alias in replica_aliases()}}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "migrations": check_migrations,
    "storage": check_storage,
    "workers": check_workers,
    "queue": check_queue,
    "replicas": check_replicas,
}


def run_checks() -> tuple[bool, dict[str, Check]]:
    results: dict[str, Check] = {}
    database_ok = True
    for name, check in CHECKS.items():
        if not database_ok and name != "storage":
            results[name] = {"ok": False, "error": "database unavailable"}
            continue
        started = time.monotonic()
        try:
            result = check()
        except Exception as exc:
            # A probe reports why it failed; it never raises (that would be a 500 with a traceback in the log).
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
        if name == "database":
            database_ok = result["ok"]
    return all(r["ok"] for r in results.values()), results


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    ok, checks = run_checks()
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
