"""生源导入 as a background job: upload → dry run (preview or every error) → confirmed import with progress.

The import itself is core.services.roster.roster_import; this module only moves a RosterImportJob through
its states and runs the two steps in the task worker (school.tasks), so a file of tens of thousands of rows
never holds a web request.

Progress: roster_import writes inside one transaction, so the job row's counters could not be seen by the
page until the commit. The worker therefore also writes the counters to a small file beside the upload
(MEDIA_ROOT, shared by the web process and the worker as uploads are); the page reads it while the job runs.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

from core.errors import Conflict, DomainError, Forbidden, InvalidInput
from core.models import Role, School, User
from core.services.roster import RosterInvalid, RosterResult, roster_import
from core.services.xlsx import check_xlsx
from school.models import RosterImportJob

logger = logging.getLogger(__name__)
State = RosterImportJob.State
# A job still running after this long lost its worker (a restart, a crash). roster_import writes in one
# transaction, so such a job wrote nothing; it is marked failed so that it does not block the next import.
STALE_AFTER = datetime.timedelta(minutes=30)


def _require_school_admin(user: User, school: School) -> None:
    if user.role != Role.SCHOOL_ADMIN or user.school_id != school.pk:
        raise Forbidden("只有本校学校管理员可以导入生源", code="forbidden_role")


def job_create(school: School, upload: UploadedFile | None, *, acting_user: User) -> RosterImportJob:
    """Store the upload and queue its dry run."""
    _require_school_admin(acting_user, school)
    if upload is None:
        raise InvalidInput("请选择要上传的生源文件", errors={"file": "请选择要上传的生源文件"})
    name = os.path.basename(upload.name or "roster.xlsx")
    if not name.lower().endswith(".xlsx"):
        message = "请上传xlsx格式的文件（可先下载模板填写）"
        raise InvalidInput(message, errors={"file": message})
    job = RosterImportJob(school=school, created_by=acting_user, original_name=name[:200], state=State.VALIDATING)
    try:
        # A broken file or a bomb ends here, before it is stored or a worker inflates it.
        check_xlsx(upload)
    except InvalidInput as exc:
        job.state, job.detail, job.finished_at = State.INVALID, exc.detail[:500], timezone.now()
        job.save()
        return job
    job.file.save(f"roster-{school.pk}.xlsx", upload, save=False)
    job.save()
    from school.tasks import roster_validate_task

    roster_validate_task.enqueue(job.pk)
    return job


def job_start(job: RosterImportJob, *, acting_user: User) -> RosterImportJob:
    """确认导入: a previewed job goes to the worker; one import per school at a time."""
    _require_school_admin(acting_user, job.school)
    jobs_expire_stale(job.school)
    if RosterImportJob.objects.filter(school=job.school, state=State.IMPORTING).exclude(pk=job.pk).exists():
        raise Conflict("本校另一份生源文件正在导入，请等待其完成后再导入", code="import_running")
    # The conditional update makes a double click (or two admins) start the import once.
    started = RosterImportJob.objects.filter(pk=job.pk, state=State.READY).update(
        state=State.IMPORTING, started_at=timezone.now(), done=0
    )
    if not started:
        job.refresh_from_db()
        raise Conflict(f"该导入任务当前状态为“{job.get_state_display()}”，不能开始导入", code="invalid_status")
    job.refresh_from_db()
    _write_progress(job.pk, 0, job.total)
    from school.tasks import roster_import_task

    roster_import_task.enqueue(job.pk)
    return job


def jobs_expire_stale(school: School) -> int:
    """Mark the school's jobs that have been running for too long as failed; returns how many."""
    now = timezone.now()
    stale = RosterImportJob.objects.filter(school=school, state__in=RosterImportJob.RUNNING_STATES).filter(
        models.Q(started_at__lt=now - STALE_AFTER) | models.Q(started_at__isnull=True, created_at__lt=now - STALE_AFTER)
    )
    return stale.update(
        state=State.FAILED, finished_at=now, detail="后台任务长时间未完成，已中断，未导入任何数据，请重新上传"
    )


def _result_dict(result: RosterResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "colleges_created": result.colleges_created,
        "majors_created": result.majors_created,
    }


def _finish(job: RosterImportJob, state: str, **fields: Any) -> None:
    """A final state: record it and drop the stored file and progress (personal data does not linger)."""
    job.state = state
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    if job.file:
        job.file.delete(save=False)
    job.save()
    _progress_path(job.pk).unlink(missing_ok=True)


def _run(job: RosterImportJob, *, dry_run: bool) -> RosterResult:
    def progress(done: int, total: int) -> None:
        _write_progress(job.pk, done, total)

    with job.file.open("rb") as upload:
        return roster_import(
            job.school, upload, dry_run=dry_run, acting_user=job.created_by, progress=None if dry_run else progress
        )


def job_validate(job_id: int) -> None:
    """The dry run (run by the worker): a preview of what would change, or every error."""
    job = RosterImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if job.state != State.VALIDATING:
        return
    try:
        result = _run(job, dry_run=True)
    except RosterInvalid as exc:
        _finish(job, State.INVALID, errors=_errors(exc), detail=exc.detail[:500])
        return
    except DomainError as exc:
        _finish(job, State.INVALID, detail=exc.detail[:500])
        return
    except Exception:
        logger.exception("roster dry run %s failed", job_id)
        _finish(job, State.FAILED, detail="校验时发生意外错误，未导入任何数据，请稍后重试或联系平台管理员")
        raise
    job.preview = _result_dict(result)
    job.total = result.created + result.updated + result.unchanged
    job.state = State.READY
    job.save(update_fields=["preview", "total", "state"])


def job_run(job_id: int) -> None:
    """The import (run by the worker). roster_import validates again: the roster may have changed since."""
    job = RosterImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if job.state != State.IMPORTING:
        return
    try:
        result = _run(job, dry_run=False)
    except RosterInvalid as exc:
        _finish(job, State.INVALID, errors=_errors(exc), detail=exc.detail[:500])
        return
    except DomainError as exc:
        _finish(job, State.FAILED, detail=exc.detail[:500])
        return
    except Exception:
        logger.exception("roster import %s failed", job_id)
        _finish(job, State.FAILED, detail="导入时发生意外错误，未导入任何数据，请稍后重试或联系平台管理员")
        raise
    _finish(job, State.DONE, result=_result_dict(result), done=job.total)


def _errors(exc: RosterInvalid) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in exc.result.errors]


# --- progress --------------------------------------------------------------------------------------------


def _progress_path(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "roster_imports" / "progress" / f"{job_id}.json"


def _write_progress(job_id: int, done: int, total: int) -> None:
    path = _progress_path(job_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, path)
    except OSError:  # progress is a courtesy; the import goes on without it
        logger.warning("cannot write roster import progress for job %s", job_id, exc_info=True)


def job_progress(job: RosterImportJob) -> tuple[int, int]:
    """(rows written, rows in all) of a running import; the job's own counters otherwise."""
    if job.state == State.IMPORTING:
        try:
            data = json.loads(_progress_path(job.pk).read_text())
            return int(data["done"]), int(data["total"]) or job.total
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return job.done, job.total
