"""A task worker on SQLite outlives a write that holds the database past the busy timeout (a large 生源导入 in the
demo): the library tolerates the lock only while it looks for a task, so a task finishing during the lock, whose
result could not be recorded, ended the worker, and `make run`, which stops every process when one dies, stopped the
whole site (outsider finding F11)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ops.tests.support import MANAGE, ROOT, production_env


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_worker_waits_out_a_locked_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    env = production_env(DATABASE_URL=f"sqlite:///{database}", SQLITE_BUSY_TIMEOUT="1", ALLOWED_HOSTS="localhost")
    subprocess.run([*MANAGE, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
    runs, release = tmp_path / "runs.log", tmp_path / "release"
    enqueue = f"from ops.tests.tasks import wait_for_release; wait_for_release.enqueue('{runs}', '{release}')"
    subprocess.run([*MANAGE, "shell", "-c", enqueue], env=env, cwd=ROOT, check=True)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [*MANAGE, "run_worker", "--interval", "0.2", "--worker-id", "w1"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _until(lambda: runs.exists(), 120, f"the task never started:\n{log.read_text()[-2000:]}")
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the long write; the task ends meanwhile and cannot record its result
        release.touch()
        _until(lambda: "done" in runs.read_text(), 30, "the task did not end")
        time.sleep(10)  # longer than the library retries recording the result, then recording the failure
        holder.execute("COMMIT")
        holder.close()
        time.sleep(2)
        assert worker.poll() is None, f"the worker died on the lock:\n{log.read_text()[-3000:]}"
        assert "Database locked; the worker goes on" in log.read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert worker.returncode == 0, log.read_text()[-3000:]
