"""生源导入 as a background job: upload → dry run (preview or every error) → confirmed import with progress.

The import itself is core.services.roster.roster_import; this module only moves a RosterImportJob through
its states and runs the two steps in the task worker (the tasks at the end of this module), so a file of tens
of thousands of rows never holds a web request. The API's import (which answers in the request) goes through
import_now here too, so one rule keeps one import per school at a time, enforced by a conditional unique index.

Heartbeat: roster_import writes inside one transaction, so the job row's counters could not be seen until the
commit. The worker therefore writes a small progress file through Django's storage (shared by the web
processes and the workers, local or S3), with the counters and the time of the beat, every few seconds while
it reads and writes. A running job whose last beat is older than WANGQIAN_ROSTER_JOB_LEASE_SECONDS lost its
worker (killed, restarted); it wrote nothing (one transaction), so jobs_expire_stale marks it failed and
deletes its file, at the next look at the school's jobs or from the scheduler (expire_roster_jobs). The import
marks its job done inside its own transaction, and only if the job is still importing: a job marked failed
never imports afterwards.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task

from core.errors import Conflict, DomainError, Forbidden, InvalidInput
from core.models import Role, School, User
from core.services.roster import RosterInvalid, RosterResult, roster_import
from core.services.xlsx import check_xlsx
from core.tasks import enqueue_on_commit
from school.models import RosterImportJob

logger = logging.getLogger(__name__)
State = RosterImportJob.State


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WANGQIAN_ROSTER_JOB_LEASE_SECONDS)


def _require_school_admin(user: User, school: School) -> None:
    if user.role != Role.SCHOOL_ADMIN or user.school_id != school.pk:
        raise Forbidden("只有本校学校管理员可以导入生源", code="forbidden_role")


def _upload_name(upload: UploadedFile | IO[bytes] | None) -> str:
    if upload is None:
        raise InvalidInput("请选择要上传的生源文件", errors={"file": "请选择要上传的生源文件"})
    name = os.path.basename(getattr(upload, "name", None) or "roster.xlsx")
    if not name.lower().endswith(".xlsx"):
        message = "请上传xlsx格式的文件（可先下载模板填写）"
        raise InvalidInput(message, errors={"file": message})
    return name[:200]


def job_create(school: School, upload: UploadedFile | None, *, acting_user: User) -> RosterImportJob:
    """Store the upload and queue its dry run."""
    _require_school_admin(acting_user, school)
    name = _upload_name(upload)
    assert upload is not None
    now = timezone.now()
    job = RosterImportJob(school=school, created_by=acting_user, original_name=name, state=State.VALIDATING)
    try:
        # A broken file or a bomb ends here, before it is stored or a worker inflates it.
        check_xlsx(upload)
    except InvalidInput as exc:
        job.state, job.detail, job.finished_at = State.INVALID, exc.detail[:500], now
        job.save()
        return job
    job.file.save(f"roster-{school.pk}.xlsx", upload, save=False)
    job.save()
    enqueue_on_commit(roster_validate_task, job.pk)
    return job


def _claim_import(job: RosterImportJob, from_state: str) -> None:
    """The one rule for every import, page or API: one import per school at a time. A dead import (no beat
    within the lease) is expired first, so it never blocks the next one for longer than the lease."""
    jobs_expire_stale(job.school)
    busy = Conflict("本校另一份生源文件正在导入，请等待其完成后再导入", code="import_running")
    if RosterImportJob.objects.filter(school=job.school, state=State.IMPORTING).exclude(pk=job.pk).exists():
        raise busy
    now = timezone.now()
    try:
        with transaction.atomic():
            # Conditional: a double click (or two admins) starts the import once; the unique index settles a race.
            started = RosterImportJob.objects.filter(pk=job.pk, state=from_state).update(
                state=State.IMPORTING, started_at=now, done=0
            )
    except IntegrityError:
        raise busy
    if not started:
        job.refresh_from_db()
        raise Conflict(f"该导入任务当前状态为“{job.get_state_display()}”，不能开始导入", code="invalid_status")
    job.refresh_from_db()


def job_start(job: RosterImportJob, *, acting_user: User) -> RosterImportJob:
    """确认导入: a previewed job goes to the worker."""
    _require_school_admin(acting_user, job.school)
    _claim_import(job, State.READY)
    enqueue_on_commit(roster_import_task, job.pk)
    return job


def import_now(school: School, upload: IO[bytes], *, dry_run: bool, acting_user: User) -> RosterResult:
    """The API's import, answered in the request: a dry run writes nothing and needs no job; an import is
    recorded as a job, so that the one-import-per-school rule and the heartbeat hold for it as for the page's."""
    _require_school_admin(acting_user, school)
    if dry_run:
        return roster_import(school, upload, dry_run=True, acting_user=acting_user)
    name = os.path.basename(getattr(upload, "name", None) or "roster.xlsx")[:200]
    job = RosterImportJob.objects.create(school=school, created_by=acting_user, original_name=name, state=State.READY)
    try:
        _claim_import(job, State.READY)
    except Conflict:
        job.delete()  # it never ran: no trace of a refused call in the school's job list
        raise
    return _execute(job, upload, dry_run=False)


def jobs_expire_stale(school: School | None = None) -> int:
    """Mark failed the running jobs whose worker stopped beating (or that no worker took up), and the
    previews nobody confirmed in time; delete their files. Returns how many. Every school's when `school` is
    None (the scheduler's expire_roster_jobs)."""
    now = timezone.now()
    jobs = RosterImportJob.objects.all() if school is None else RosterImportJob.objects.filter(school=school)
    expired = 0
    running = jobs.filter(state__in=RosterImportJob.RUNNING_STATES).filter(
        models.Q(started_at__lt=now - _lease()) | models.Q(started_at__isnull=True, created_at__lt=now - _lease())
    )
    for job in running:
        detail = _dead(job, now)
        if detail:
            expired += _expire(job, detail, now)
    hours = settings.WANGQIAN_ROSTER_PREVIEW_HOURS
    for job in jobs.filter(state=State.READY, created_at__lt=now - datetime.timedelta(hours=hours)):
        expired += _expire(job, f"预览后超过{hours}小时未确认导入，已作废，请重新上传文件", now)
    # A worker killed between its commit and the deletion of its file leaves a finished job with a file.
    for job in jobs.filter(state__in=RosterImportJob.FINAL_STATES).exclude(file=""):
        _remove_files(job)
        RosterImportJob.objects.filter(pk=job.pk).update(file="")
    return expired


def _dead(job: RosterImportJob, now: datetime.datetime) -> str:
    """Why a running job is dead, or "" while it lives. A worker beats from the moment it takes the job up;
    before that the job waits in the queue, which is not death unless it waits far longer."""
    data = _read_progress(job.pk)
    beat = parse_datetime(str(data.get("beat", ""))) if data else None
    if beat is not None:
        if now - beat <= _lease():
            return ""
        seconds = settings.WANGQIAN_ROSTER_JOB_LEASE_SECONDS
        return f"后台任务意外中断（超过{seconds}秒没有进展），未导入任何数据，请重新上传文件"
    minutes = settings.WANGQIAN_ROSTER_JOB_QUEUE_MINUTES
    if now - (job.started_at or job.created_at) <= datetime.timedelta(minutes=minutes):
        return ""
    return f"后台任务超过{minutes}分钟未开始，已中断，未导入任何数据，请确认后台任务进程正在运行后重新上传文件"


def job_is_quiet(job: RosterImportJob) -> bool:
    """A running job not heard from for half its lease: the page says so before the lease runs out."""
    if not job.is_running:
        return False
    data = _read_progress(job.pk)
    beat = parse_datetime(str(data.get("beat", ""))) if data else None
    since = beat or job.started_at or job.created_at
    return timezone.now() - since > _lease() / 2


def _expire(job: RosterImportJob, detail: str, now: datetime.datetime) -> int:
    # Conditional on the state it was seen in: a job that finished meanwhile is left as it is.
    changed = RosterImportJob.objects.filter(pk=job.pk, state=job.state).update(
        state=State.FAILED, finished_at=now, detail=detail, file=""
    )
    if changed:
        logger.warning("roster import job %s expired: %s", job.pk, detail)
        _remove_files(job)
    return changed


def _remove_files(job: RosterImportJob) -> None:
    """The upload holds students' personal data: it goes when its job ends, whatever the end."""
    try:
        if job.file:
            job.file.delete(save=False)
        default_storage.delete(_progress_name(job.pk))
    except Exception:  # storage trouble must not hide the job's outcome; the scheduler tries again
        logger.exception("cannot delete the files of roster import job %s", job.pk)


def _result_dict(result: RosterResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "colleges_created": result.colleges_created,
        "majors_created": result.majors_created,
    }


def _finish(job: RosterImportJob, state: str, **fields: Any) -> None:
    """A final state: record it (unless the job was expired meanwhile) and drop the stored files."""
    updated = RosterImportJob.objects.filter(pk=job.pk, state__in=RosterImportJob.RUNNING_STATES).update(
        state=state, finished_at=timezone.now(), file="", **fields
    )
    _remove_files(job)
    if updated:
        job.refresh_from_db()


def _execute(job: RosterImportJob, upload: IO[bytes], *, dry_run: bool) -> RosterResult:
    """Run roster_import for the job with a heartbeat; record the outcome. The import's own transaction
    marks the job done, only if it is still importing (an expired job's import rolls back)."""
    beat = _beater(job.pk)
    beat(0, job.total, force=True)  # taken up: from now on silence means death

    def progress(done: int, total: int) -> None:
        beat(done, total, force=True)

    def mark_done(result: RosterResult) -> None:
        done = RosterImportJob.objects.filter(pk=job.pk, state=State.IMPORTING).update(
            state=State.DONE, finished_at=timezone.now(), result=_result_dict(result), done=job.total, file=""
        )
        if not done:
            raise Conflict("导入任务已被判定为中断，本次导入已撤销，请重新上传文件", code="import_expired")

    try:
        result = roster_import(
            job.school,
            upload,
            dry_run=dry_run,
            acting_user=job.created_by,
            progress=None if dry_run else progress,
            heartbeat=lambda: beat(0, job.total),
            before_commit=None if dry_run else mark_done,
        )
    except RosterInvalid as exc:
        _finish(job, State.INVALID, errors=_errors(exc), detail=exc.detail[:500])
        raise
    except DomainError as exc:
        _finish(job, State.INVALID if dry_run else State.FAILED, detail=exc.detail[:500])
        raise
    except Exception:
        logger.exception("roster %s %s failed", "dry run" if dry_run else "import", job.pk)
        step = "校验" if dry_run else "导入"
        _finish(job, State.FAILED, detail=f"{step}时发生意外错误，未导入任何数据，请稍后重试或联系平台管理员")
        raise
    if not dry_run:
        _remove_files(job)
        job.refresh_from_db()
    return result


def _run(job: RosterImportJob, *, dry_run: bool) -> RosterResult | None:
    """A worker's step: read the stored upload through the storage; errors are recorded on the job."""
    try:
        with job.file.open("rb") as upload:
            return _execute(job, upload, dry_run=dry_run)
    except DomainError:
        return None


def job_validate(job_id: int) -> None:
    """The dry run (run by the worker): a preview of what would change, or every error."""
    job = RosterImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if job.state != State.VALIDATING:
        return
    result = _run(job, dry_run=True)
    if result is None:
        return
    RosterImportJob.objects.filter(pk=job.pk, state=State.VALIDATING).update(
        preview=_result_dict(result),
        total=result.created + result.updated + result.unchanged,
        state=State.READY,
    )
    default_storage.delete(_progress_name(job.pk))


def job_run(job_id: int) -> None:
    """The import (run by the worker). roster_import validates again: the roster may have changed since."""
    job = RosterImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if job.state != State.IMPORTING:
        return
    _run(job, dry_run=False)


@task()
def roster_validate_task(job_id: int) -> None:
    job_validate(job_id)


@task()
def roster_import_task(job_id: int) -> None:
    job_run(job_id)


def _errors(exc: RosterInvalid) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in exc.result.errors]


# --- progress and heartbeat -----------------------------------------------------------------------------


def _progress_name(job_id: int) -> str:
    return f"roster_imports/progress/{job_id}.json"


def _write_progress(job_id: int, done: int, total: int) -> None:
    body = json.dumps({"done": done, "total": total, "beat": timezone.now().isoformat()}).encode()
    name = _progress_name(job_id)
    try:
        if default_storage.exists(name):
            with default_storage.open(name, "wb") as target:
                target.write(body)
        else:
            default_storage.save(name, ContentFile(body))
    except Exception:  # a missed beat is survivable: the lease allows several
        logger.warning("cannot write roster import progress for job %s", job_id, exc_info=True)


def _beater(job_id: int) -> Callable[..., None]:
    """A beat at most every tenth of the lease: often enough, few writes to the storage."""
    every = settings.WANGQIAN_ROSTER_JOB_LEASE_SECONDS / 10
    last = [0.0]

    def beat(done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - last[0] >= every:
            last[0] = now
            _write_progress(job_id, done, total)

    return beat


def _read_progress(job_id: int) -> dict[str, Any] | None:
    try:
        with default_storage.open(_progress_name(job_id), "rb") as source:
            data = json.loads(source.read())
    except Exception:  # absent, being rewritten, or unreadable: no news
        return None
    return data if isinstance(data, dict) else None


def job_progress(job: RosterImportJob) -> tuple[int, int]:
    """(rows written, rows in all) of a running import; the job's own counters otherwise."""
    if job.state == State.IMPORTING:
        data = _read_progress(job.pk)
        try:
            if data:
                return int(data["done"]), int(data["total"]) or job.total
        except (KeyError, TypeError, ValueError):
            pass
    return job.done, job.total
