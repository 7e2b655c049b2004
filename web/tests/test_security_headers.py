"""Headers that hold with no help from the pages (issue 10, hole 6): a Content-Security-Policy that allows no
inline script, HTTPS enforced with HSTS when `HTTPS` is on, and `manage.py check --deploy` clean."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from testsupport import LoginAs, World

BASE = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "wangqian.settings",
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": "p" + "rod-9f3Kq2LmZx7Wv4Tn8Rb1Yc6Hd0Js5Ga-QeUiOpAsDfGhJkLzXcVbNm",
    "ALLOWED_HOSTS": "wangqian.example.edu.cn",
    "CSRF_TRUSTED_ORIGINS": "https://wangqian.example.edu.cn",
}


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script(client: Client, world: World, login_as: LoginAs) -> None:
    for path in ("/login/", "/verify/", "/api/v1/docs"):
        response = client.get(path)
        response_header, policy = response["Content-Security-Policy"], _policy(response)
        assert policy["script-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-eval'" not in response_header
    assert _policy(login_as(world.employer).get("/employer/agreements/"))["script-src"] == ["'self'"]


# An executable <script> with a body, or an on…= event handler attribute, in any template of the project.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>\s*\S", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    templates = [
        path
        for path in BASE.rglob("*.html")
        if not {".venv", "node_modules", "staticfiles", "test-artifacts"} & set(path.relative_to(BASE).parts)
    ]
    assert len(templates) > 20
    offenders = [
        str(path.relative_to(BASE))
        for path in templates
        if INLINE_SCRIPT.search(text := path.read_text()) or EVENT_HANDLER.search(text) or "hx-on" in text
    ]
    assert offenders == []


def _run_with(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("DATABASE_URL", None)  # nothing here touches a database
    return subprocess.run([sys.executable, "-c", code], cwd=BASE, env=full, capture_output=True, text=True, timeout=120)


def test_https_on_redirects_plain_http_and_sends_hsts() -> None:
    code = """
import django; django.setup()
from django.test import Client
client = Client(HTTP_HOST="wangqian.example.edu.cn")
plain = client.get("/api/v1/openapi.json")
print(plain.status_code, plain["Location"])
secure = client.get("/api/v1/openapi.json", HTTP_X_FORWARDED_PROTO="https")
print(secure.status_code, secure["Strict-Transport-Security"])
print(client.get("/healthz", HTTP_X_FORWARDED_PROTO="http").status_code != 301)
"""
    result = _run_with(PRODUCTION_ENV, code)
    assert result.returncode == 0, result.stderr
    plain, secure, probe = result.stdout.splitlines()
    assert plain == "301 https://wangqian.example.edu.cn/api/v1/openapi.json"
    assert secure == "200 max-age=31536000; includeSubDomains"
    assert probe == "True"


def test_https_off_keeps_plain_http_for_the_demo() -> None:
    code = """
import django; django.setup()
from django.test import Client
response = Client().get("/api/v1/openapi.json")
print(response.status_code, response.has_header("Strict-Transport-Security"))
"""
    result = _run_with({"DJANGO_SETTINGS_MODULE": "wangqian.settings", "HTTPS": "0"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200 False"


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env={k: v for k, v in {**os.environ, **PRODUCTION_ENV}.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_a_development_configuration() -> None:
    env = {**PRODUCTION_ENV, "DEBUG": "1", "HTTPS": "0", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W018"):
        assert warning in result.stderr + result.stdout
