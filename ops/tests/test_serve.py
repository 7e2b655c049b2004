"""`make serve`'s entry point (manage.py serve_production): refuses unsafe settings, boots and answers /readyz."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.test import override_settings

from documents.signing import ensure_demo_certificate
from ops.management.commands.serve_production import gunicorn_argv
from ops.production import refusals
from ops.tests.support import MANAGE, ROOT, database_url, free_port, production_env, require_postgresql

STRONG = "a3F9kP0qZx7Lm2Vb8Nc4Rt6Yw1Hs5Dj" * 2


@pytest.fixture
def signing(tmp_path: Path) -> dict[str, str]:
    key, cert = ensure_demo_certificate(tmp_path / "signing")
    return {"SIGNING_KEY_FILE": str(key), "SIGNING_CERT_FILE": str(cert)}


@pytest.mark.parametrize(
    ("secret", "debug", "demo", "refused"),
    [
        (STRONG, False, False, []),
        ("", False, False, ["SECRET_KEY is not set"]),
        ("insecure-development-key-change-me", False, False, ["SECRET_KEY is the development key"]),
        ("django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", False, False, ["SECRET_KEY is the development key"]),
        ("short-secret", False, False, ["SECRET_KEY is too weak"]),
        ("a" * 60, False, False, ["SECRET_KEY is too weak"]),
        (STRONG, True, False, ["DEBUG is on"]),
        (STRONG, False, True, ["WANGQIAN_DEMO is on"]),
    ],
)
def test_refusals(
    monkeypatch: pytest.MonkeyPatch, signing: dict[str, str], secret: str, debug: bool, demo: bool, refused: list[str]
) -> None:
    monkeypatch.setenv("SECRET_KEY", secret)
    with override_settings(DEBUG=debug, DEMO=demo, **signing):
        problems = refusals()
    assert [p.split(":")[0] for p in problems] == refused


def test_refuses_without_a_readable_signing_key(monkeypatch: pytest.MonkeyPatch, signing: dict[str, str]) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    with override_settings(
        DEBUG=False, DEMO=False, SIGNING_KEY_FILE="", SIGNING_CERT_FILE=signing["SIGNING_CERT_FILE"]
    ):
        assert [p.split(":")[0] for p in refusals()] == ["SIGNING_KEY_FILE is not set"]
    with override_settings(DEBUG=False, DEMO=False, SIGNING_KEY_FILE="/nonexistent/key.pem", SIGNING_CERT_FILE=""):
        assert [p.split(":")[0] for p in refusals()] == [
            "SIGNING_KEY_FILE cannot be read",
            "SIGNING_CERT_FILE is not set",
        ]


def test_refuses_a_cache_url_redis_cannot_use(monkeypatch: pytest.MonkeyPatch, signing: dict[str, str]) -> None:
    """Left to the first request, it would be a 500 on every page that reads the cache."""
    monkeypatch.setenv("SECRET_KEY", STRONG)
    unusable = {"BACKEND": "core.cache.TwoLevelCache", "LOCATION": "redis://:s3cret@127.0.0.1:6379/0?timeout=1"}
    with override_settings(DEBUG=False, DEMO=False, CACHES={"default": unusable}, **signing):
        problems = refusals()
    assert len(problems) == 1 and problems[0].startswith("CACHE_URL redis://127.0.0.1:6379/0 is refused")
    assert "s3cret" not in problems[0]


@pytest.mark.parametrize(
    ("given", "argv"),
    [
        ("", ["--max-requests", "10000", "--max-requests-jitter", "2000"]),
        ("500", ["--max-requests", "500", "--max-requests-jitter", "100"]),
        ("0", ["--max-requests", "0", "--max-requests-jitter", "0"]),
    ],
)
def test_workers_are_recycled_after_gunicorn_max_requests(
    monkeypatch: pytest.MonkeyPatch, given: str, argv: list[str]
) -> None:
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", given)
    command = gunicorn_argv("wangqian.wsgi:application", "127.0.0.1", "8000", 2, ROOT)
    at = command.index("--max-requests")
    assert command[at : at + 4] == argv


@pytest.mark.parametrize("given", ["-1", "1e4", "many"])
def test_a_max_requests_that_is_no_count_is_refused(
    monkeypatch: pytest.MonkeyPatch, signing: dict[str, str], given: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", given)
    with override_settings(DEBUG=False, DEMO=False, **signing):
        assert [p.split(" must")[0] for p in refusals()] == ["GUNICORN_MAX_REQUESTS"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"SECRET_KEY": "insecure-development-key-change-me"}, "SECRET_KEY is the development key"),
    ],
)
def test_the_entry_point_refuses_before_touching_anything(tmp_path: Path, env: dict[str, str], message: str) -> None:
    # An unreachable database: a refusal must come before migrate could even try it.
    child_env = production_env(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", STATIC_ROOT=str(tmp_path), **env)
    done = subprocess.run([*MANAGE, "serve_production"], cwd=ROOT, env=child_env, capture_output=True, timeout=120)
    assert done.returncode != 0
    assert "refusing to start in production" in done.stderr.decode()
    assert message in done.stderr.decode()
    assert not any(tmp_path.iterdir()), "nothing collected"


@pytest.fixture
def fresh_database() -> Iterator[str]:
    require_postgresql()
    name = f"wq_serve_{uuid.uuid4().hex[:12]}"
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_serve_boots_on_postgresql_and_answers_readyz(
    fresh_database: str, tmp_path: Path, signing: dict[str, str]
) -> None:
    port = free_port()
    env = production_env(
        DATABASE_URL=fresh_database,
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS="wangqian.example.edu.cn",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PROMETHEUS_METRICS="1",
        **signing,
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*MANAGE, "serve_production"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        ready: dict[str, Any] = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, body = get(f"{base}/readyz")
            except OSError:
                status = 0
            if status == 200:
                ready = json.loads(body)
                break
            time.sleep(1)
        assert ready, f"/readyz never answered 200:\n{log.read_text()[-3000:]}"
        checks = ready["checks"]
        assert checks["database"]["vendor"] == "postgresql"
        assert checks["migrations"]["unapplied"] == 0
        assert checks["workers"]["live"] >= 1 and checks["storage"]["ok"]
        assert (tmp_path / "static" / "admin").is_dir(), "collectstatic ran"

        # The probe answered on an IP address; a real page checks the host name, and DEBUG is off.
        assert get(f"{base}/login/")[0] == 400
        status, headers, body = get(
            f"{base}/no-such-page/", {"Host": "wangqian.example.edu.cn", "X-Request-ID": "probe-1234abcd"}
        )
        assert status == 404 and b"Traceback" not in body and b"URLconf" not in body
        assert headers["X-Request-ID"] == "probe-1234abcd"
        status, _, body = get(f"{base}/login/", {"Host": "wangqian.example.edu.cn"})
        assert status == 200
        # Metrics of every gunicorn worker, added up (multiprocess mode).
        status, _, body = get(f"{base}/metrics", {"Host": "wangqian.example.edu.cn"})
        assert status == 200 and b"django_http_requests_total_by_method_total" in body

        # No demo data was loaded.
        with psycopg.connect(fresh_database) as conn:
            row = conn.execute("SELECT count(*) FROM core_user").fetchone()
            assert row is not None and row[0] == 0
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text[-3000:]
    request_lines = [json.loads(line) for line in text.splitlines() if '"wangqian.request"' in line]
    logged = next(r for r in request_lines if r["request_id"] == "probe-1234abcd")
    assert logged["status"] == 404 and logged["path"] == "/no-such-page/" and logged["user_id"] is None
    assert logged["duration_ms"] >= 0
