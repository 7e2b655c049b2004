"""The client's address through the real nginx site of deploy/ in front of `make serve` (issue 19 item 1).

Clients connect from two loopback addresses (127.0.0.2, 127.0.0.3) to nginx, which proxies to the production
server (manage.py serve_production) on PostgreSQL. With TRUSTED_PROXY_COUNT=1 each client has its own counter, a
forged X-Forwarded-For changes nothing, and 30 failures from one address lock nobody else. Without the setting the
server says once, loudly, that requests arrive through a proxy it was not told about.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ops.tests.support import MANAGE, ROOT, free_port, production_env
from ops.tests.test_deploy import DEPLOY, nginx_binary, self_signed
from ops.tests.test_serve import fresh_database, signing  # noqa: F401  # fixtures

HOST = "wangqian.example.edu.cn"
PASSWORD = "Gut-2027-passwort"
A, B = "127.0.0.2", "127.0.0.3"


def nginx_site(tmp_path: Path, nginx_port: int, app_port: int) -> Path:
    cert, key = self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "wangqian.conf").read_text()
    site = site.replace("/etc/ssl/wangqian/fullchain.pem", str(cert)).replace("/etc/ssl/wangqian/privkey.pem", str(key))
    site = site.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{nginx_port} ssl;").replace(
        "listen [::]:443 ssl http2;", ""
    )
    site = site.replace("/srv/wangqian/staticfiles/", f"{tmp_path}/static/")
    assert "$proxy_add_x_forwarded_for" in site
    (tmp_path / "site.conf").write_text(site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    return conf


class Through:
    """HTTPS requests to nginx from one source address."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, source_address=(self.source, 0), context=self.context, timeout=30
        )
        try:
            conn.request(
                "POST",
                path,
                json.dumps(body),
                {"Host": HOST, "Content-Type": "application/json", **(headers or {})},
            )
            response = conn.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data.startswith(b"{") else data
        finally:
            conn.close()

    def login(self, username: str, password: str, forged: str | None = None) -> int:
        headers = {"X-Forwarded-For": forged} if forged else None
        return self.post("/api/v1/auth/token", {"username": username, "password": password}, headers)[0]


def wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the server never answered /healthz:\n{log.read_text()[-3000:]}")


def counters(database: str) -> dict[str | None, int]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT host(ip_address), sum(failures_since_start) FROM axes_accessattempt GROUP BY 1"
        ).fetchall()
    return {address: int(total) for address, total in rows}


@pytest.fixture
def nginx_and_serve(
    fresh_database: str,  # noqa: F811
    signing: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> Iterator[dict[str, Any]]:
    binary = nginx_binary()
    app_port, nginx_port = free_port(), free_port()
    env = production_env(
        DATABASE_URL=fresh_database,
        PORT=str(app_port),
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS=HOST,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        TRUSTED_PROXY_COUNT="1",
        **signing,
    )
    state: dict[str, Any] = {"database": fresh_database, "env": env, "port": nginx_port, "app_port": app_port}
    servers: list[subprocess.Popen[bytes]] = []

    def start(log: Path, **extra: str) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            server = subprocess.Popen(
                [*MANAGE, "serve_production", "--roles", "web", *(["--no-migrate"] if servers else [])],
                cwd=ROOT,
                env={**env, **extra},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        servers.append(server)
        wait_until_up(app_port, server, log)
        return server

    state["start"], state["servers"] = start, servers
    start(tmp_path / "serve.log")
    created = subprocess.run(
        [
            *MANAGE,
            "shell",
            "-c",
            "from core.models import User, Role; "
            f"User.objects.create_user('hr-zhang', password='{PASSWORD}', role=Role.EMPLOYER)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr.decode()
    conf = nginx_site(tmp_path, nginx_port, app_port)
    nginx = subprocess.run([binary, "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert nginx.returncode == 0, nginx.stderr
    try:
        yield state
    finally:
        subprocess.run([binary, "-p", str(tmp_path), "-c", str(conf), "-s", "stop"], capture_output=True, timeout=30)
        for server in servers:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)


def test_two_clients_behind_nginx_have_two_counters_and_a_forged_header_changes_nothing(
    nginx_and_serve: dict[str, Any], tmp_path: Path
) -> None:
    port, database = nginx_and_serve["port"], nginx_and_serve["database"]
    a, b = Through(port, A), Through(port, B)

    assert [a.login("nobody-a", "wrong") for _ in range(3)] == [401] * 3
    # B writes its own header, claiming A's address and another: counted under B's own address all the same
    assert b.login("nobody-b", "wrong", forged=A) == 401
    assert b.login("nobody-b", "wrong", forged=f"10.6.6.6, {A}") == 401
    assert counters(database) == {A: 3, B: 2}, "one counter per client address, none under None or a forged one"
    # the request log names the same client
    time.sleep(1)
    logged = [
        json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if '"wangqian.request"' in line
    ]
    tokens = [r["client"] for r in logged if r["path"] == "/api/v1/auth/token"]
    assert tokens == [A, A, A, B, B], tokens

    # 30 failures from A (against many accounts and against hr-zhang): nobody else is locked
    statuses = [a.login(f"guess-{n}", "wrong") for n in range(25)]
    statuses += [a.login("hr-zhang", f"wrong-{n}") for n in range(5)]
    assert statuses[:20] == [401] * 20
    figures = counters(database)
    assert figures[A] >= 30 - statuses.count(429) and None not in figures
    assert a.login("hr-zhang", PASSWORD) == 429  # the guesser's own address is refused for that account
    assert b.login("hr-zhang", PASSWORD) == 200
    assert b.login("hr-zhang", PASSWORD, forged="10.6.6.6") == 200
    assert Through(port, "127.0.0.4").login("hr-zhang", PASSWORD, forged=A) == 200
    print(f"through nginx: counters {counters(database)}; after 30 failures from {A}, {B} logs in: 200")

    # Without TRUSTED_PROXY_COUNT every client looks like the proxy: the server says so, once.
    log = tmp_path / "serve-unset.log"
    for running in nginx_and_serve["servers"]:
        if running.poll() is None:
            running.send_signal(signal.SIGTERM)
            running.wait(timeout=60)
    nginx_and_serve["start"](log, TRUSTED_PROXY_COUNT="0")
    assert [b.login("nobody-c", "wrong") for _ in range(3)] == [401] * 3
    time.sleep(1)
    text = log.read_text()
    assert len(re.findall(r"TRUSTED_PROXY_COUNT is not set", text)) == 1, text[-3000:]
    assert "127.0.0.1" in counters(database), "the proxy's address, as warned"
