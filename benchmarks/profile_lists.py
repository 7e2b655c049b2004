"""CPU per request of the HTML agreement lists, in this process: Django's test Client signed in through the login
form, production settings (DEBUG off), time.process_time over rounds of N requests (the least of them), the queries
and Python function calls of one request, and with --profile where the time goes (cProfile, own time by package).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wq_scale WANGQIAN_DEMO=1 \
        .venv/bin/python benchmarks/profile_lists.py [-n 100] [--rounds 3] [--breakdown] [--profile] [--only TEXT]

The figures are CPU of this process only (PostgreSQL's own time is not in them); on a shared machine they still move
with the load, the function calls per request do not; wall time is printed beside them for reference.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"

PAGES = [
    ("单位签约中心", "/employer/agreements/", "scale_hr"),
    ("单位签约中心 tab=accepted", "/employer/agreements/?tab=accepted", "scale_hr"),
    ("单位签约中心 page 500", "/employer/agreements/?page=500", "scale_hr"),
    ("school list", "/school/agreements/", "scale_school"),
    ("school list year", "/school/agreements/?year={year}", "scale_school"),
    ("school list page 500", "/school/agreements/?page=500", "scale_school"),
    ("college list", "/school/agreements/", "scale_college"),
]

GROUPS = [
    ("django/template", "templates"),
    ("django/db/models/sql", "query compiling"),
    ("django/db/models", "models/querysets"),
    ("django/db/backends", "db backend"),
    ("psycopg", "psycopg"),
    ("django/middleware", "django middleware"),
    ("django/contrib/sessions", "sessions"),
    ("django/contrib/auth", "auth"),
    ("django/core/handlers", "handlers"),
    ("django/test", "test client"),
    ("django/urls", "urls"),
    ("django/utils", "django utils"),
    ("django/core/cache", "cache"),
    ("django/core/paginator", "paginator"),
    ("django/http", "http"),
    ("django/forms", "forms"),
    ("django/", "django other"),
    ("/core/selectors", "core.selectors"),
    ("/core/rules", "core.rules"),
    ("/core/", "core other"),
    ("/web/", "web"),
    ("/employer/", "employer"),
    ("/school/", "school"),
    ("/ops/", "ops"),
    ("/axes/", "axes"),
    ("/csp/", "csp"),
    ("jinja2", "jinja2"),
    ("site-packages", "other packages"),
]


# Steps timed by --breakdown (module, attribute): each the CPU inside it, nested steps included.
BREAKDOWN = [
    ("django.core.handlers.base", "BaseHandler._get_response"),
    ("web.pages", "Portal.page"),
    ("web.pages", "render"),
    ("employer.views.agreements", "parse_filters"),
    ("employer.views.agreements", "filtered"),
    ("employer.views.agreements", "paginate"),
    ("employer.views.agreements", "filter_options"),
    ("employer.views.common", "employer_menu_counts"),
    ("school.lists", "parse_filters"),
    ("school.lists", "filtered"),
    ("school.lists", "paginate"),
    ("school.lists", "filter_options"),
    ("school.views.common", "admin_todo_counts"),
    ("core.selectors.paging", "count_rows"),
    ("core.selectors.agreements", "agreement_rows"),
    ("django.db.backends.utils", "CursorWrapper._execute"),
]


def install_breakdown() -> dict[str, float]:
    """Wrap the BREAKDOWN steps; the returned dict collects each one's CPU seconds."""
    import functools
    import importlib

    spent: dict[str, float] = defaultdict(float)
    for module_name, attribute in BREAKDOWN:
        owner: object = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        label = f"{module_name.rsplit('.', 1)[-1]}.{attribute}"

        def wrapped(*args: object, __original: object = original, __label: str = label, **kwargs: object) -> object:
            start = time.process_time()
            try:
                return __original(*args, **kwargs)  # type: ignore[operator]
            finally:
                spent[__label] += time.process_time() - start

        setattr(owner, name, functools.wraps(original)(wrapped))
    return spent


def group_of(filename: str) -> str:
    for part, name in GROUPS:
        if part in filename:
            return name
    return "builtins/stdlib"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=100, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per page; the least CPU is printed")
    parser.add_argument("--profile", action="store_true", help="cProfile, own time by package and the top functions")
    parser.add_argument("--only", default="", help="pages whose label contains this")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--breakdown", action="store_true", help="CPU of the named steps (BREAKDOWN), nested")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.calendar import current_graduation_year

    assert not settings.DEBUG
    spent = install_breakdown() if args.breakdown else None
    clients: dict[str, Client] = {}

    def client_of(username: str) -> Client:
        if username not in clients:
            client = Client()
            answer = client.post("/login/", {"username": username, "password": PASSWORD})
            assert answer.status_code == 302, f"{username} could not log in ({answer.status_code})"
            clients[username] = client
        return clients[username]

    print(f"{'page':<28} {'CPU ms/req':>10} {'wall ms':>8} {'queries':>7} {'calls':>7} {'bytes':>7}")
    for label, url, username in PAGES:
        if args.only and args.only not in label:
            continue
        url = url.format(year=current_graduation_year())
        client = client_of(username)
        for _ in range(10):
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        # (Django empties the log when the next request starts.)
        query_count = len(queries)
        # Python function calls per request: unlike CPU time, the same however busy the machine is.
        counter = cProfile.Profile()
        counter.enable()
        for _ in range(5):
            client.get(url)
        counter.disable()
        calls = pstats.Stats(counter).total_calls // 5  # type: ignore[attr-defined]
        if spent is not None:
            spent.clear()
        profiler = cProfile.Profile() if args.profile else None
        # The least CPU of `--rounds` rounds: the machine is shared, and other work only ever adds.
        best_cpu = best_wall = float("inf")
        for _ in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for _ in range(args.n):
                client.get(url)
            if profiler:
                profiler.disable()
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        print(
            f"{label:<28} {best_cpu / args.n * 1000:>10.2f} {best_wall / args.n * 1000:>8.2f} {query_count:>7} "
            f"{calls:>7} {len(answer.content):>7}"
        )
        runs = args.n * args.rounds
        if spent:
            for name, seconds in spent.items():
                print(f"    {name:<40} {seconds / runs * 1000:6.2f} ms")
        if profiler:
            stats = pstats.Stats(profiler)
            by_group: dict[str, float] = defaultdict(float)
            for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
                by_group[group_of(filename)] += tottime
            total = sum(by_group.values())
            for name, seconds in sorted(by_group.items(), key=lambda item: -item[1]):
                print(f"    {name:<22} {seconds / runs * 1000:6.2f} ms  {seconds / total:5.1%}")
            stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
