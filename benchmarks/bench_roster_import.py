"""Roster import (生源导入) of a large file through the school portal's job: dry run, then the import.

    .venv/bin/python benchmarks/bench_roster_import.py [--rows 20000] [--tracemalloc] [--check] [--json]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangqian_bench .venv/bin/python benchmarks/bench_roster_import.py

Generates an xlsx of `--rows` valid students (as Excel saves it: shared strings), uploads it as a
roster Job, runs the dry run and the import through the task of core.services.roster_jobs (the immediate task
backend, so the job runs in this process and can be timed), and prints each step's time and the peak memory:
the process's peak RSS (resource.getrusage) always, and with `--tracemalloc` the Python heap peak of each step
(tracemalloc slows Python down by about half, so its times are printed apart from the plain ones). `--json` adds
a last line with the figures (bench_scale.py reads it).

Without DATABASE_URL a throw-away SQLite file is used; with it, the database must exist (createdb) and is
migrated. Target (issue 11): the import of 20,000 rows, validated and written, within 5 s and 300 MB peak RSS on the
project's 2-core machine (`--check` exits 1 above either).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
TARGET_RSS_MB = 300.0
HEADERS = ("学号", "姓名", "性别", "身份证号", "手机号", "邮箱", "毕业年度", "院系", "专业", "学历")


def _setup(scratch: str) -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("MEDIA_ROOT", f"{scratch}/media")
    # The job's tasks run in this process so that each step can be timed.
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def make_roster(rows: int, prefix: str) -> bytes:
    """`rows` valid students over 20 colleges and 100 majors, saved as Excel saves (shared strings)."""
    from openpyxl import Workbook

    from core.identifiers import make_id_number

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADERS))
    base = datetime.date(2003, 1, 1)
    for n in range(rows):
        # 500 sequence numbers per birth date keep every ID number distinct.
        id_number = make_id_number(n % 500, birth=base + datetime.timedelta(days=n // 500), female=n % 2 == 1)
        college = n % 20
        sheet.append(
            [
                f"{prefix}{n:06d}",
                f"学生{n}",
                "女" if n % 2 else "男",
                id_number,
                f"13{n % 10}{n:08d}",
                f"s{n}@example.com",
                2027,
                f"第{college + 1}学院",
                f"专业{college + 1}-{n // 20 % 5 + 1}",
                "本科" if n % 4 else "硕士研究生",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _generate_apart(rows: int, prefix: str) -> bytes:
    """Build the file in a child process, so that its memory does not count in this process's peak RSS."""
    path = Path(tempfile.mkdtemp(prefix="bench-roster-file-")) / "roster.xlsx"
    child = multiprocessing.get_context("fork").Process(target=_write_roster, args=(path, rows, prefix))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError("generating the roster failed")
    data = path.read_bytes()
    shutil.rmtree(path.parent)
    return data


def _write_roster(path: Path, rows: int, prefix: str) -> None:
    path.write_bytes(make_roster(rows, prefix))


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(name: str, action: Callable[[], Any], *, traced: bool) -> Any:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    line = f"{name:<22} {seconds:7.2f} s   peak RSS {_peak_rss_mb():7.1f} MB"
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line += f"   tracemalloc peak {peak / 1024 / 1024:7.1f} MB"
    print(line, flush=True)
    return result, seconds


def run(rows: int, *, traced: bool, keep_database: bool) -> dict[str, float]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job, Role, School, Student, User
    from core.services.roster_jobs import roster_job_create as job_create
    from core.services.roster_jobs import roster_job_start as job_start

    run_id = uuid.uuid4().hex[:6].upper()
    school = School.objects.create(name=f"基准测试大学{run_id}", code=run_id)
    admin = User.objects.create(username=f"bench-{run_id}", role=Role.SCHOOL_ADMIN, school=school)
    data, _ = _step("generate xlsx", lambda: _generate_apart(rows, f"B{run_id}"), traced=False)
    print(f"{'':<22} {len(data) / 1024 / 1024:7.2f} MB file, {rows} rows; baseline RSS {_peak_rss_mb():.1f} MB")
    upload = SimpleUploadedFile("生源名单.xlsx", data)

    job, dry = _step("dry run (preview)", lambda: job_create(school, upload, acting_user=admin), traced=traced)
    job.refresh_from_db()
    assert job.state == Job.State.READY, (job.state, job.detail, job.errors[:3])
    assert job.preview["created"] == rows, job.preview
    print(
        f"{'':<22} would create {job.preview['created']}, "
        f"{len(job.preview['colleges_created'])} 院系, {len(job.preview['majors_created'])} 专业"
    )
    job, imported = _step("import (job)", lambda: job_start(job, acting_user=admin), traced=traced)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, (job.state, job.detail)
    assert Student.objects.filter(school=school).count() == rows
    print(f"{'':<22} created {job.result['created']} students and their accounts")
    total = dry + imported
    print(f"{'dry run + import':<22} {total:7.2f} s")
    if keep_database:
        _remove(school)
    return {
        "rows": rows,
        "dry_run_seconds": dry,
        "import_seconds": imported,
        "total_seconds": total,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _remove(school: Any) -> None:
    """Leave a persistent database (DATABASE_URL) as it was: this run's school, students and accounts go."""
    from django.db import transaction

    from core.models import College, Major, Student, User

    with transaction.atomic():
        user_ids = list(Student.objects.filter(school=school).values_list("user_id", flat=True))
        Student.objects.filter(school=school).delete()
        User.objects.filter(pk__in=user_ids).delete()
        Major.objects.filter(college__school=school).delete()
        College.objects.filter(school=school).delete()
        school.admins.all().delete()
        school.delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also run once more measuring the Python heap")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when the import exceeds {TARGET_SECONDS}s or {TARGET_RSS_MB} MB"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on the last line")
    args = parser.parse_args()
    keep_database = "DATABASE_URL" in os.environ
    scratch = tempfile.mkdtemp(prefix="bench-roster-")
    try:
        return _main(args, keep_database, _setup(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _main(args: argparse.Namespace, keep_database: bool, database: str) -> int:
    from django.db import connection

    print(f"roster import benchmark: {args.rows} rows, {connection.vendor} ({database.split('@')[-1]})")
    figures = run(args.rows, traced=False, keep_database=keep_database)
    if args.tracemalloc:
        print("-- again with tracemalloc (slower; memory figures only) --")
        run(args.rows, traced=True, keep_database=keep_database)
    print(
        f"import of {args.rows} rows (validate + write): {figures['import_seconds']:.2f} s, "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB (targets {TARGET_SECONDS:g} s, {TARGET_RSS_MB:g} MB)"
    )
    if args.json:
        print(json.dumps(figures))
    if args.check and (figures["import_seconds"] > TARGET_SECONDS or figures["peak_rss_mb"] > TARGET_RSS_MB):
        print("FAIL: above the target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
