"""`make serve`'s production server on a fresh database, for the benchmarks that measure what a client of it sees.

    with production_server(tmp, database_url=…, setup=SETUP) as site:  # "http://127.0.0.1:<port>"
        …

Prepares a throw-away signing key (`make serve` refuses to start without the school's), migrates, runs the
benchmark's `setup` in `manage.py shell`, starts `manage.py serve_production` and waits for /healthz; on leaving,
stops it with SIGTERM as an operator would. The database is an SQLite file under `tmp` unless `database_url` is given.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def production_env(tmp: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a production deployment with everything it writes under `tmp`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "wangqian.settings",
        "SECRET_KEY": "bench-" + "q8Zr3Lw5Xk2Np7Vt" * 4,
        "DEBUG": "0",
        "WANGQIAN_DEMO": "0",
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "WEB_CONCURRENCY": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **extra,
    }


@contextmanager
def production_server(
    tmp: Path, *, database_url: str = "", setup: str = "", roles: str = "web", **extra_env: str
) -> Iterator[str]:
    env = production_env(tmp, database_url, **extra_env)
    signing = tmp / "signing"
    subprocess.run(
        [
            *MANAGE,
            "shell",
            "-c",
            f"from documents.signing import ensure_demo_certificate; ensure_demo_certificate({str(signing)!r})",
        ],
        cwd=ROOT,
        env={**env, "WANGQIAN_DEMO": "1"},
        check=True,
        capture_output=True,
    )
    env.update(
        SIGNING_KEY_FILE=str(signing / "school-signing-key.pem"),
        SIGNING_CERT_FILE=str(signing / "school-signing-cert.pem"),
    )
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    if setup:
        subprocess.run([*MANAGE, "shell", "-v", "0", "-c", setup], cwd=ROOT, env=env, check=True)
    port = 18700 + os.getpid() % 290
    log = tmp / "serve.log"
    server = subprocess.Popen(
        [*MANAGE, "serve_production", "--roles", roles, "--no-migrate", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    site = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{site}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.5)
        yield site
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
