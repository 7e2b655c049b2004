"""The slowest SQL left behind the bench-scale pages, with PostgreSQL's plans (issue 11's note).

    .venv/bin/python benchmarks/explain_slowest.py [--top 3] [--database postgres://…/wq_scale]

Requests every page of benchmarks/bench_scale.py once in this process (Django's test client, as scale_hr,
scale_school or scale_college; each page twice, the first warms the caches), times every query each runs, and
prints the `--top` slowest distinct statements with the page that ran them and EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database", default=os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wq_scale")
    )
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "wangqian.settings"
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from bench_scale import pages
    from django.db import connection
    from django.test import Client

    from core.calendar import current_graduation_year
    from core.models import Agreement, ApiToken, Status, User
    from core.services.accounts import _hash, token_issue

    users = {name: User.objects.get(username=name) for name in ("scale_hr", "scale_school", "scale_college")}
    tokens = {name: token_issue(user, second_factor=True) for name, user in users.items()}
    detail = (
        Agreement.objects.filter(employer=users["scale_hr"].employer, status=Status.EFFECTIVE)
        .order_by("-invited_at")
        .first()
    )
    assert detail is not None
    state = {"year": current_graduation_year(), "detail_id": detail.pk}
    timings: list[tuple[float, str, str, Any]] = []  # seconds, page, sql, params
    page_label = [""]

    def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if not many:
                timings.append((time.perf_counter() - started, page_label[0], sql, params))

    try:
        for page in pages(state):
            if page.kind not in ("api", "html"):
                continue
            client = Client()
            headers: dict[str, str] = {}
            if page.kind == "api":
                headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[page.who]}"
            else:
                client.force_login(users[page.who])
            client.get(page.path, **headers)  # warm-up
            page_label[0] = page.label
            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = client.get(page.path, **headers)
            print(
                f"{page.label}: HTTP {response.status_code} in {(time.perf_counter() - started) * 1000:.0f} ms",
                flush=True,
            )
            page_label[0] = ""
    finally:
        ApiToken.objects.filter(key_hash__in=[_hash(k) for k in tokens.values()]).delete()

    seen: set[str] = set()
    slowest = []
    for seconds, label, sql, params in sorted(timings, key=lambda t: -t[0]):
        if sql in seen or not sql.lstrip().upper().startswith("SELECT"):
            continue
        seen.add(sql)
        slowest.append((seconds, label, sql, params))
        if len(slowest) == args.top:
            break
    print(f"\n{len(timings)} queries timed; the {len(slowest)} slowest distinct SELECTs:\n")
    with connection.cursor() as cursor:
        for n, (seconds, label, sql, params) in enumerate(slowest, start=1):
            literal = cursor.mogrify(sql, params) if hasattr(cursor, "mogrify") else sql
            print(f"--- {n}. {seconds * 1000:.1f} ms on '{label}'\n{literal}\n")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
