"""One process group for `make run` and `make serve`: start the server, the task workers and the scheduler, and
stop every one of them together, whichever way the group ends (SIGTERM to the parent, Ctrl-C in the terminal,
SIGHUP, or one of them dying).

A child that outlived its parent would keep taking jobs from the queue under init with nobody to stop it, and the
next `make run` would start a second set beside it. On Linux each child also asks the kernel for SIGTERM when its
parent goes (PR_SET_PDEATHSIG), so not even a SIGKILL of the parent leaves one behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import IO

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Child:
    name: str
    argv: list[str]
    # Where its output goes: None inherits the console; a file keeps a chatty helper off it.
    output: IO[bytes] | None = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Without prctl (not Linux) the signal handlers below still stop the children.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(
    commands: list[tuple[str, list[str]]] | list[Child],
    env: dict[str, str],
    *,
    stop_timeout: float = 30,
    ready: Callable[[], bool] | None = None,
    on_ready: Callable[[], None] | None = None,
) -> int:
    """Run the commands until one exits (then stop the rest and return 1) or a signal asks to stop (return 0).

    `on_ready()` is called once, as soon as `ready()` first answers true while all of them run."""
    children = [c if isinstance(c, Child) else Child(c[0], c[1]) for c in commands]
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    running = [
        (
            child.name,
            subprocess.Popen(child.argv, env=env, stdout=child.output, stderr=child.output, preexec_fn=preexec),
        )
        for child in children
    ]
    announced = ready is None
    code = 0
    while not stopping:
        dead = [(name, process) for name, process in running if process.poll() is not None]
        if dead:
            for name, process in dead:
                print(f"wangqian: {name} exited with {process.returncode}; stopping the others", file=sys.stderr)
            code = 1
            break
        if not announced and ready is not None and ready():
            announced = True
            if on_ready:
                on_ready()
        time.sleep(0.2 if not announced else 0.5)
    stop(running, stop_timeout)
    return code


def stop(running: list[tuple[str, subprocess.Popen[bytes]]], timeout: float) -> None:
    """SIGTERM to every child still running, then SIGKILL to any that has not exited within `timeout`."""
    for _, process in running:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout
    for _, process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
