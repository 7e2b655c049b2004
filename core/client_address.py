"""The client's address: the one function the login throttle (axes' AXES_CLIENT_IP_CALLABLE), the 统一身份认证
throttle, the request log and every record of who acted from where read it from.

Without TRUSTED_PROXY_COUNT the client is whoever opened the connection (REMOTE_ADDR) and X-Forwarded-For is
ignored: anybody can write that header. Behind N trusted proxies that each append the address they saw (nginx's
`X-Forwarded-For: $proxy_add_x_forwarded_for`, deploy/nginx), the client is the N-th entry from the right: the
address the outermost trusted proxy saw. Entries left of it are the client's own words and change nothing. A
request that carries fewer entries than that did not come through the proxies (a probe on the application port):
its connection's address counts. An entry that is no address falls back the same way, so the answer is always an
address and never None (axes would count every such request under one shared None).

When requests arrive with X-Forwarded-For and TRUSTED_PROXY_COUNT is 0, every client looks like the proxy: the
first such request logs a warning (once per process) naming the setting.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("wangqian.security")

UNKNOWN = "0.0.0.0"  # no address at all (a unix socket without a proxy): still one valid address
ATTRIBUTE = "client_address"

_warned = threading.Event()

WARNING = (
    "Requests arrive with an X-Forwarded-For header (from %s) but TRUSTED_PROXY_COUNT is not set: every client "
    "looks like the proxy, so one client's failed logins throttle everybody. Set TRUSTED_PROXY_COUNT=1 behind the "
    "nginx site of deploy/ (docs/DEPLOY.md)."
)


def normalized(value: str) -> str | None:
    """The address in `value` in its canonical form (an IPv4-mapped IPv6 address as IPv4), or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]  # [2001:db8::1]:443
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # 203.0.113.9:51234
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _resolve(request: HttpRequest) -> str:
    remote = normalized(str(request.META.get("REMOTE_ADDR") or "")) or UNKNOWN
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        if forwarded and not _warned.is_set():
            _warned.set()
            logger.warning(WARNING, remote)
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    if len(entries) < count:
        return remote
    return normalized(entries[-count]) or remote


def client_address(request: HttpRequest) -> str:
    """The client's address for this request (computed once, kept on the request)."""
    known = getattr(request, ATTRIBUTE, None)
    if isinstance(known, str):
        return known
    address = _resolve(request)
    with contextlib.suppress(AttributeError):  # a request object that takes no attributes
        setattr(request, ATTRIBUTE, address)
    return address
