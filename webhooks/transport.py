"""One HTTP POST to a school's endpoint, safe against the URL pointing where it should not.

A school admin types the URL, so it is an attacker's tool too (SSRF): the host is resolved once, every address
it resolves to must be allowed (public, or inside WEBHOOK_ALLOWED_NETWORKS; loopback, link-local such as the
cloud metadata address, and the private ranges only when listed there), and the connection goes to the address
that was checked, so a DNS answer that changes in between (rebinding) cannot redirect it. Redirects are not
followed; the answer's body is not read beyond a few bytes."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class Refused(Exception):
    """The URL is not one this installation posts to (the message is shown to the admin)."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in settings.WEBHOOK_ALLOWED_NETWORKS]


_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, IPv4-compatible): a route may lead there."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if any(ip in net for net in _NAT64) or (0 < int(ip) < 2**32):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check_address(address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip] if embedded is None else [ip, embedded]
    for candidate in candidates:
        if any(candidate in net for net in allowed_networks()):
            continue
        if not candidate.is_global or candidate.is_multicast:
            raise Refused(
                f"推送地址解析到内网或本机地址 {ip}，不允许推送"
                "（如需推送到校内系统，请由运维在 WEBHOOK_ALLOWED_NETWORKS 中登记其网段）"
            )


def resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"无法解析推送地址的主机名 {host}") from exc
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        check_address(str(address))
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve(host, port)
        cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = cls(host, port, address, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
        try:
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            connection.request("POST", path, body=body.encode(), headers={**headers, "user-agent": "wangqian-webhooks"})
            response = connection.getresponse()
            response.read(1024)
            # http.client reads the status line as Latin-1; a server that answers in UTF-8 (中文) is read back.
            reason = response.reason.encode("latin-1", "replace").decode("utf-8", "replace")
            return Outcome(response.status, took(), "" if 200 <= response.status < 300 else reason[:200])
        finally:
            connection.close()
    except Refused as exc:
        return Outcome(None, took(), str(exc)[:200])
    except TimeoutError:
        return Outcome(None, took(), f"超过{settings.WEBHOOK_TIMEOUT_SECONDS}秒未响应")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, took(), f"连接失败：{type(exc).__name__} {exc}"[:200])
