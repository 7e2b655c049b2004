"""What `make serve` (manage.py serve_production) refuses to start with, and how many processes it runs."""

from __future__ import annotations

import os

from django.conf import settings

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
    return problems


def default_web_concurrency() -> int:
    # gunicorn's rule of thumb for synchronous workers: two per core plus one.
    return 2 * (os.cpu_count() or 1) + 1
