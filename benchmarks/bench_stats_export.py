"""统计 and 导出 at province scale: the statistics read from the counters, and exports streamed in constant memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wq_scale WANGQIAN_DEMO=1 \\
        .venv/bin/python benchmarks/bench_stats_export.py [--school-user scale_school] [--employer-user scale_hr]

Runs against a database built by `manage.py load_scale` (read only: nothing is written). Prints
- the school statistics (core.services.stats.stats_for_user) and the school's 签约统计 page and home page rendered
  through Django's test client: median and p95 over `--repeat` runs (targets: page ≤ 100 ms);
- the employer's agreement export (`--employer-user`, 100k agreements on load_scale's data) and the school's 就业方案
  of the current 毕业年度 (every graduate), each written to a temporary file as the export job writes it: time, rows,
  the child process's peak RSS and its growth over the process before the export; then the same export cut to a
  tenth of the rows, to show the memory does not grow with the rows (target: 100k rows ≤ 10 s at constant memory).
Each export runs in a forked child so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXPORT_TARGET_SECONDS = 10.0
PAGE_TARGET_MS = 100.0


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
    os.environ.setdefault("WANGQIAN_DEMO", "1")
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def bench_stats(school_user: str, repeat: int) -> None:
    from django.test import Client

    from core.models import User
    from core.services.stats import stats_for_user

    user = User.objects.get(username=school_user)
    stats = stats_for_user(user)
    print(
        f"统计 {stats.school.name} {stats.graduation_year}届: {stats.total.students} students, "
        f"{stats.total.agreements} agreements, 签约率 {stats.total.rate_percent}, "
        f"去向落实率 {stats.total.placed_rate_percent}"
    )
    client = Client()
    client.force_login(user)
    for label, fn in (
        ("stats_for_user (service)", lambda: stats_for_user(user)),
        ("/school/stats/ (page)", lambda: client.get("/school/stats/")),
        ("/school/ (home page)", lambda: client.get("/school/")),
    ):
        fn()  # warm caches and connections
        median, p95 = _timed(fn, repeat)
        mark = "ok" if median <= PAGE_TARGET_MS else "SLOW"
        print(f"  {label:28s} median {median:7.1f} ms  p95 {p95:7.1f} ms  [{mark}, target {PAGE_TARGET_MS:.0f} ms]")


def _export_child(kind: str, username: str, limit: int | None, out: Any) -> None:
    from django.db import connections

    connections.close_all()
    from core.calendar import current_graduation_year
    from core.models import User
    from core.selectors import agreements_visible_to
    from core.services.exports import agreement_export_rows, export_headers
    from core.services.plan import plan_headers, plan_rows
    from core.services.xlsx_stream import write_xlsx_to

    user = User.objects.get(username=username)
    before = _rss_mb()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as target:
        if kind == "agreements":
            qs = agreements_visible_to(user)
            if limit:
                qs = qs[:limit]
            rows = write_xlsx_to(target, export_headers(user), agreement_export_rows(qs, user))
        else:
            assert user.school is not None
            year = current_graduation_year()
            source = plan_rows(user.school, year)
            if limit:
                import itertools

                source = itertools.islice(source, limit)
            rows = write_xlsx_to(target, plan_headers(user.school, year), source)
        size = target.tell()
    out.send((rows, time.perf_counter() - start, before, _rss_mb(), size))


def bench_export(kind: str, username: str, limit: int | None) -> None:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_export_child, args=(kind, username, limit, child))
    process.start()
    rows, seconds, before, peak, size = parent.recv()
    process.join()
    mark = "ok" if seconds <= EXPORT_TARGET_SECONDS * max(rows, 1) / 100_000 or rows < 100_000 else "SLOW"
    print(
        f"  {kind:10s} {username:14s} {rows:>7d} rows  {seconds:6.2f} s  {rows / seconds:8.0f} rows/s  "
        f"peak RSS {peak:6.1f} MB (+{peak - before:5.1f} MB over the process before)  "
        f"file {size / 1e6:5.1f} MB  [{mark}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--school-user", default="scale_school")
    parser.add_argument("--employer-user", default="scale_hr")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-exports", action="store_true")
    args = parser.parse_args()
    _setup()
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    bench_stats(args.school_user, args.repeat)
    if args.skip_exports:
        return
    print("导出 (written to a temporary file, as the export job does):")
    bench_export("agreements", args.employer_user, 10_000)
    bench_export("agreements", args.employer_user, None)
    bench_export("plan", args.school_user, 10_000)
    bench_export("plan", args.school_user, None)


if __name__ == "__main__":
    main()
