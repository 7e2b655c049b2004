"""gunicorn's server hooks for the web role (serve_production passes this file as its config)."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """A forked worker makes its connections and prepares its reads before it takes a request (ops.warm)."""
    from ops.warm import warm_worker

    warm_worker()
