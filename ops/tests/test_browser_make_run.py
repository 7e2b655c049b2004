"""Passkeys on the demo as `make run` serves it (outsider F4): browsers refuse an IP address as a passkey's relying
party, so the demo's address and SITE_URL are by name (http://localhost:PORT) and a graduate adds a passkey there on
a phone with the browser's own WebAuthn (a virtual authenticator through the DevTools WebAuthn domain); opened at
127.0.0.1 instead, 账号安全 says which address works. Screenshots in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ops.tests.support import free_port
from ops.tests.test_make_run import _make_run, demo_database, run_env  # noqa: F401  (the fixtures)
from sampledata.demo import DEMO_PASSWORD
from school.tests.test_browser_staff import PHONE, Browser

pytestmark = pytest.mark.browser


def _address(make: Any, console: Path) -> str:
    """The address the console ends with, once the site answers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and make.poll() is None:
        found = re.search(r"running at (\S+)/  \(SITE_URL (\S+?);", console.read_text(errors="replace"))
        if found:
            assert found.group(1) == found.group(2), found.group(0)  # the address to open is the links' base
            return found.group(1)
        time.sleep(0.5)
    raise AssertionError(console.read_text(errors="replace")[-3000:])


def test_a_passkey_is_added_on_the_demo_as_make_run_serves_it(
    tmp_path: Path,
    run_env: dict[str, str],  # noqa: F811
    browser: Any,
    screenshots: Path,
) -> None:
    port = free_port()
    with _make_run(tmp_path, run_env, port) as (make, console):
        address = _address(make, console)
        assert address == f"http://localhost:{port}"
        assert urlsplit(address).hostname == "localhost"  # a name, which browsers accept as the relying party

        graduate = Browser(browser, address, screenshots, "demo", viewport=PHONE)
        page = graduate.page
        graduate.login("10145:2027006", DEMO_PASSWORD, landing=r"/student/")
        graduate.authenticator()
        graduate.go("/account/security/")
        expect(page.locator("#passkey-address-hint")).to_have_count(0)
        page.fill("#id_passkey_name", "演示手机")
        page.click("button:has-text('添加通行密钥')")
        expect(page.locator("#passkeys input[value='演示手机']")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        graduate.shot("passkey-added")

        # The same server opened at its IP address: the page says where passkeys work, before and after trying.
        by_ip = Browser(browser, f"http://127.0.0.1:{port}", screenshots, "by-ip", viewport=PHONE)
        by_ip.login("10145:2027007", DEMO_PASSWORD, landing=r"/student/")
        by_ip.authenticator()
        by_ip.go("/account/security/")
        hint = by_ip.page.locator("#passkey-address-hint")
        expect(hint).to_contain_text("IP 地址")
        expect(hint.locator(f"a[href='http://localhost:{port}/']")).to_be_visible()
        by_ip.page.click("button:has-text('添加通行密钥')")
        expect(by_ip.page.locator("[data-passkey-error]")).to_contain_text(f"http://localhost:{port}/")
        by_ip.shot("hint-at-ip")
        for person in (graduate, by_ip):
            person.context.close()
        make.send_signal(signal.SIGTERM)
        make.wait(timeout=60)
