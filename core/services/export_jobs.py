"""导出 as a background job: a list larger than WANGQIAN_EXPORT_SYNC_MAX_ROWS is written by a worker.

The page that asked shows the job's progress (rows written of the total) and, once done, the download. The worker
streams the rows (core.services.exports, values_list in chunks) into a temporary file with the streaming xlsx
writer, so its memory does not grow with the list, then stores the file through Django's storage API (a local
folder, or object storage that every app host reads). Jobs start after commit (core.tasks.enqueue_on_commit);
files are deleted after WANGQIAN_EXPORT_KEEP_HOURS (`export_jobs_expire`).
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
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import task

from core.models import Agreement, ExportJob, School, User
from core.services.exports import agreement_export_rows, export_filename, export_headers
from core.services.xlsx_stream import write_xlsx_to
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

# Progress is written to the job row at most this often (rows), so a big export costs few extra writes.
_PROGRESS_EVERY = 2000


def needs_job(qs: QuerySet[Any]) -> bool:
    """Whether the list is too large to write while the browser waits (counts at most the limit + 1 rows)."""
    limit = settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS
    return qs.order_by().values("pk")[: limit + 1].count() > limit


def export_job_start(qs: QuerySet[Agreement], *, title: str, acting_user: User) -> ExportJob:
    """Queue the export of `qs` (already scoped to the user and filtered by the page) as a job."""
    job = ExportJob.objects.create(
        owner=acting_user,
        kind=ExportJob.Kind.AGREEMENTS,
        title=title,
        query=pickle.dumps(qs.query),
        filename=export_filename(title),
    )
    enqueue_on_commit(export_job_task, job.pk)
    return job


def plan_job_start(school: School, graduation_year: int, *, filename: str, acting_user: User) -> ExportJob:
    """Queue the 就业方案 of one 毕业年度 (every graduate) as a job."""
    job = ExportJob.objects.create(
        owner=acting_user,
        kind=ExportJob.Kind.PLAN,
        title=f"{graduation_year}届就业方案",
        params={"school_id": school.pk, "graduation_year": graduation_year},
        filename=filename,
    )
    enqueue_on_commit(export_job_task, job.pk)
    return job


def _agreements(job: ExportJob) -> QuerySet[Agreement]:
    qs = Agreement.objects.all()
    stored = job.query
    # Written by export_job_start above from the page's own queryset, never from a request.
    qs.query = pickle.loads(bytes(stored) if stored is not None else b"")
    return qs


def _content(job: ExportJob, progress: Callable[[int], None]) -> tuple[list[str], Iterator[list[Any]], int, str]:
    """(headers, rows, total, sheet title) of the job."""
    if job.kind == ExportJob.Kind.PLAN:
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
    silent = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    claimable = Q(state=ExportJob.State.QUEUED) | Q(state=ExportJob.State.RUNNING, updated_at__lt=silent)
    job = ExportJob.objects.select_related("owner").filter(claimable, pk=job_id).first()
    if job is None:
        return  # already taken, finished, or gone
    claimed = ExportJob.objects.filter(claimable, pk=job.pk).update(
        state=ExportJob.State.RUNNING, done=0, updated_at=timezone.now()
    )
    if not claimed:
        return
    last = [0]

    def progress(done: int) -> None:
        if done - last[0] >= _PROGRESS_EVERY:
            last[0] = done
            ExportJob.objects.filter(pk=job.pk).update(done=done, updated_at=timezone.now())

    try:
        headers, rows, total, title = _content(job, progress)
        ExportJob.objects.filter(pk=job.pk).update(total=total, updated_at=timezone.now())
        with tempfile.TemporaryFile() as target:
            written = write_xlsx_to(target, headers, rows, title=title)
            target.seek(0)
            name = default_storage.save(f"exports/{job.pk}-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(target))
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, detail=f"导出失败：{type(exc).__name__}", finished_at=timezone.now()
        )
        return
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.DONE, file=name, done=written, total=max(total, written), finished_at=timezone.now()
    )


@task()
def export_job_task(job_id: int) -> None:
    export_job_run(job_id)


def export_job_open(job: ExportJob) -> File[bytes]:
    """The finished file, read through the storage."""
    return default_storage.open(job.file.name, "rb")


def export_jobs_expire(*, now: datetime.datetime | None = None) -> int:
    """Fail jobs silent for WANGQIAN_EXPORT_STALL_MINUTES (no worker took them up again); delete jobs (and their
    files) older than WANGQIAN_EXPORT_KEEP_HOURS. Returns how many were deleted. Run by the scheduler."""
    now = now or timezone.now()
    stalled = now - datetime.timedelta(minutes=settings.WANGQIAN_EXPORT_STALL_MINUTES)
    ExportJob.objects.filter(
        state__in=(ExportJob.State.QUEUED, ExportJob.State.RUNNING), updated_at__lt=stalled
    ).update(state=ExportJob.State.FAILED, detail="导出中断（后台任务长时间没有进展），请重新导出", finished_at=now)
    cutoff = now - datetime.timedelta(hours=settings.WANGQIAN_EXPORT_KEEP_HOURS)
    count = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            try:
                default_storage.delete(job.file.name)
            except Exception:  # storage trouble: keep the row, the next run tries again
                logger.exception("could not delete export file %s", job.file.name)
                continue
        job.delete()
        count += 1
    return count
