"""A web worker forks warm (ops/warm.py): the URLconf imported, every template of the project compiled, the heap
frozen out of the collector's way."""

from __future__ import annotations

import gc
import subprocess
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.template import engines

from ops.warm import warm, warm_worker


def test_warm_imports_the_views_compiles_the_projects_templates_and_freezes_the_heap() -> None:
    django: Any = engines["django"]
    jinja: Any = engines["jinja2"]
    cached = django.engine.template_loaders[0]  # the cached loader
    cached.reset()
    jinja.env.cache.clear()
    try:
        compiled = warm()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 100_000
    assert {"employer.views.agreements", "school.views.reports", "api.routers.agreements"} <= set(sys.modules)
    for name in ("base.html", "web/login.html", "includes/school_select.html", "employer/agreements.html"):
        assert name in cached.get_template_cache, name
    assert not any(key.endswith(".jinja") for key in cached.get_template_cache)  # fragments are not Django's
    assert not any(key.startswith("admin/") for key in cached.get_template_cache)  # installed packages' wait
    assert {name for (_, name) in jinja.env.cache} >= {"employer/includes/list_rows.jinja"}
    ours = [
        p
        for p in Path(settings.BASE_DIR).glob("*/templates/**/*")
        if p.suffix in (".html", ".txt", ".xml", ".jinja") and ".venv" not in p.parts
    ]
    assert compiled >= len(ours) > 100


def test_warm_compiles_the_reads_by_key_loads_the_code_tables_and_makes_the_cache_without_a_connection() -> None:
    """What a recycled worker's first request paid before (a fork of the 1M data set's master, the school's API list:
    ~150 ms, of which 90 ms importing redis-py for the cache, 15 ms reading GB/T 2260, 14 ms compiling the reads)."""
    from django.core.cache import caches
    from django.db import DEFAULT_DB_ALIAS, connections

    from core.codes import regions
    from core.selectors.paging import CompiledRead

    for read in CompiledRead.made:
        read._compiled.clear()
    regions._tree.cache_clear()
    made: Any = caches._connections  # type: ignore[attr-defined]  # this thread's backends, by alias
    if hasattr(made, "default"):
        delattr(made, "default")
    try:
        warm()
    finally:
        gc.unfreeze()
    names = {read.build.__qualname__ for read in CompiledRead.made}
    assert {"_session_query", "_user_query", "_token_query", "_rows_query", "_page_query"} <= names
    assert all(DEFAULT_DB_ALIAS in read._compiled for read in CompiledRead.made)
    assert regions._tree.cache_info().currsize == 1
    assert getattr(made, "default", None) is not None  # made in the master
    assert connections[DEFAULT_DB_ALIAS].connection is None  # nothing a worker would inherit


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_worker_prepares_every_read_by_key_before_its_first_request() -> None:
    """gunicorn's post_worker_init (ops/gunicorn_hooks.py) runs warm_worker in each forked worker: its connection is
    open and every read by key is prepared on it, so the first request a recycled worker takes plans nothing."""
    from django.urls import get_resolver

    from core.selectors.paging import CompiledRead

    get_resolver().url_patterns  # noqa: B018 -- every view module, so every read by key (warm() in the master)
    import_module(settings.SESSION_ENGINE)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    warm_worker()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == len(CompiledRead.made) >= 5
    assert any('"django_session"' in s for s in statements) and any('"core_termination"' in s for s in statements)


def test_a_worker_whose_database_does_not_answer_still_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The database down when a worker forks: warm_worker logs it and the worker takes requests (each then answers
    as the database lets it), rather than dying and being forked again in a loop."""
    from core.selectors.paging import CompiledRead

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(CompiledRead, "rows", refused)
    warm_worker()
    assert "the database did not answer" in caplog.text


def test_gunicorn_loads_the_hooks_of_the_web_role(tmp_path: Path) -> None:
    """serve_production's gunicorn command names the hooks file by its path; gunicorn reads it as its config."""
    from ops.gunicorn_hooks import post_worker_init
    from ops.management.commands.serve_production import HOOKS, gunicorn_argv

    argv = gunicorn_argv("wangqian.wsgi:application", "127.0.0.1", "8000", 2, Path(settings.BASE_DIR))
    assert argv[argv.index("--config") + 1] == str(HOOKS)
    assert "--config" not in gunicorn_argv("djangobare.wsgi:application", "127.0.0.1", "8000", 2, tmp_path, hooks=False)
    (tmp_path / "plain.py").write_text("def application(environ, start_response):\n    return []\n")
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", str(HOOKS), "--print-config", "plain:application"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert post_worker_init.__qualname__ in done.stdout
