"""Helpers for the tests that start real processes: free ports, a child's environment on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
    db: dict[str, Any] = dict(settings.DATABASES["default"])
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


class S3Server:
    """A real S3-compatible server (moto in server mode) on a free loopback port, as a subprocess."""

    access_key = "wangqian-test"
    secret_key = "wangqian-test-secret"
    region = "us-east-1"

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port or free_port()
        self.endpoint = f"http://{host}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> S3Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the S3 server (moto) exited at start") from None
                time.sleep(0.2)
        raise RuntimeError("the S3 server (moto) did not start within a minute")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client().list_objects_v2(Bucket=bucket).get("Contents", [])]

    def env(self, bucket: str) -> dict[str, str]:
        """The settings of `make serve` for this server (wangqian/settings.py reads them)."""
        return {
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
