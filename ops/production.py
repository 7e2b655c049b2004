"""What `make serve` (manage.py serve_production) refuses to start with, and how many processes it runs."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_LENGTH = 32


def refusals() -> list[str]:
    """Reasons the current settings are not fit for production; empty when they are."""
    problems = []
    secret = os.environ.get("SECRET_KEY", "")
    if not secret:
        problems.append("SECRET_KEY is not set: e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'")
    elif secret == settings.DEVELOPMENT_SECRET_KEY or secret.startswith(("insecure", "django-insecure")):
        problems.append("SECRET_KEY is the development key: set a secret of your own")
    elif len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 5:
        problems.append(f"SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters")
    if settings.DEBUG:
        problems.append("DEBUG is on: unset it (production never shows tracebacks)")
    if settings.DEMO:
        problems.append("WANGQIAN_DEMO is on: demo data and the demo certificate are not for production")
    for name in ("SIGNING_KEY_FILE", "SIGNING_CERT_FILE"):
        path = getattr(settings, name)
        if not path:
            problems.append(f"{name} is not set: agreement PDFs are signed with the school's key (PEM files)")
        elif not os.access(path, os.R_OK):
            problems.append(f"{name} cannot be read: {path}")
    try:
        max_requests()
    except ValueError as error:
        problems.append(str(error))
    try:
        caches["default"]  # a CACHE_URL redis-py cannot use is refused when the cache is made (core.cache)
    except ImproperlyConfigured as error:
        problems.append(str(error))
    return problems


# A worker's requests before gunicorn replaces it (GUNICORN_MAX_REQUESTS; 0: never), each worker at a point drawn
# from the next fifth (jitter) so they do not go together. Measured at 1M on 2 workers (the open loop at half load,
# benchmarks/bench_scale.py): a recycle takes ~150 ms (the exit, the fork, the new worker's connection and first
# statements), during which the other worker takes every request and those queued behind it wait — at 2,000 a worker
# recycled every ~18 s at the bench's rate and made the p99 of a 10-second run (110–155 ms, all inside the recycle).
DEFAULT_MAX_REQUESTS = 10_000


def max_requests() -> int:
    """GUNICORN_MAX_REQUESTS, checked: a whole number of requests, 0 or more."""
    given = os.environ.get("GUNICORN_MAX_REQUESTS", "").strip()
    if not given:
        return DEFAULT_MAX_REQUESTS
    if not given.isdigit():
        raise ValueError(f"GUNICORN_MAX_REQUESTS must be a whole number of requests (0: never recycle), not {given!r}")
    return int(given)


def default_web_concurrency() -> int:
    # gunicorn's rule of thumb for synchronous workers: two per core plus one.
    return 2 * (os.cpu_count() or 1) + 1
