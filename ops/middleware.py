"""Middleware for running in production: health probes answered first, one JSON log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.client_address import client_address
from ops.health import healthz, readyz

request_logger = logging.getLogger("wangqian.request")

PROBES = {"/healthz": healthz, "/readyz": readyz}
# A request id from the proxy (nginx's $request_id) is kept so both logs join; anything else gets a fresh one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class HealthProbeMiddleware:
    """Answers /healthz and /readyz before host validation, HTTPS redirects and sessions: a load balancer probes
    by IP address over plain HTTP, and the answer must not depend on cookies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            response = probe(request)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class RequestLogMiddleware:
    """Logs method, path, status, duration, user id, the client's address (core.client_address) and a request id
    (also sent back as X-Request-ID)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        client = client_address(request)  # before the view: a missing TRUSTED_PROXY_COUNT is reported at once
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "client": client,
            },
        )
        return response
