"""Helpers for the tests that start real processes: free ports, a child's environment on the test database."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (CI's second run; DATABASE_URL=postgres://...)")


def database_url(name: str | None = None) -> str:
    """A DATABASE_URL for child processes: the database this test runs on (the test database), or another."""
    db: dict[str, Any] = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or db['NAME']}"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process: the real settings module, not the test one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="wangqian.settings",
        SECRET_KEY="test-" + "k9Vq2xLm4Pz7" * 4,
        DEBUG="0",
        WANGQIAN_DEMO="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env
