"""`make run`: the demo site as the Makefile starts it, with DEBUG off (a 404 is our Chinese page), static files and
the favicon still served, and a demo account able to sign in."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from core.demo import DEMO_PASSWORD
from ops.tests.support import ROOT, free_port


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


def test_make_run_serves_the_demo_with_debug_off(tmp_path: Path) -> None:
    port = free_port()
    migrate, load_demo, serve = _make_run_commands(port)
    env = _env(tmp_path)
    for step in (migrate, load_demo):
        subprocess.run(["sh", "-c", step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
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
