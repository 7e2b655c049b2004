"""core.client_address: the address the trusted proxy saw, never a forged one, never None (issue 19 item 1)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import RequestFactory

from core import client_address as module
from core.client_address import client_address

PROXY = "127.0.0.1"


def request(remote: str | None = PROXY, forwarded: str | None = None) -> Any:
    meta: dict[str, str] = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    made = RequestFactory().get("/")
    made.META.update(meta)
    if remote is None:
        del made.META["REMOTE_ADDR"]
    else:
        made.META["REMOTE_ADDR"] = remote
    return made


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),  # nginx's $proxy_add_x_forwarded_for for a client that sent none
        ("10.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own header is left of what nginx appended
        ("10.6.6.6,203.0.113.7", "203.0.113.7"),
        ("garbage, 203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", PROXY),  # no header: a probe on the app port
        ("unknown", PROXY),  # not an address: never counted under None
        (", ,", PROXY),
    ],
)
def test_one_trusted_proxy(settings: Any, forwarded: str, expected: str) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request(forwarded=forwarded)) == expected


def test_two_trusted_proxies_take_the_second_entry_from_the_right(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request(forwarded="10.6.6.6, 198.51.100.4, 10.0.0.5")) == "198.51.100.4"
    assert client_address(request(forwarded="10.0.0.5")) == PROXY  # fewer entries than proxies: not through them


def test_without_the_setting_the_header_is_ignored_and_warned_about_once(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    module._warned.clear()
    with caplog.at_level(logging.WARNING, logger="wangqian.security"):
        assert client_address(request(remote="198.51.100.9")) == "198.51.100.9"
        assert caplog.records == []  # no proxy, no warning
        for _ in range(3):
            assert client_address(request(forwarded="203.0.113.7")) == PROXY
    warnings = [r for r in caplog.records if "TRUSTED_PROXY_COUNT is not set" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_never_none(settings: Any) -> None:
    for count in (0, 1):
        settings.TRUSTED_PROXY_COUNT = count
        assert client_address(request(remote=None)) == "0.0.0.0"
        assert client_address(request(remote="")) == "0.0.0.0"
        assert client_address(request(remote="not-an-ip", forwarded="also-not")) == "0.0.0.0"


@pytest.mark.django_db
def test_axes_and_the_request_log_count_the_client(
    client: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    for forged in (None, "10.6.6.6", "10.6.6.6, 198.51.100.1"):
        headers = {"HTTP_X_FORWARDED_FOR": f"{forged}, 203.0.113.7" if forged else "203.0.113.7"}
        client.post("/api/v1/auth/token", {"username": "nobody", "password": "x"}, "application/json", **headers)
    client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "x"},
        "application/json",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    totals: dict[str | None, int] = {}
    for attempt in AccessAttempt.objects.all():
        totals[attempt.ip_address] = totals.get(attempt.ip_address, 0) + attempt.failures_since_start
    assert totals == {"203.0.113.7": 3, "198.51.100.2": 1}
    settings.REQUEST_LOG = True
    with caplog.at_level(logging.INFO, logger="wangqian.request"):
        client.get("/healthz-not/", HTTP_X_FORWARDED_FOR="10.6.6.6, 203.0.113.8")
    logged = [r for r in caplog.records if r.name == "wangqian.request"]
    assert logged and logged[-1].client == "203.0.113.8"  # type: ignore[attr-defined]
