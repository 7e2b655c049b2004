"""SITE_URL: its default follows the port the server runs on (make run, manage.py serve, PORT), and every link
(e-mail, the agreement's printed address and QR code) starts with it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from pypdf import PdfReader

from documents.builder import build_document_data, load_agreement
from documents.render import render_agreement_pdf
from ops.management.commands import serve
from testsupport import World

ROOT = Path(__file__).resolve().parents[2]


def settings_site_url(**env: str) -> str:
    """SITE_URL as a fresh process reads it from its environment."""
    child = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "wangqian.settings", **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=child, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_default_follows_the_port() -> None:
    # By name: browsers refuse an IP address as a passkey's relying party (core.services.passkeys.relying_party).
    assert settings_site_url() == "http://localhost:8000"
    assert settings_site_url(PORT="8101") == "http://localhost:8101"
    assert settings_site_url(PORT="8101", SITE_URL="https://wangqian.example.edu.cn/") == (
        "https://wangqian.example.edu.cn"
    )


def test_make_run_passes_the_port_as_site_url() -> None:
    out = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if "manage.py serve" in line)
    assert "SITE_URL=${SITE_URL:-http://localhost:8101}" in line and "--port 8101" in line


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://localhost:8101"),
        ("0.0.0.0", "http://localhost:8101"),
        ("::1", "http://localhost:8101"),
        ("192.0.2.7", "http://192.0.2.7:8101"),
        ("fe80::1", "http://[fe80::1]:8101"),
    ],
)
def test_the_dev_server_derives_it_from_where_it_serves(host: str, url: str) -> None:
    assert serve.site_url_for(host, "8101") == url


def test_the_dev_server_hands_it_to_the_worker_that_draws_the_qr_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`manage.py serve --port 8101` without SITE_URL: the worker and scheduler it starts get the derived one."""
    monkeypatch.delenv("SITE_URL", raising=False)
    with override_settings(SITE_URL="http://127.0.0.1:8000"):
        env = serve.child_env("127.0.0.1", "8101")
        from django.conf import settings

        assert settings.SITE_URL == "http://localhost:8101"  # the web process's own links
    assert env["SITE_URL"] == "http://localhost:8101"  # every child's environment
    # The server, the worker, the webhook worker (its own queue) and the scheduler.
    assert [argv[2:] for _, argv in serve.commands("127.0.0.1", "8101")] == [
        ["runserver", "127.0.0.1:8101", "--noreload"],
        ["run_worker", "--interval", "1"],
        ["run_worker", "--interval", "1", "--queue-name", "webhooks"],
        ["run_scheduler"],
    ]


@pytest.mark.django_db
@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_the_agreements_qr_code_and_printed_address_use_site_url(world: World) -> None:
    agreement = world.reach("effective")
    data = build_document_data(load_agreement(agreement.pk))
    expected = f"http://127.0.0.1:8101/verify/{agreement.verification_code}"
    assert data.verify_url == expected  # what render._draw_qr encodes
    text = "".join(PdfReader(io.BytesIO(render_agreement_pdf(data))).pages[0].extract_text().split())
    assert expected in text


def test_the_dev_servers_processes_keep_no_connection_past_a_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """runserver answers each request in a thread of its own; a kept PostgreSQL connection would outlive its thread,
    so `make run`'s children get DATABASE_CONN_MAX_AGE=0 unless the developer set it, and the settings honour it."""
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    env = serve.child_env("127.0.0.1", "8101")
    assert env["DATABASE_CONN_MAX_AGE"] == "0"
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "30")
    assert serve.child_env("127.0.0.1", "8101")["DATABASE_CONN_MAX_AGE"] == "30"
    read = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['CONN_MAX_AGE'])"
    )
    root = Path(__file__).resolve().parents[2]
    for value, expected in (("0", "0"), ("", "60")):
        child = {**env, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "DATABASE_CONN_MAX_AGE": value}
        child["DJANGO_SETTINGS_MODULE"] = "wangqian.settings"
        done = subprocess.run(
            [sys.executable, "-c", read], cwd=root, env=child, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected
