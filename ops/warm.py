"""What a web worker loads before its first request, loaded once in gunicorn's master instead (wangqian/wsgi.py;
serve_production runs gunicorn with `--preload`, so the workers, recycled ones too, fork from a warm master).

Measured on the 1M data set (a fresh process, the employer's API list page 500): the first request took 1.5 s, of
which 1.25 s importing the URLconf (every view module, ~440 modules) and, on an HTML page, ~0.2 s more compiling its
templates; the requests queued behind a worker's first one waited for it, so every recycled worker (each 2,000
requests or so) made a second of p99. Warm, that first request takes ~0.15 s (its database connection and first
queries) and the workers share the loaded code's memory.

Measured again with the shared cache (a fork of a warm master, the school's API list at 1M, its first request under
cProfile): ~150 ms, of which 90 ms importing core.cache and redis-py (the cache backend is made on first use), 15 ms
reading GB/T 2260 (core.codes) and 14 ms compiling the reads by key (core.selectors.paging.CompiledRead). Each
stalled the requests queued behind a recycled worker: the open-loop p99 of the school's API lists at half load was
106–151 ms. All three are done here now; what is left of the first request (~50 ms) is its database connection and
its statements' first planning.

Those are now done by each worker after the fork and before it accepts (`warm_worker`, gunicorn's post_worker_init):
measured the same way (six forks each, the school's API list at 1M), the first request took 42–52 ms without it and
20–24 ms after it, warm_worker itself 26–37 ms while the other workers took the requests. What remains is the fork's
own cost, spread thin: the pages a request touches copied on write (reference counts), first-use imports.
"""

from __future__ import annotations

import gc
import logging
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.urls import get_resolver

from core import codes
from core.selectors.paging import CompiledRead

logger = logging.getLogger(__name__)

# The project writes Jinja2 fragments as .jinja beside its Django templates (.html/.txt/.xml), in the same directories.
JINJA_SUFFIXES = (".jinja",)
DJANGO_SUFFIXES = (".html", ".txt", ".xml")


def own_templates(directory: Path, suffixes: tuple[str, ...]) -> list[str]:
    """The template names under one of the project's template directories."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.suffix in suffixes)


def warm() -> int:
    """Import the URLconf and build its reverse map, compile every template of the project's own (not the installed
    packages': the admin's are seldom asked for), then keep all of it out of the garbage collector's way. Returns
    how many templates were compiled."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 -- imports the URLconf, so every view module
    resolver.reverse_dict  # noqa: B018 -- the map `reverse` and `{% url %}` read
    base = Path(settings.BASE_DIR).resolve()
    compiled = 0
    for engine in engines.all():
        suffixes = JINJA_SUFFIXES if isinstance(engine, Jinja2) else DJANGO_SUFFIXES
        for directory in (Path(d).resolve() for d in engine.template_dirs):
            if base not in directory.parents or ".venv" in directory.parts:
                continue
            for name in own_templates(directory, suffixes):
                engine.get_template(name)
                compiled += 1
    # The code tables (GB/T 2260's 3,381 places alone: 15 ms), read on a worker's first page that names one.
    for table in codes.TABLES:
        codes.get_table(table)
    # The reads every page makes by key (session, user, token, a list page's rows): compiled here, not by each worker.
    import_module(settings.SESSION_ENGINE)
    for read in CompiledRead.made:
        read.compile(DEFAULT_DB_ALIAS)
    connections.close_all()  # were any opened, none is inherited by the workers
    # The cache backend (with CACHE_URL, core.cache and redis-py: 90 ms of imports a recycled worker's first request
    # paid); made, not asked, so no connection is opened before the fork.
    caches["default"]
    # Everything loaded so far lives as long as the process: out of the collector's reach (gc.freeze), a worker's
    # collections neither walk nor, copy-on-write, copy the master's heap (a worker's first full collection did).
    gc.collect()
    gc.freeze()
    return compiled


def warm_worker() -> None:
    """In each worker after the fork, before it accepts its first request (gunicorn's `post_worker_init`,
    ops/gunicorn_hooks.py): open its database connection and run every read by key once with a value that finds
    nothing, so the new PostgreSQL backend has read the tables' catalog entries and prepared the statements, and ask the
    cache once (a Redis connection). What the first request of a recycled worker paid (~50 ms) is paid here while the
    other workers take the requests; a failure (the database or Redis down) is logged and left to the first request."""
    try:
        for read in CompiledRead.made:
            read.rows(read.marker, using=DEFAULT_DB_ALIAS)
    except DatabaseError:
        logger.warning("warm_worker: the database did not answer; the first request will connect", exc_info=True)
    caches["default"].get("ops.warm:worker")
