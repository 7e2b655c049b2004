"""The life of a `Job` (core.models.jobs), whatever its kind (导出, 就业方案, 导入拟签约名单, 生源导入): created,
claimed by the task that runs it, its progress, its end, its expiry.

Liveness has one rule. The task queue's lease (ops.workers) hands a task back out when its worker dies; the task
claims its job again, which succeeds while the job is queued or when a running job's row has not moved for
TASK_LEASE_SECONDS (its worker is gone), and runs it from the start, so a job's work must be idempotent. A job
no worker takes up, or whose task the lease gave up on, stays silent: `jobs_expire` (the scheduler's
`expire_jobs`, and a look at the scope before a new job) fails it after WANGQIAN_JOB_STALL_MINUTES, fails a
生源导入 preview nobody confirmed within WANGQIAN_ROSTER_PREVIEW_HOURS, and deletes finished jobs and their files
after WANGQIAN_JOB_KEEP_HOURS (a kind kept as a record, `Job.KEPT_KINDS`, only loses its file).
"""

from __future__ import annotations

import datetime
import logging
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict
from core.models import Job, User

logger = logging.getLogger(__name__)
State = Job.State


def jobs_expire_everywhere() -> dict[str, int]:
    """`manage.py expire_jobs`: every kind of job's expiry. Returns counts by name."""
    failed, deleted = jobs_expire()
    return {"failed": failed, "deleted": deleted}


def job_create(kind: str, *, owner: User, scope: str, upload: IO[bytes], filename: str, total: int, busy: str) -> Job:
    """A queued job with its input stored; `busy` is the Chinese refusal when its scope already has one."""
    jobs_expire(kind=kind, scope=scope)
    job = Job(kind=kind, owner=owner, scope=scope, total=total, filename=filename[:200])
    try:
        with transaction.atomic():
            if Job.objects.filter(kind=kind, scope=scope, state__in=Job.ACTIVE_STATES).exists():
                raise Conflict(busy, code="job_running")
            job.file.save(f"{kind}-{owner.pk}.xlsx", File(upload, name=filename), save=False)
            job.save()
    except IntegrityError:  # two uploads at once: the conditional unique index keeps one
        _delete_file(job)
        raise Conflict(busy, code="job_running")
    except Conflict:
        _delete_file(job)
        raise
    return job


def job_claim(job_id: int, *kinds: str) -> Job | None:
    """Take the job up for a run: a queued one, or a running one whose worker went silent for the task lease
    (the queue handed its task out again). None when it is taken, finished or gone."""
    silent = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    claimable = Q(state=State.QUEUED) | Q(state=State.RUNNING, updated_at__lt=silent)
    claimed = Job.objects.filter(claimable, pk=job_id, kind__in=kinds).update(
        state=State.RUNNING, done=0, updated_at=timezone.now()
    )
    if not claimed:
        return None
    return Job.objects.select_related("owner").get(pk=job_id)


def job_progress(job: Job, done: int, total: int | None = None) -> None:
    """The worker is alive and this far (the row's updated_at is its heartbeat)."""
    fields: dict[str, Any] = {"done": done, "updated_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk, state=State.RUNNING).update(**fields)


def job_finish(job: Job, state: str, **fields: Any) -> bool:
    """Record the job's end unless it ended meanwhile (expired). Call it inside the transaction of the job's
    writes, so that a job failed by expiry never also writes (raise on False); then `job_release`."""
    fields.setdefault("file", "")  # an input goes; an output (an export's file) is given here
    updated = Job.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=state, finished_at=timezone.now(), updated_at=timezone.now(), **fields
    )
    return bool(updated)


def job_release(job: Job) -> None:
    """The run is over, whatever its end: its input file goes (an upload holds personal data)."""
    _delete_file(job)


def jobs_expire(*, kind: str = "", scope: str = "", now: datetime.datetime | None = None) -> tuple[int, int]:
    """Fail active jobs silent for WANGQIAN_JOB_STALL_MINUTES; delete jobs older than WANGQIAN_JOB_KEEP_HOURS with
    their files. Only of one kind and scope when given. Returns (failed, deleted)."""
    now = now or timezone.now()
    jobs = Job.objects.all()
    if kind:
        jobs = jobs.filter(kind=kind)
    if scope:
        jobs = jobs.filter(scope=scope)
    minutes = settings.WANGQIAN_JOB_STALL_MINUTES
    stalled = list(jobs.filter(state__in=Job.ACTIVE_STATES, updated_at__lt=now - datetime.timedelta(minutes=minutes)))
    failed = _expire_previews(jobs, now)
    for job in stalled:
        failed += Job.objects.filter(pk=job.pk, state=job.state, updated_at=job.updated_at).update(
            state=State.FAILED, finished_at=now, file="", detail=_stalled(job, minutes)
        )
        _delete_file(job)
    deleted = 0
    cutoff = now - datetime.timedelta(hours=settings.WANGQIAN_JOB_KEEP_HOURS)
    old = jobs.filter(created_at__lt=cutoff).exclude(state__in=(*Job.ACTIVE_STATES, State.READY))
    for job in old:
        if not _delete_file(job):
            continue
        if job.kind in Job.KEPT_KINDS:
            Job.objects.filter(pk=job.pk).exclude(file="").update(file="")
        else:
            deleted += Job.objects.filter(pk=job.pk).delete()[0]
    if failed:
        logger.warning("failed %s stalled job(s)", failed)
    return failed, deleted


def _expire_previews(jobs: Any, now: datetime.datetime) -> int:
    """A 生源导入 preview (`ready`) nobody confirmed in time: its file (personal data) goes, the job fails."""
    hours = settings.WANGQIAN_ROSTER_PREVIEW_HOURS
    failed = 0
    for job in jobs.filter(state=State.READY, updated_at__lt=now - datetime.timedelta(hours=hours)):
        failed += Job.objects.filter(pk=job.pk, state=State.READY, updated_at=job.updated_at).update(
            state=State.FAILED,
            finished_at=now,
            file="",
            detail=f"预览后超过{hours}小时未确认导入，已作废，请重新上传文件",
        )
        _delete_file(job)
    return failed


def job_is_quiet(job: Job) -> bool:
    """A running job not heard from for half the task lease: its page says to check the workers before the lease
    (or the stall limit) runs out."""
    quiet = datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS / 2)
    return job.is_running and timezone.now() - job.updated_at > quiet


def _stalled(job: Job, minutes: int) -> str:
    if job.kind in Job.EXPORT_KINDS:
        return f"导出中断（后台任务超过{minutes}分钟没有进展），请重新导出"
    return f"后台任务超过{minutes}分钟没有进展，已中断，未导入任何数据，请确认后台任务进程正在运行后重新上传文件"


def _delete_file(job: Job) -> bool:
    """An upload holds personal data: it goes when its job ends. False when the storage would not (kept for the
    next run)."""
    if not job.file:
        return True
    try:
        job.file.storage.delete(job.file.name)
    except Exception:
        logger.exception("could not delete the file of job %s", job.pk)
        return False
    return True
