"""Leases for django-tasks' database queue, which has none of its own (django-tasks-db 0.13).

Claiming is already exclusive: a worker takes a READY row with SELECT ... FOR UPDATE SKIP LOCKED and marks it
RUNNING in the same transaction, so two workers never take the same job. What the queue lacks is recovery: a worker
killed mid-job leaves its row RUNNING forever. Every worker therefore keeps a heartbeat row fresh from a side thread
while it lives, and any worker (or the scheduler) puts a RUNNING job back to READY once the worker that claimed it
has not been seen for the lease time. The job then runs again from the start, so task functions must be idempotent
(the agreement document is: a version already READY is returned unchanged).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "last_seen": timezone.now()},
    )


def live_workers(within: datetime.timedelta | None = None) -> int:
    since = timezone.now() - (within or lease())
    return WorkerHeartbeat.objects.filter(last_seen__gte=since).count()


def reclaim_expired() -> tuple[int, int]:
    """Put back the RUNNING jobs whose worker's lease ran out; returns (requeued, failed).

    A job that has already been claimed TASK_MAX_CLAIMS times fails instead: it is what kills its workers."""
    cutoff = timezone.now() - lease()
    candidates = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).only(
            "id", "worker_ids", "started_at"
        )
    )
    if not candidates:
        return 0, 0
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True))
    requeued = failed = 0
    for job in candidates:
        if job.worker_ids and job.worker_ids[-1] in alive:
            continue
        # Conditional on the same claim: a job that finished or was claimed again meanwhile is left alone.
        same_claim = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at)
        if len(job.worker_ids) >= settings.TASK_MAX_CLAIMS:
            failed += same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="ops.workers.LeaseExpired",
                traceback=f"Claimed {len(job.worker_ids)} times by workers that died: {', '.join(job.worker_ids)}",
            )
        else:
            requeued += same_claim.update(status=TaskResultStatus.READY, started_at=None)
    if requeued or failed:
        logger.warning("Reclaimed %s task(s) from dead workers, failed %s", requeued, failed)
    return requeued, failed


def forget_dead_workers() -> int:
    """Heartbeat rows of workers gone for a day are noise on /readyz's count and in the admin."""
    return WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - datetime.timedelta(days=1)).delete()[0]


class Heartbeat(threading.Thread):
    """Beats for one worker process and reclaims expired jobs, until stopped."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = settings.TASK_HEARTBEAT_SECONDS
        # Looking for expired leases a few times per lease is enough; every worker does it, so one dead worker's
        # job waits at most a lease and a quarter.
        reclaim_every = max(interval, settings.TASK_LEASE_SECONDS / 4)
        next_reclaim = 0.0
        while not self.stopped.is_set():
            try:
                close_old_connections()
                beat(self.worker_id)
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + reclaim_every
                    with transaction.atomic():
                        reclaim_expired()
            except Exception:
                # A database hiccup must not kill the thread: the lease only runs out after several missed beats.
                logger.exception("Worker heartbeat failed")
            self.stopped.wait(interval)
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:
            logger.exception("Could not remove the heartbeat of %s", self.worker_id)
