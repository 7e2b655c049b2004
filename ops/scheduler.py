"""The periodic jobs of an installation, run by `manage.py run_scheduler`: one active scheduler per installation
(`make run` starts one beside runserver, `make serve` and the systemd unit one per host, of which one is active).

APScheduler (3.x) does the timing; on PostgreSQL an advisory lock elects the active scheduler, the others stand by
and take over when its session ends. The jobs are management commands an operator can also run by hand, each
idempotent (reminders are claimed once per kind, object and period), so a second scheduler that briefly overlaps
a first one, or a job run by hand, does no harm.
"""

from __future__ import annotations

import datetime
import io
import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

logger = logging.getLogger(__name__)

# An arbitrary constant: the key of the PostgreSQL advisory lock that elects the one active scheduler.
SCHEDULER_LOCK_KEY = 0x77616E67  # "wang"
# How often the active scheduler checks that it still holds the lock (its session may have been cut).
LEADERSHIP_CHECK_SECONDS = 30


@dataclass(frozen=True)
class Job:
    command: str
    every_seconds: int
    args: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return self.command


# Each job is a management command that an operator can also run by hand; all of them are idempotent.
JOBS = (
    Job("reclaim_tasks", 30),
    # Events committed by a process that died before telling their subscribers (document, webhooks, notices).
    Job("events_announce", 30),
    Job("expire_invitations", 300),
    Job("send_reminders", 300),
    Job("documents_retry", 900),
    Job("webhooks_deliver_due", 30),
    Job("expire_jobs", 30),
    Job("ledger_checkpoint", 3600),
    # Recomputes the whole chain: the province's page shows the last checkpoint it found fitting.
    Job("audit_verify", 86_400),
    # 本人确认 evidence and retired 佐证材料 files past EVIDENCE_RETENTION_YEARS, confirmations never used (issue 20).
    Job("purge_evidence", 86_400),
    # 核查 rows nobody answered by the deadline become 存疑 (issue 21 item 2).
    Job("expire_verifications", 3600),
    Job("prune_db_task_results", 86_400, ("--min-age-days", "30", "--failed-min-age-days", "90")),
    # Sessions past their expiry (web.sessions reads them as signed out; Django leaves the rows to this command).
    Job("clearsessions", 86_400),
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
    finally:
        # Jobs run in the threads of the scheduler's pool: each run closes its thread's connection, so none is
        # left stale between runs (a job runs every 30 seconds at most often).
        connections.close_all()
    logger.info("%s: %s (%.0f ms)", job.command, out.getvalue().strip(), (time.monotonic() - started) * 1000)


def build_scheduler(
    jobs: tuple[Job, ...] = JOBS, scheduler_class: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    """The scheduler with every job, each run once at start and then every `every_seconds`; a job still running
    when its time comes again is not started twice, and runs missed while the process was busy are run once."""
    scheduler = scheduler_class(
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=settings.TIME_ZONE,
    )
    now = timezone.now()
    for job in jobs:
        scheduler.add_job(
            run_job,
            IntervalTrigger(seconds=job.every_seconds),
            args=[job],
            id=job.id,
            name=job.command,
            next_run_time=now,
        )
    return scheduler


def acquire_leadership(
    wait: Callable[[float], object] = time.sleep, poll_seconds: float = 10.0
) -> BaseDatabaseWrapper | None:
    """On PostgreSQL, block until this process holds the scheduler lock, on a connection of its own that it keeps
    (returned); a second scheduler stays on standby and takes over when the first one's session ends. On SQLite
    (one host) there is nothing to elect: None."""
    if connection.vendor != "postgresql":
        return None
    lock_connection = connections.create_connection("default")
    lock_connection.inc_thread_sharing()  # the leadership check runs in a thread of the pool
    while True:
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCHEDULER_LOCK_KEY])
            if cursor.fetchone()[0]:
                return lock_connection
        logger.info("Another scheduler is active; standing by")
        wait(poll_seconds)


def holds_leadership(lock_connection: BaseDatabaseWrapper) -> bool:
    try:
        with lock_connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND objid::bigint = %s AND granted",
                [SCHEDULER_LOCK_KEY],
            )
            return bool(cursor.fetchone()[0])
    except Exception:
        logger.exception("Could not check the scheduler lock")
        return False


def run_forever(jobs: tuple[Job, ...] = JOBS) -> None:
    lock_connection = acquire_leadership()
    scheduler = build_scheduler(jobs)
    lost: list[bool] = []

    def check_leadership() -> None:
        assert lock_connection is not None
        if not holds_leadership(lock_connection):
            # Another scheduler may be active now: stop, and let the service manager start us as a standby.
            logger.error("The scheduler lock was lost; stopping")
            lost.append(True)
            scheduler.shutdown(wait=False)

    if lock_connection is not None:
        scheduler.add_job(
            check_leadership, IntervalTrigger(seconds=LEADERSHIP_CHECK_SECONDS), id="leadership", name="leadership"
        )

    def on_error(event: JobExecutionEvent) -> None:
        logger.error("Scheduler job %s raised", event.job_id, exc_info=event.exception)

    scheduler.add_listener(on_error, EVENT_JOB_ERROR)

    def on_stop(signum: int, frame: FrameType | None) -> None:
        # SIGTERM from the supervisor (make run, make serve, systemd) or Ctrl-C: stop taking jobs and return; a job
        # that is running finishes in its thread (each is idempotent and short).
        logger.info("Scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_stop)
    logger.info("Scheduler active: %s", ", ".join(f"{j.command}/{j.every_seconds}s" for j in jobs))
    scheduler.start()  # blocks until shutdown
    if lost:
        sys.exit(1)


def next_runs(scheduler: BaseScheduler) -> dict[str, datetime.datetime | None]:
    """Each job's next run time (the operator's view, and what the tests read)."""
    jobs: list[Any] = scheduler.get_jobs()
    return {job.id: job.next_run_time for job in jobs}
