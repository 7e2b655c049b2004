"""Tasks that only the worker tests enqueue: they record each run in a file, so a test can count runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


def _append(path: str, line: str) -> None:
    # One write() of a short line with O_APPEND: lines of concurrent processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@task()
def record_run(number: int, log: str) -> int:
    _append(log, f"{number} {os.getpid()}")
    return number


@task()
def wait_for_release(log: str, release: str) -> str:
    """Notes its start, then waits (at most a minute) until the test creates the release file."""
    _append(log, f"start {os.getpid()}")
    deadline = time.monotonic() + 60
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    _append(log, f"done {os.getpid()}")
    return "done"
