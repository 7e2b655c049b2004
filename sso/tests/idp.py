"""The test identity servers (sso_servers/) as the tests see them: started once per test session in a
subprocess, people enrolled over HTTP, and a person's way through a login page driven with requests."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

REPO = Path(__file__).resolve().parent.parent.parent
IDP_PASSWORD = "idp-pass-2026"
CLIENT_ID = "wangqian-lnu"
CLIENT_SECRET = "oidc-secret-for-tests"
TEST_REDIRECT = "http://testserver/sso/oidc/callback/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class IdentityServers:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def cas_url(self) -> str:
        return f"{self.url}/cas/"

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def _post(self, path: str, data: dict[str, str]) -> None:
        response = requests.post(
            self.url + path, json=data, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )
        response.raise_for_status()

    def enrol(self, username: str, password: str = IDP_PASSWORD) -> str:
        """A person the school's directory knows (whether or not the roster does)."""
        self._post("/testing/users", {"username": username, "password": password})
        return username

    def allow_redirect(self, uri: str) -> None:
        self._post("/testing/redirect-uris", {"client_id": CLIENT_ID, "uri": uri})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(folder: Path) -> IdentityServers:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    token = secrets.token_urlsafe(16)
    env = {
        **os.environ,
        "SSO_SERVERS_DB": str(folder / "servers.sqlite3"),
        "SSO_SERVERS_URL": url,
        "SSO_SERVERS_TOKEN": token,
        "SSO_SERVERS_CLIENTS": json.dumps(
            [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [TEST_REDIRECT]}]
        ),
        "PYTHONPATH": str(REPO),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = folder / "servers.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sso.tests.sso_servers.serve", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    servers = IdentityServers(url, token, process, log)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the test identity servers stopped: {log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/openid/.well-known/openid-configuration", timeout=2).status_code == 200:
                return servers
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            servers.stop()
            raise RuntimeError(f"the test identity servers did not answer: {log.read_text()[-3000:]}")
        time.sleep(0.2)


class _Form(HTMLParser):
    """The first form of a page: its action and its fields' values."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if self.done:
            return
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and self.action is not None and values.get("name") and values.get("type") != "checkbox":
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self.done = True


def sign_in_at(login_url: str, username: str, password: str = IDP_PASSWORD) -> str:
    """What a person does at the school's login page: returns where the server sends the browser back to
    (the service URL with a ticket, or the redirect URI with code and state)."""
    session = requests.Session()
    parts = urlsplit(login_url)
    server = f"{parts.scheme}://{parts.netloc}/"
    url = login_url
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (301, 302, 303):
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(server):
                return location  # back to wangqian
            url = location
            continue
        form = _Form()
        form.feed(response.text)
        assert form.action is not None, response.text[:2000]
        data = {**form.fields, "username": username, "password": password}
        posted = session.post(urljoin(url, form.action or url), data=data, allow_redirects=False, timeout=10)
        assert posted.status_code in (301, 302, 303), posted.text[:2000]
        location = urljoin(url, posted.headers["Location"])
        if not location.startswith(server):
            return location
        url = location
    raise AssertionError("no way back from the school's login page")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
