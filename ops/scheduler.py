"""The periodic jobs of a production installation, run by `manage.py run_scheduler` (one per installation)."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import connection

logger = logging.getLogger(__name__)

# An arbitrary constant: the key of the PostgreSQL advisory lock that elects the one active scheduler.
SCHEDULER_LOCK_KEY = 0x77616E67  # "wang"


@dataclass(frozen=True)
class Job:
    command: str
    every_seconds: int
    args: tuple[str, ...] = field(default=())


# Each job is a management command that an operator can also run by hand; all of them are idempotent.
JOBS = (
    Job("reclaim_tasks", 30),
    Job("expire_roster_jobs", 30),
    Job("expire_invitations", 600),
    Job("documents_retry", 900),
    Job("webhooks_deliver_due", 30),
    Job("prune_db_task_results", 86_400, ("--min-age-days", "30", "--failed-min-age-days", "90")),
)


def run_job(job: Job) -> None:
    out = io.StringIO()
    started = time.monotonic()
    try:
        call_command(job.command, *job.args, stdout=out)
    except Exception:
        # One failing job must not stop the others; the log (and the job's own records) say what went wrong.
        logger.exception("Scheduled job %s failed", job.command)
        return
    logger.info("%s: %s (%.0f ms)", job.command, out.getvalue().strip(), (time.monotonic() - started) * 1000)


def acquire_leadership(wait: Callable[[float], object] = time.sleep, poll_seconds: float = 10.0) -> None:
    """On PostgreSQL, block until this process holds the scheduler lock; a second scheduler stays on standby
    and takes over when the first one's session ends. On SQLite (one host) there is nothing to elect."""
    if connection.vendor != "postgresql":
        return
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCHEDULER_LOCK_KEY])
            if cursor.fetchone()[0]:
                return
        logger.info("Another scheduler is active; standing by")
        wait(poll_seconds)


def run_forever(jobs: tuple[Job, ...] = JOBS, tick_seconds: float = 1.0) -> None:
    acquire_leadership()
    logger.info("Scheduler active: %s", ", ".join(f"{j.command}/{j.every_seconds}s" for j in jobs))
    next_run = dict.fromkeys(jobs, 0.0)
    while True:
        now = time.monotonic()
        for job in jobs:
            if now >= next_run[job]:
                run_job(job)
                next_run[job] = time.monotonic() + job.every_seconds
        time.sleep(tick_seconds)
