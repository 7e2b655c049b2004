"""Tests are code with conventions of their own (docs/ARCHITECTURE.md): one way to log in (the `login_as`
fixture), typed personas (`world: World`), and browser tests in files named test_browser_*.py."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
APPS = ("api", "core", "documents", "employer", "ops", "school", "student", "wangqian", "web")


def _test_files() -> list[Path]:
    this = Path(__file__).resolve()  # names the patterns it looks for
    return sorted(path for app in APPS for path in (BASE_DIR / app).glob("tests/**/*.py") if path.resolve() != this)


def test_one_way_to_log_in() -> None:
    """Only conftest.py's `login_as` logs a test client in (Client.login is kept for tests of the password)."""
    offenders = [str(path.relative_to(BASE_DIR)) for path in _test_files() if "force_login(" in path.read_text()]
    assert not offenders, f"use the login_as fixture instead of force_login: {offenders}"


def test_personas_are_typed() -> None:
    offenders = [
        str(path.relative_to(BASE_DIR)) for path in _test_files() if re.search(r"\bworld: Any\b", path.read_text())
    ]
    assert not offenders, f"annotate the persona fixture as world: World (testsupport): {offenders}"


def test_browser_tests_are_named_test_browser() -> None:
    for path in _test_files():
        drives_chromium = "pytest.mark.browser" in path.read_text()
        named = path.name.startswith("test_browser_")
        assert drives_chromium == named or not path.name.startswith("test_"), (
            f"{path.relative_to(BASE_DIR)}: a browser test (pytest.mark.browser) lives in test_browser_*.py, "
            "and only browser tests do"
        )
