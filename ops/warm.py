"""What a web worker loads before its first request, loaded once in gunicorn's master instead (wangqian/wsgi.py;
serve_production runs gunicorn with `--preload`, so the workers, recycled ones too, fork from a warm master).

Measured on the 1M data set (a fresh process, the employer's API list page 500): the first request took 1.5 s, of
which 1.25 s importing the URLconf (every view module, ~440 modules) and, on an HTML page, ~0.2 s more compiling its
templates; the requests queued behind a worker's first one waited for it, so every recycled worker (each 2,000
requests or so) made a second of p99. Warm, that first request takes ~0.15 s (its database connection and first
queries) and the workers share the loaded code's memory.
"""

from __future__ import annotations

import gc
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.urls import get_resolver

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
    # Everything loaded so far lives as long as the process: out of the collector's reach (gc.freeze), a worker's
    # collections neither walk nor, copy-on-write, copy the master's heap (a worker's first full collection did).
    gc.collect()
    gc.freeze()
    return compiled
