"""导出 as a background job: a list larger than WANGQIAN_EXPORT_SYNC_MAX_ROWS is written by a worker.

The page that asked shows the job's progress (rows written of the total) and, once done, the download. The worker
streams the rows (core.services.exports, values_list in chunks) into a temporary file with the streaming xlsx
writer, so its memory does not grow with the list, then stores the file through Django's storage API (a local
folder, or object storage that every app host reads). Jobs start after commit (core.tasks.enqueue_on_commit);
an export is a `Job` (core.models.jobs) of kind agreements or plan: claimed again when the worker lease hands its
task back out, failed when silent and deleted with its file after WANGQIAN_JOB_KEEP_HOURS (core.services.jobs,
`manage.py expire_jobs`).
"""

from __future__ import annotations

import datetime
import logging
import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from core.errors import Conflict
from core.models import Agreement, Job, School, User
from core.replicas import in_replica_reads, replica_or_primary
from core.services.exports import agreement_export_rows, export_filename, export_headers
from core.services.jobs import job_claim, job_finish, job_progress
from core.services.xlsx_stream import write_xlsx_to
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

# Progress is written to the job row at most this often (rows), so a big export costs few extra writes.
_PROGRESS_EVERY = 2000


def needs_job(qs: QuerySet[Any]) -> bool:
    """Whether the list is too large to write while the browser waits (counts at most the limit + 1 rows)."""
    limit = settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS
    return qs.order_by().values("pk")[: limit + 1].count() > limit


def _job_create(acting_user: User, **fields: Any) -> Job:
    """A new job of `acting_user`, unless they already have WANGQIAN_EXPORT_MAX_RUNNING_PER_USER jobs queued or
    running (a job silent for the stall time no longer counts: the scheduler is about to fail it)."""
    limit = settings.WANGQIAN_EXPORT_MAX_RUNNING_PER_USER
    with transaction.atomic():
        # One account's requests are counted one at a time, so two clicks at once cannot both pass the limit.
        User.objects.select_for_update().filter(pk=acting_user.pk).values_list("pk").first()
        stalled = timezone.now() - datetime.timedelta(minutes=settings.WANGQIAN_JOB_STALL_MINUTES)
        running = Job.objects.filter(
            owner=acting_user, kind__in=Job.EXPORT_KINDS, state__in=Job.ACTIVE_STATES, updated_at__gte=stalled
        ).count()
        if running >= limit:
            raise Conflict(
                f"你已有{running}个导出任务正在进行，每个账号最多同时进行{limit}个，请等待其完成后再导出",
                code="too_many_exports",
            )
        # Asked from a list read on a replica (core.replicas: the user wrote nothing within REPLICA_PIN_SECONDS),
        # the worker reads the rows from a replica too.
        fields["params"] = {**fields.get("params", {}), "read_replica": in_replica_reads()}
        job = Job.objects.create(owner=acting_user, **fields)
        enqueue_on_commit(export_job_task, job.pk)
    return job


def export_job_start(qs: QuerySet[Agreement], *, title: str, acting_user: User) -> Job:
    """Queue the export of `qs` (already scoped to the user and filtered by the page) as a job."""
    return _job_create(
        acting_user,
        kind=Job.Kind.AGREEMENTS,
        title=title,
        query=pickle.dumps(qs.query),
        filename=export_filename(title),
    )


def plan_job_start(school: School, graduation_year: int, *, filename: str, acting_user: User) -> Job:
    """Queue the 就业方案 of one 毕业年度 (every graduate) as a job."""
    return _job_create(
        acting_user,
        kind=Job.Kind.PLAN,
        title=f"{graduation_year}届就业方案",
        params={"school_id": school.pk, "graduation_year": graduation_year},
        filename=filename,
    )


def _agreements(job: Job) -> QuerySet[Agreement]:
    qs = Agreement.objects.all()
    stored = job.query
    # Written by export_job_start above from the page's own queryset, never from a request.
    qs.query = pickle.loads(bytes(stored) if stored is not None else b"")
    return qs


def _content(job: Job, progress: Callable[[int], None]) -> tuple[list[str], Iterator[list[Any]], int, str]:
    """(headers, rows, total, sheet title) of the job."""
    if job.kind == Job.Kind.PLAN:
        from core.services.plan import plan_headers, plan_rows, plan_students

        school = School.objects.get(pk=job.params["school_id"])
        year = int(job.params["graduation_year"])
        total = plan_students(school, year).count()
        return plan_headers(school, year), plan_rows(school, year, progress=progress), total, job.title
    qs = _agreements(job)
    total = qs.order_by().count()
    return list(export_headers(job.owner)), agreement_export_rows(qs, job.owner, progress=progress), total, job.title


def export_job_run(job_id: int) -> None:
    """A worker's step: write the file, store it, record the outcome; errors fail the job, never silently."""
    # A job is taken once; a running one that has written no progress for a lease lost its worker (the task
    # queue hands the task out again), so it is taken again from the start.
    job = job_claim(job_id, *Job.EXPORT_KINDS)
    if job is None:
        return  # already taken, finished, or gone
    last = [0]

    def progress(done: int) -> None:
        if done - last[0] >= _PROGRESS_EVERY:
            last[0] = done
            job_progress(job, done)

    def write() -> tuple[str, int, int]:
        headers, rows, total, title = _content(job, progress)
        job_progress(job, 0, total)
        with tempfile.TemporaryFile() as target:
            written = write_xlsx_to(target, headers, rows, title=title)
            target.seek(0)
            name = default_storage.save(f"exports/{job.pk}-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(target))
        return name, written, total

    try:
        allowed = bool(job.params.get("read_replica"))
        name, written, total = replica_or_primary(write, allowed=allowed, what=f"export job {job.pk}")
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        job_finish(job, Job.State.FAILED, detail=f"导出失败：{type(exc).__name__}")
        return
    if not job_finish(job, Job.State.DONE, file=name, done=written, total=max(total, written)):
        default_storage.delete(name)  # failed meanwhile (silent too long): its file is no one's


@task()
def export_job_task(job_id: int) -> None:
    export_job_run(job_id)


def export_job_open(job: Job) -> File[bytes]:
    """The finished file, read through the storage."""
    return default_storage.open(job.file.name, "rb")
