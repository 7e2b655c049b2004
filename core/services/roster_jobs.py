"""生源导入 as a `Job` (core.models.jobs, kind roster): upload → dry run (a preview, or every row error) → the
confirmed import, each run by the task worker, so a file of tens of thousands of rows never holds a web request.

The job is queued twice. Its dry run ends `ready` (the preview in `result`, the upload kept) or `invalid`; 确认导入
queues it again in the school's scope (`school:<id>`), so the jobs' conditional unique index keeps one import per
school at a time, for the page's jobs and the API's alike (the API's import runs in its request, recorded as a job).
Liveness is the one rule of core.services.jobs: a run reports rows read (`done` of `total`) as it validates; a
worker that dies has its task handed out again by the worker lease (ops.workers) and the job claimed again, and
runs from the start (nothing was written: the import is one transaction); a job no worker takes up fails after
WANGQIAN_JOB_STALL_MINUTES (`manage.py expire_jobs`). The import records its end inside its own transaction, and
only while the job is still running, so a job failed by expiry never imports afterwards.
"""

from __future__ import annotations

import logging
import os
from typing import IO

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from core.errors import Conflict, DomainError, Forbidden, InvalidInput
from core.models import Job, Role, School, User
from core.services.jobs import job_claim, job_finish, job_progress, job_release, jobs_expire
from core.services.roster import RosterInvalid, RosterResult, roster_import
from core.services.xlsx import check_xlsx
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)
State = Job.State
VALIDATE, IMPORT = "validate", "import"
BUSY = "本校另一份生源文件正在导入，请等待其完成后再导入"


def _require_school_admin(user: User, school: School) -> None:
    if user.role != Role.SCHOOL_ADMIN or user.school_id != school.pk:
        raise Forbidden("只有本校学校管理员可以导入生源", code="forbidden_role")


def _scope(school_id: int | None) -> str:
    return f"school:{school_id}"


def _upload_name(upload: UploadedFile | IO[bytes] | None) -> str:
    if upload is None:
        raise InvalidInput("请选择要上传的生源文件", errors={"file": "请选择要上传的生源文件"})
    name = os.path.basename(getattr(upload, "name", None) or "roster.xlsx")
    if not name.lower().endswith(".xlsx"):
        message = "请上传xlsx格式的文件（可先下载模板填写）"
        raise InvalidInput(message, errors={"file": message})
    return name[:200]


def roster_job_create(school: School, upload: UploadedFile | None, *, acting_user: User) -> Job:
    """Store the upload and queue its dry run. A file the bounds scan refuses ends `invalid` at once, unstored."""
    _require_school_admin(acting_user, school)
    name = _upload_name(upload)
    assert upload is not None
    job = Job(kind=Job.Kind.ROSTER, owner=acting_user, filename=name, title="生源导入", params={"step": VALIDATE})
    try:
        # A broken file or a bomb ends here, before it is stored or a worker inflates it.
        shape = check_xlsx(upload)
    except InvalidInput as exc:
        job.state, job.detail, job.finished_at = State.INVALID, exc.detail[:500], timezone.now()
        job.save()
        return job
    job.total = max(shape.tags[b"row"] - 1, 0)  # the header row
    job.file.save(f"roster-{school.pk}.xlsx", upload, save=False)
    job.save()
    enqueue_on_commit(roster_job_task, job.pk)
    return job


def _claim_import(job: Job) -> None:
    """A previewed job becomes the school's one import: queued in the school's scope. A silent import (no worker
    for the stall limit) is failed first, so it never blocks the next one for longer."""
    scope = _scope(job.owner.school_id)
    jobs_expire(kind=Job.Kind.ROSTER, scope=scope)
    if Job.objects.filter(kind=Job.Kind.ROSTER, scope=scope, state__in=Job.ACTIVE_STATES).exists():
        raise Conflict(BUSY, code="import_running")
    try:
        with transaction.atomic():
            # Conditional: a double click (or two admins) starts the import once; the unique index settles a race.
            started = Job.objects.filter(pk=job.pk, state=State.READY).update(
                state=State.QUEUED, scope=scope, done=0, params={"step": IMPORT}, updated_at=timezone.now()
            )
    except IntegrityError:
        raise Conflict(BUSY, code="import_running")
    job.refresh_from_db()
    if not started:
        raise Conflict(f"该导入任务当前状态为“{job.get_state_display()}”，不能开始导入", code="invalid_status")


def roster_job_start(job: Job, *, acting_user: User) -> Job:
    """确认导入: a previewed job goes to the worker."""
    assert job.owner.school is not None
    _require_school_admin(acting_user, job.owner.school)
    _claim_import(job)
    enqueue_on_commit(roster_job_task, job.pk)
    return job


def roster_import_now(school: School, upload: IO[bytes], *, dry_run: bool, acting_user: User) -> RosterResult:
    """The API's import, answered in the request: a dry run writes nothing and needs no job; an import is recorded
    as a running job in the school's scope, so one import per school holds for it as for the page's."""
    _require_school_admin(acting_user, school)
    if dry_run:
        return roster_import(school, upload, dry_run=True, acting_user=acting_user)
    name = os.path.basename(getattr(upload, "name", None) or "roster.xlsx")[:200]
    scope = _scope(school.pk)
    jobs_expire(kind=Job.Kind.ROSTER, scope=scope)
    job = Job(kind=Job.Kind.ROSTER, owner=acting_user, scope=scope, state=State.RUNNING, filename=name)
    job.title, job.params = "生源导入", {"step": IMPORT}
    try:
        with transaction.atomic():
            if Job.objects.filter(kind=Job.Kind.ROSTER, scope=scope, state__in=Job.ACTIVE_STATES).exists():
                raise Conflict(BUSY, code="import_running")
            job.save()
    except IntegrityError:  # it never ran: no trace of a refused call in the school's 导入记录
        raise Conflict(BUSY, code="import_running")
    return _execute(job, school, upload, step=IMPORT)


def _execute(job: Job, school: School, upload: IO[bytes], *, step: str) -> RosterResult:
    """One run of the job's step; its outcome recorded on the job. The import's own transaction records its end
    (only while the job runs: an expired job's import rolls back). The upload goes when the job ends."""
    dry_run = step == VALIDATE

    def mark_done(result: RosterResult) -> None:
        rows = result.created + result.updated + result.unchanged
        outcome = {**job.result, **result.counts()}
        if not job_finish(job, State.DONE, done=rows, total=rows, result=outcome):
            raise Conflict("导入任务已被判定为中断，本次导入已撤销，请重新上传文件", code="import_expired")

    try:
        result = roster_import(
            school,
            upload,
            dry_run=dry_run,
            acting_user=job.owner,
            reading=lambda read: job_progress(job, read),
            progress=lambda done, total: job_progress(job, done, total),
            before_commit=None if dry_run else mark_done,
        )
    except RosterInvalid as exc:
        errors = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.result.errors]
        job_finish(job, State.INVALID, detail=exc.detail[:500], result={**job.result, "errors": errors})
        job_release(job)
        raise
    except DomainError as exc:
        job_finish(job, State.INVALID if dry_run else State.FAILED, detail=exc.detail[:500])
        job_release(job)
        raise
    except Exception:
        logger.exception("roster %s of job %s failed", step, job.pk)
        what = "校验" if dry_run else "导入"
        job_finish(job, State.FAILED, detail=f"{what}时发生意外错误，未导入任何数据，请稍后重试或联系平台管理员")
        job_release(job)
        raise
    if dry_run:
        rows = result.created + result.updated + result.unchanged
        # `ready` keeps the upload for the import; a preview nobody confirms expires (core.services.jobs).
        job_finish(job, State.READY, file=job.file.name, done=rows, total=rows, result={"preview": result.counts()})
    else:
        job_release(job)
    job.refresh_from_db()
    return result


def roster_job_run(job_id: int) -> None:
    """A worker's run of the job's step (again from the start when the lease handed the task back)."""
    job = job_claim(job_id, Job.Kind.ROSTER)
    if job is None:
        return
    school = job.owner.school
    assert school is not None
    try:
        with job.file.open("rb") as stored:
            # Read under the name the admin uploaded it by: a refusal names the file they know.
            _execute(job, school, File(stored, name=job.filename), step=str(job.params.get("step", VALIDATE)))
    except DomainError:
        pass  # recorded on the job
    except Exception:
        # The stored file could not be read (a run's own errors are recorded already: this changes nothing then).
        if job_finish(job, State.FAILED, detail="读取上传的文件时出错，未导入任何数据，请重新上传文件"):
            job_release(job)
        raise


@task()
def roster_job_task(job_id: int) -> None:
    roster_job_run(job_id)
