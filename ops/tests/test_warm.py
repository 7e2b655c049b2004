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
