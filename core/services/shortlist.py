"""导入拟签约名单: an employer's xlsx of students to invite; every row must find exactly one student.

A shortlist is not a roster: a file holds at most WANGQIAN_SHORTLIST_MAX_ROWS rows, counted by the upload's
byte scan before anything is parsed. Rows are matched set-based, one query per chunk of rows (issue 19 item 4:
a query per row kept four 40,000-row uploads in the request for a minute). A file of more than
WANGQIAN_SHORTLIST_SYNC_MAX_ROWS rows is imported by a background job (a `Job` of kind shortlist, its page shows
the progress), one at a time per employer.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from core.errors import Conflict, DomainError, InvalidInput
from core.inputs import parse_int
from core.models import Employer, Job, SearchHit, SendListItem, Student, User
from core.services.bulk import in_values
from core.services.employers import require_verified_employer
from core.services.jobs import job_claim, job_create, job_finish, job_progress, job_release
from core.services.search_budget import search_budget
from core.services.xlsx import RowError, RowsInvalid, check_xlsx, read_rows, write_template
from core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)
SHORTLIST_HEADERS = ("毕业年度", "姓名", "身份证号", "手机号")
_CHUNK = 500  # rows matched per query


def shortlist_template() -> bytes:
    return write_template(SHORTLIST_HEADERS, [[2027, "张三", "11010519491231002X", ""]], title="拟签约名单")


class ShortlistInvalid(RowsInvalid):
    def __init__(self, errors: list[RowError]):
        super().__init__(errors, outcome="未导入任何学生")


@dataclass(frozen=True)
class _Row:
    number: int
    year: int
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class ShortlistStarted:
    """What an upload led to: `imported` students at once, or a `job` that imports them."""

    imported: int = 0
    job: Job | None = None


def employer_scope(employer: Employer) -> str:
    return f"employer:{employer.pk}"


def _count_rows(upload: IO[bytes]) -> int:
    """The file's data rows as the bounds scan counted them (before any reader parses it), within the limit: the
    scan stops as soon as the file passes WANGQIAN_SHORTLIST_MAX_ROWS."""
    limit = settings.WANGQIAN_SHORTLIST_MAX_ROWS
    shape = check_xlsx(
        upload, max_rows=limit, too_many_rows=f"拟签约名单每次最多导入{limit}行，该文件超过{limit}行，请拆分后分批导入"
    )
    return max(shape.tags[b"row"] - 1, 0)  # the header row


def shortlist_start(upload: IO[bytes], *, acting_user: User) -> ShortlistStarted:
    """An upload of the page or the API: imported at once up to WANGQIAN_SHORTLIST_SYNC_MAX_ROWS rows, else
    queued as the employer's one shortlist job."""
    employer = require_verified_employer(acting_user)
    rows = _count_rows(upload)
    if rows <= settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS:
        return ShortlistStarted(imported=len(shortlist_import(upload, acting_user=acting_user)))
    name = os.path.basename(getattr(upload, "name", None) or "拟签约名单.xlsx")
    job = job_create(
        Job.Kind.SHORTLIST,
        owner=acting_user,
        scope=employer_scope(employer),
        upload=upload,
        filename=name,
        total=rows,
        busy="本单位另一份拟签约名单正在导入，请等待其完成后再导入",
    )
    enqueue_on_commit(shortlist_job_task, job.pk)
    return ShortlistStarted(job=job)


def _read(upload: IO[bytes], errors: list[RowError]) -> list[_Row]:
    rows: list[_Row] = []
    # Cells the reading layer refuses (a number cell as 身份证号…) are listed in `errors` with the rest.
    for number, raw in read_rows(upload, SHORTLIST_HEADERS, required=("毕业年度", "姓名"), errors=errors):
        year, name = raw.get("毕业年度", ""), raw.get("姓名", "")
        id_number, phone = raw.get("身份证号", "").upper(), raw.get("手机号", "")
        graduation_year = parse_int(year, minimum=1000, maximum=9999)
        if graduation_year is None:
            errors.append(RowError(number, "毕业年度", "毕业年度应为四位年份"))
        elif not name:
            errors.append(RowError(number, "姓名", "姓名不能为空"))
        elif not (id_number or phone):
            errors.append(RowError(number, "身份证号", "身份证号和手机号至少填写一项"))
        else:
            rows.append(_Row(number, graduation_year, name, id_number, phone))
    return rows


def _match(chunk: list[_Row]) -> dict[int, list[Student]]:
    """Row number → the students matching it exactly (毕业年度 + 姓名 + every given 身份证号/手机号), found by one
    query for the chunk: by 身份证号 where a row gives one, else by 毕业年度 + 姓名 (both indexed)."""
    ids = sorted({r.id_number for r in chunk if r.id_number})
    by_name = [r for r in chunk if not r.id_number]
    where = Q(pk__in=[])
    if ids:
        where |= Q(id_number__in=in_values(ids))
    if by_name:
        names = sorted({r.name for r in by_name})
        where |= Q(graduation_year__in=sorted({r.year for r in by_name}), name__in=in_values(names))
    candidates: dict[tuple[int, str], list[Student]] = defaultdict(list)
    for student in Student.objects.filter(where).only("pk", "graduation_year", "name", "id_number", "phone"):
        candidates[(student.graduation_year, student.name)].append(student)
    return {
        r.number: [
            s
            for s in candidates.get((r.year, r.name), [])
            if (not r.id_number or s.id_number == r.id_number) and (not r.phone or s.phone == r.phone)
        ]
        for r in chunk
    }


def shortlist_import(
    upload: IO[bytes],
    *,
    acting_user: User,
    progress: Callable[[int, int], None] | None = None,
    before_commit: Callable[[int], None] | None = None,
) -> list[Student]:
    """Import the file's students to the employer's 签约发送列表 (all rows or none); returns them.
    `progress(rows matched, rows)` is told after every chunk; `before_commit(imported)` runs inside the write's
    transaction (a job records its end there).

    Each row that finds nobody spends the employer's exact-search budget (core.services.search_budget) as a search
    on the page would; once it is spent, the remaining rows are answered 未核对, whether they would have matched or
    not, so a file of guesses learns nothing past the budget. The rows are looked up first, set-based and outside
    the budget's lock; the budget is then applied to them in file order, as if each row were searched in turn."""
    employer = require_verified_employer(acting_user)
    _count_rows(upload)
    errors: list[RowError] = []
    # Cells the reading layer refuses are listed with the rest. The whole file is read before the budget is
    # opened: a file the reader refuses half-way spends nothing and locks nothing.
    rows = _read(upload, errors)
    matches: dict[int, list[Student]] = {}
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        matches.update(_match(chunk))
        if progress:
            progress(start + len(chunk), len(rows))
    found: dict[int, Student] = {}
    with search_budget(employer) as budget:
        for r in rows:
            column = "身份证号" if r.id_number else "手机号"
            refusal = budget.refusal(r.year, r.name)
            if refusal:
                errors.append(RowError(r.number, column, "未核对：" + refusal))
                continue
            if not matches[r.number]:
                budget.miss(r.year, r.name)
            if len(matches[r.number]) != 1:
                errors.append(RowError(r.number, column, "未找到匹配的学生，请核对毕业年度、姓名和证件信息"))
            else:
                student = matches[r.number][0]
                found.setdefault(student.pk, student)
    if errors:
        # In file order, the reading layer's refusals among the rows' own.
        raise ShortlistInvalid(sorted(errors, key=lambda e: e.row))
    if not found:
        raise InvalidInput("文件中没有数据行", errors={"file": "文件中没有数据行"})
    with transaction.atomic():
        SearchHit.objects.bulk_create(
            [SearchHit(employer=employer, student_id=pk) for pk in found],
            update_conflicts=True,
            unique_fields=["employer", "student"],
            update_fields=["created_at"],
            batch_size=1000,
        )
        SendListItem.objects.bulk_create(
            [SendListItem(employer=employer, student_id=pk, added_by=acting_user) for pk in found],
            ignore_conflicts=True,
            batch_size=1000,
        )
        if before_commit:
            before_commit(len(found))
    return list(found.values())


# --- the job ----------------------------------------------------------------------------------------------


def shortlist_job_run(job_id: int) -> None:
    """A worker's run of a shortlist job, from the start (the import is idempotent: rows already on the list
    stay as they are). The outcome is recorded on the job, errors with their rows."""
    job = job_claim(job_id, Job.Kind.SHORTLIST)
    if job is None:
        return

    def finish(imported: int) -> None:
        if not job_finish(job, Job.State.DONE, done=job.total, result={"imported": imported}):
            raise Conflict("导入任务已被判定为中断，本次导入已撤销，请重新上传文件", code="job_expired")

    try:
        with job.file.open("rb") as stored:
            # Read under the name the employer uploaded it by: a refusal names the file they know.
            shortlist_import(
                File(stored, name=job.filename),
                acting_user=job.owner,
                progress=lambda done, total: job_progress(job, done, total),
                before_commit=finish,
            )
    except ShortlistInvalid as exc:
        errors = [e.__dict__ for e in exc.row_errors]
        job_finish(job, Job.State.FAILED, detail=exc.detail[:500], result={"errors": errors})
    except DomainError as exc:
        job_finish(job, Job.State.FAILED, detail=exc.detail[:500])
    except Exception:
        logger.exception("shortlist job %s failed", job.pk)
        job_finish(job, Job.State.FAILED, detail="导入时发生意外错误，未导入任何学生，请稍后重试或联系平台管理员")
    finally:
        job_release(job)


@task()
def shortlist_job_task(job_id: int) -> None:
    shortlist_job_run(job_id)
