"""`make run`: the demo site as the Makefile starts it, with DEBUG off (a 404 is our Chinese page), static files and
the favicon still served, and a demo account able to sign in; its console ends with the address and the demo
logins (mail and SMS go to files); stopped with SIGTERM or Ctrl-C it stops every process it started."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.tests.support import ROOT, free_port
from sampledata.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def _make_run_commands(port: int) -> list[str]:
    """The database and server steps `make run` would run (make -n prints them without running them)."""
    printed = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    steps = [line for line in printed.splitlines() if re.search(r"manage\.py (migrate|load_demo|serve)\b", line)]
    assert [re.search(r"manage\.py (\w+)", s).group(1) for s in steps] == ["migrate", "load_demo", "serve"]  # type: ignore[union-attr]
    return steps


def _env(tmp_path: Path) -> dict[str, str]:
    # What a developer's shell has: no test settings, no DEBUG of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_")) and k != "DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="wangqian.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        WANGQIAN_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    return env


class _Opener:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, data: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path} if data is not None else {}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name and c.value is not None)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database `make run`'s first two steps leave (migrated, demo loaded), built once for this module."""
    folder = tmp_path_factory.mktemp("make-run")
    env = _env(folder)
    migrate, load_demo, _ = _make_run_commands(free_port())
    for step in (migrate, load_demo):
        subprocess.run(["sh", "-c", step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return folder / "run.sqlite3"


@pytest.fixture
def run_env(tmp_path: Path, demo_database: Path) -> dict[str, str]:
    shutil.copy(demo_database, tmp_path / "run.sqlite3")
    return _env(tmp_path)


def test_make_run_serves_the_demo_with_debug_off(tmp_path: Path, run_env: dict[str, str]) -> None:
    port = free_port()
    *_, serve = _make_run_commands(port)
    env = run_env
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # Its own process group: the server and the worker and scheduler it starts are stopped together.
        server = subprocess.Popen(
            ["sh", "-c", serve], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    site = _Opener(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = site.get("/login/")[0]
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, log.read_text()[-3000:]

        status, _, body = site.get("/no-such-page/")
        assert status == 404
        page = body.decode()
        assert "页面不存在（404）" in page and "返回首页" in page
        assert "URLconf" not in page and "Traceback" not in page and "DEBUG = True" not in page

        status, headers, _ = site.get("/static/css/wangqian.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        status, headers, icon = site.get("/favicon.ico")
        assert status == 200 and headers["Content-Type"] == "image/x-icon" and icon[:4] == b"\x00\x00\x01\x00"

        # The demo still works: a school admin signs in and sees the review queue.
        site.get("/login/")
        token = site.cookie("csrftoken")
        status, _, body = site.get(
            "/login/", {"username": "school1", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert status == 200 and "签约审核" in body.decode(), body.decode()[-2000:]
    finally:
        with contextlib.suppress(ProcessLookupError):  # it had already stopped (the assertion shows its log)
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _session(sid: int) -> list[str]:
    """Every process of the session `sid` still alive (a process orphaned under init keeps its session)."""
    left = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses, so split after its end.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            left.append(f"{entry.name} {cmdline}")
    return left


def _queue_drained(database: Path) -> bool:
    """The demo's e-mails and documents, queued by load_demo, have been sent and drawn by the worker."""
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        (waiting,) = db.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
        ).fetchone()
    return bool(waiting == 0)


@contextlib.contextmanager
def _make_run(tmp_path: Path, env: dict[str, str], port: int) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`make run` itself (its migrate step already done), in a session of its own, its console in a file."""
    console = tmp_path / "console.log"
    with console.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-o", "migrate", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield make, console
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGKILL)  # whatever the test left behind
        make.wait(timeout=30)


def _wait_until_ready(make: subprocess.Popen[bytes], console: Path, database: Path) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and make.poll() is None:
        text = console.read_text(errors="replace")
        if "Ctrl-C" in text and _queue_drained(database):
            time.sleep(1)  # anything printed after the tasks ran would be there by now
            return console.read_text(errors="replace")
        time.sleep(0.5)
    raise AssertionError(console.read_text(errors="replace")[-3000:])


def test_the_console_ends_with_the_address_and_the_logins(tmp_path: Path, run_env: dict[str, str]) -> None:
    port = free_port()
    with _make_run(tmp_path, run_env, port) as (make, console):
        text = _wait_until_ready(make, console, tmp_path / "run.sqlite3")
        # The ~36 e-mails and the SMS lines of the demo's events went to files, not over the logins.
        assert "Content-Type: text/plain" not in text and "【就业协议书网签】" not in text
        mail = list((tmp_path / "var" / "outbox" / "mail").iterdir())
        assert len(mail) >= 1 and "Content-Type: text/plain" in mail[0].read_text()
        assert (tmp_path / "var" / "outbox" / "sms" / "sms.log").read_text().count("\n") >= 1
        # No warning that looks like an error.
        assert "W040" not in text and "No directory at" not in text and "Traceback" not in text
        tail = [line.strip() for line in text.splitlines() if line.strip()][-(len(DEMO_ACCOUNTS) + 5) :]
        # The address to open and the links' SITE_URL are by name: browsers refuse passkeys on an IP address.
        assert f"running at http://localhost:{port}/" in tail[0], text[-2000:]
        site_url = re.search(r"SITE_URL (\S+?);", tail[0])
        assert site_url and site_url.group(1) == f"http://localhost:{port}", tail[0]
        assert any(DEMO_PASSWORD in line for line in tail)
        for username, description in DEMO_ACCOUNTS:
            assert any(line.startswith(username) and description in line for line in tail), tail
        assert tail[-1].endswith("Ctrl-C")
        make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)


@pytest.mark.parametrize("stop", ["SIGTERM to make", "Ctrl-C"])
def test_stopping_make_run_stops_everything_it_started(tmp_path: Path, run_env: dict[str, str], stop: str) -> None:
    """`kill <make's pid>` (a service manager, a script) or Ctrl-C in the terminal (SIGINT to the whole
    foreground group): the server, both task workers and the scheduler all stop; none is left under init."""
    port = free_port()
    with _make_run(tmp_path, run_env, port) as (make, console):
        _wait_until_ready(make, console, tmp_path / "run.sqlite3")
        started = _session(make.pid)
        assert sum("run_worker" in p for p in started) == 2 and sum("run_scheduler" in p for p in started) == 1
        assert sum("runserver" in p for p in started) == 1, started
        if stop == "Ctrl-C":
            os.killpg(make.pid, signal.SIGINT)
        else:
            make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _session(make.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _session(make.pid) == [], console.read_text(errors="replace")[-3000:]
