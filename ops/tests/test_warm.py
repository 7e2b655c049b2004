"""A web worker forks warm (ops/warm.py): the URLconf imported, every template of the project compiled, the heap
frozen out of the collector's way."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import engines

from ops.warm import warm


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
