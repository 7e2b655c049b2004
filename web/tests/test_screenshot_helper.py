"""`testsupport.screenshot`: Chromium's transient refusal of one capture is asked again once; nothing else is hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error

from testsupport import screenshot

REFUSED = "Page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot"


class Target:
    """Something with a `screenshot` method that fails with the given errors, in turn, before it succeeds."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls: list[dict[str, Any]] = []

    def screenshot(self, **options: Any) -> None:
        self.calls.append(options)
        if self.errors:
            raise self.errors.pop(0)


def test_a_refused_capture_is_asked_again_once_with_the_same_options(tmp_path: Path) -> None:
    target = Target(Error(REFUSED))
    screenshot(target, tmp_path / "a.png", full_page=True)
    assert target.calls == [{"path": str(tmp_path / "a.png"), "full_page": True}] * 2


def test_a_second_refusal_fails(tmp_path: Path) -> None:
    target = Target(Error(REFUSED), Error(REFUSED))
    with pytest.raises(Error, match="Unable to capture screenshot"):
        screenshot(target, tmp_path / "a.png")
    assert len(target.calls) == 2


def test_any_other_error_is_not_retried(tmp_path: Path) -> None:
    target = Target(Error("Timeout 30000ms exceeded."))
    with pytest.raises(Error, match="Timeout"):
        screenshot(target, tmp_path / "a.png")
    assert len(target.calls) == 1
