"""Settings read from the environment refuse what they do not understand, naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from wangqian.env import env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_env_bool_reads_the_usual_words(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("WQ_FLAG", value)
    assert env_bool("WQ_FLAG", default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_empty_is_the_default(monkeypatch: pytest.MonkeyPatch, default: bool) -> None:
    monkeypatch.delenv("WQ_FLAG", raising=False)
    assert env_bool("WQ_FLAG", default=default) is default
    monkeypatch.setenv("WQ_FLAG", " ")
    assert env_bool("WQ_FLAG", default=default) is default


@pytest.mark.parametrize("value", ["flase", "ture", "2", "y", "enabled", "-"])
def test_env_bool_refuses_a_value_it_does_not_understand(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("WQ_FLAG", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("WQ_FLAG", default=False)
    assert "WQ_FLAG" in str(refused.value)
    assert repr(value) in str(refused.value)


def test_env_int_refuses_what_is_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WQ_COUNT", " 12 ")
    assert env_int("WQ_COUNT", 3) == 12
    monkeypatch.setenv("WQ_COUNT", "")
    assert env_int("WQ_COUNT", 3) == 3
    monkeypatch.setenv("WQ_COUNT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="WQ_COUNT"):
        env_int("WQ_COUNT", 3)


def test_the_settings_do_not_start_with_a_misspelt_debug() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "wangqian.settings", "DEBUG": "flase"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG='flase' is not a yes/no value" in result.stderr


def test_evidence_is_never_configured_to_go_before_the_ministrys_three_years(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WQ_YEARS", "5")
    assert env_int("WQ_YEARS", 3, minimum=3) == 5
    monkeypatch.setenv("WQ_YEARS", "2")
    with pytest.raises(ImproperlyConfigured, match="WQ_YEARS='2' is below 3"):
        env_int("WQ_YEARS", 3, minimum=3)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "wangqian.settings", "EVIDENCE_RETENTION_YEARS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: EVIDENCE_RETENTION_YEARS='0' is below 3" in result.stderr
