"""How background jobs start: only once the transaction that asked for them has committed.

Task functions live beside the services they run (`core.services.notify.send_event_notices`,
`documents.services.generate_document`, `core.services.roster_jobs.roster_job_task`, ...); they take ids and stay
thin. Every caller enqueues through `enqueue_on_commit`, so a job never starts on a row that a rollback removes,
and a worker never reads a row before it is committed.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task[Any, Any], *args: Any, delay: datetime.timedelta | None = None) -> None:
    """Enqueue `task(*args)` after commit (at once when no transaction is open).

    `delay` defers the job where the backend can. A queue that cannot be reached is logged, not raised: the
    user's action has committed, and each job's owner picks up what was lost (stale documents and roster jobs
    are retried or expired), so a queue hiccup never turns a done action into an error page."""

    def run() -> None:
        queued = task
        if delay and queued.get_backend().supports_defer:
            queued = queued.using(run_after=timezone.now() + delay)
        try:
            queued.enqueue(*args)
        except Exception:
            logger.exception("Could not enqueue %s%r", task.name, args)

    transaction.on_commit(run)
