"""CPU per request of pages in-process, through Django's WSGI handler as gunicorn calls it (no test client, no
template signals): the least of five rounds (the machine is shared), the queries one request makes, and with
--profile where the time goes. For the statistics page and every school page's menu (issue 22), e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wq_scale WANGQIAN_DEMO=1 \\
        .venv/bin/python benchmarks/profile_pages.py /school/stats/ /school/account/ [--user scale_college] \\
        [--profile 40]

The user (scale_school by default: the larger school of `manage.py load_scale`) asks an /api/v1 path with a bearer
token issued for it, any other page with a session made for it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")


def _counter(queries: list[str]) -> Callable[..., Any]:
    def count(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        queries.append(sql)
        return execute(sql, *rest)

    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--user", default="scale_school")
    parser.add_argument("--requests", type=int, default=300, help="per page, in five rounds")
    parser.add_argument("--profile", type=int, default=0, help="print this many lines of cProfile (first page)")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative or tottime")
    parser.add_argument("--groups", action="store_true", help="with --profile: own time by package or app, too")
    parser.add_argument("--only", default="", help="with --profile: only functions whose file matches this")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client

    from core.models import User
    from core.services.accounts import token_issue

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    # /api/v1 pages are asked with a bearer token, as API clients do (the session is not the API's sign-in).
    bearer = f"Bearer {token_issue(user, second_factor=True)}"
    app = WSGIHandler()

    def get(url: str) -> bytes:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "HTTP_HOST": "localhost",
            **({"HTTP_AUTHORIZATION": bearer} if path.startswith("/api/") else {"HTTP_COOKIE": cookie}),
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []
        body = b"".join(app(environ, lambda s, h, *a: status.append(s)))  # type: ignore[arg-type]
        assert status[0].startswith("200"), (url, status[0])
        return body

    per_round = max(1, args.requests // 5)
    for url in args.paths:
        for _ in range(5):
            get(url)  # warm: the kept figures, compiled statements, the connection
        queries: list[str] = []
        with connection.execute_wrapper(_counter(queries)):
            size = len(get(url))
        rounds = []
        for _ in range(5):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(per_round):
                get(url)
            rounds.append(((time.process_time() - cpu) / per_round, (time.perf_counter() - wall) / per_round))
        cpu, wall = (min(r[i] for r in rounds) * 1000 for i in (0, 1))
        print(
            f"{url:32s} CPU {cpu:5.2f} ms/request, wall {wall:5.2f} ms (least of 5 rounds of {per_round}), "
            f"{len(queries)} queries, {size:,} bytes",
            flush=True,
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(per_round):
            get(args.paths[0])
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(*([args.only] if args.only else []), args.profile)
        if args.groups:
            _print_groups(stats, per_round)


def _group(filename: str) -> str:
    """A profiled function's package (site-packages' top folder), the project's app, or the standard library."""
    path = Path(filename)
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    root = Path(__file__).resolve().parent.parent
    if path.is_relative_to(root):
        return f"wangqian:{path.relative_to(root).parts[0]}"
    return "python" if filename.startswith(("/", "<frozen")) else filename  # builtins: "~"


def _print_groups(stats: pstats.Stats, requests: int) -> None:
    """Own time (tottime) per request by group, the largest first: where a request's time is spent, not called."""
    own: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        own[_group(filename)] = own.get(_group(filename), 0.0) + tottime
    total = sum(own.values())
    for group, seconds in sorted(own.items(), key=lambda item: -item[1]):
        print(f"{group:32s} {seconds / requests * 1000:6.3f} ms/request {seconds / total:6.1%} (profiled)")


if __name__ == "__main__":
    main()
