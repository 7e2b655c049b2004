"""SITE_URL: its default follows the port the server runs on (make run, manage.py serve, PORT), and every link
(e-mail, the agreement's printed address and QR code) starts with it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from pypdf import PdfReader

from core.management.commands import serve
from core.testing import World
from documents.builder import build_document_data, load_agreement
from documents.render import render_agreement_pdf

ROOT = Path(__file__).resolve().parents[2]


def settings_site_url(**env: str) -> str:
    """SITE_URL as a fresh process reads it from its environment."""
    child = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "wangqian.settings", **env}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=child, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_default_follows_the_port() -> None:
    assert settings_site_url() == "http://127.0.0.1:8000"
    assert settings_site_url(PORT="8101") == "http://127.0.0.1:8101"
    assert settings_site_url(PORT="8101", SITE_URL="https://wangqian.example.edu.cn/") == (
        "https://wangqian.example.edu.cn"
    )


def test_make_run_passes_the_port_as_site_url() -> None:
    out = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if "manage.py serve" in line)
    assert "SITE_URL=${SITE_URL:-http://127.0.0.1:8101}" in line and "--port 8101" in line


@pytest.mark.parametrize(
    ("host", "url"),
    [("127.0.0.1", "http://127.0.0.1:8101"), ("0.0.0.0", "http://127.0.0.1:8101"), ("::1", "http://[::1]:8101")],
)
def test_the_dev_server_derives_it_from_where_it_serves(host: str, url: str) -> None:
    assert serve.site_url_for(host, "8101") == url


def test_the_dev_server_hands_it_to_the_worker_that_draws_the_qr_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """`manage.py serve --port 8101` without SITE_URL: the worker and scheduler it starts get the derived one."""
    started: list[dict[str, Any]] = []

    class Process:
        def __init__(self, argv: list[str], env: dict[str, str]) -> None:
            started.append({"argv": argv, "env": env})

        def terminate(self) -> None: ...

        def wait(self, timeout: float) -> None: ...

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setattr(serve.subprocess, "Popen", Process)
    monkeypatch.setattr(serve, "call_command", lambda *args, **kwargs: None)
    with override_settings(SITE_URL="http://127.0.0.1:8000"):
        serve.Command().handle(port="8101", host="127.0.0.1")
        from django.conf import settings

        assert settings.SITE_URL == "http://127.0.0.1:8101"  # the web process's own links
    # The worker, the webhook worker (its own queue) and the scheduler.
    assert [p["argv"][2:] for p in started] == [
        ["run_worker", "--interval", "1"],
        ["run_worker", "--interval", "1", "--queue-name", "webhooks"],
        ["run_scheduler"],
    ]
    assert all(p["env"]["SITE_URL"] == "http://127.0.0.1:8101" for p in started)


@pytest.mark.django_db
@override_settings(SITE_URL="http://127.0.0.1:8101")
def test_the_agreements_qr_code_and_printed_address_use_site_url(world: World) -> None:
    agreement = world.reach("effective")
    data = build_document_data(load_agreement(agreement.pk))
    expected = f"http://127.0.0.1:8101/verify/{agreement.verification_code}"
    assert data.verify_url == expected  # what render._draw_qr encodes
    text = "".join(PdfReader(io.BytesIO(render_agreement_pdf(data))).pages[0].extract_text().split())
    assert expected in text
