"""Reads that may be a second behind, on PostgreSQL streaming replicas (issue 22 item 4, `DATABASE_REPLICA_URLS`).

Unset, nothing here is installed (no router, no middleware) and every query goes to `default` as before.
Set, the pattern is django-multidb-router's pinning (a write request pins its client to the primary for a few
seconds) with the replica chosen per request, as Saleor sends its read-heavy resolvers to a named replica:

- Only a view marked `@replica_reads` (lists, statistics, exports, the province's figures) reads from a replica,
  and only on a GET/HEAD from a client that has not written within `REPLICA_PIN_SECONDS`: a browser carries the
  `wq_primary` cookie (`ReplicaPinMiddleware` sets it on every POST/PUT/PATCH/DELETE answer), an API client's
  token row holds `primary_until` (written by the same middleware, read with the token at authentication).
- Writes always go to the primary, and so does every read inside a transaction (`select_for_update`,
  `get_or_create`, a workflow function) and every read of `PRIMARY_ONLY` models (sessions, tokens, jobs).
- A replica is used only while its health check passes: connect within `REPLICA_CONNECT_TIMEOUT`, still in
  recovery, its WAL receiver running, replay no more than `REPLICA_MAX_LAG_SECONDS` behind. The verdict is kept
  `REPLICA_CHECK_SECONDS` per process. A replica that fails in the middle of a view is marked down and the view
  runs again on the primary: the client sees a normal answer.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

if TYPE_CHECKING:
    from dj_database_url import DBConfig

logger = logging.getLogger(__name__)

PIN_COOKIE = "wq_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Read on the primary even inside a replica view: what a request's own authentication and progress polling read.
PRIMARY_ONLY = frozenset({"sessions.session", "core.apitoken", "core.job", "core.user"})

# Is the replica still a replica, receiving WAL, and how far behind is its replay (0 when it has replayed all it
# received; an idle primary sends nothing, so the timestamp of the last replayed transaction alone would age).
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def replica_database(url: str, primary: DBConfig, *, connect_timeout: int) -> DBConfig:
    """The DATABASES entry of one replica URL: PostgreSQL only, a short connect timeout, and in tests a mirror of
    the primary (Django creates no test database for it)."""
    import dj_database_url
    from django.core.exceptions import ImproperlyConfigured

    if primary.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL to be PostgreSQL (a streaming primary)")
    entry = dj_database_url.parse(url, conn_max_age=primary.get("CONN_MAX_AGE") or 0)
    if entry.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: {url.split('@')[-1]!r} is not a postgres:// URL")
    binding = {k: v for k, v in primary.get("OPTIONS", {}).items() if k in ("server_side_binding", "prepare_threshold")}
    entry["OPTIONS"] = {**entry.get("OPTIONS", {}), **binding, "connect_timeout": connect_timeout}
    entry["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
    return entry


# --- health ----------------------------------------------------------------------------------------------------


_health: dict[str, tuple[bool, float]] = {}
_health_lock = threading.Lock()
_turn = itertools.count()


def _probe(alias: str) -> bool:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, receiving, lag = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica %s is down, reads go to the primary: %s", alias, str(error).strip()[:200])
        with contextlib.suppress(Exception):
            connection.close()
        return False
    ok = bool(in_recovery and receiving and float(lag) <= settings.REPLICA_MAX_LAG_SECONDS)
    if not ok:
        logger.warning(
            "replica %s is not used: in recovery %s, receiving WAL %s, %.1f s behind",
            alias,
            in_recovery,
            receiving,
            float(lag),
        )
    return ok


def replica_healthy(alias: str) -> bool:
    """The replica's last verdict, checked again once it is `REPLICA_CHECK_SECONDS` old (per process)."""
    now = time.monotonic()
    with _health_lock:
        verdict = _health.get(alias)
    if verdict is not None and now - verdict[1] < settings.REPLICA_CHECK_SECONDS:
        return verdict[0]
    ok = _probe(alias)
    with _health_lock:
        _health[alias] = (ok, time.monotonic())
    return ok


def mark_down(alias: str) -> None:
    with _health_lock:
        _health[alias] = (False, time.monotonic())
    with contextlib.suppress(Exception):
        connections[alias].close()


def forget_health() -> None:
    with _health_lock:
        _health.clear()


def healthy_replica() -> str | None:
    """A replica that passes its check, in turn; None when there is none."""
    aliases = replica_aliases()
    start = next(_turn)
    for i in range(len(aliases)):
        alias = aliases[(start + i) % len(aliases)]
        if replica_healthy(alias):
            return alias
    return None


# --- routing ---------------------------------------------------------------------------------------------------


@dataclass
class _Reading:
    alias: str | None = None  # chosen at the first read that may go to a replica
    chosen: bool = False
    used: set[str] = field(default_factory=set)

    def replica(self) -> str | None:
        if not self.chosen:
            self.alias, self.chosen = healthy_replica(), True
        return self.alias


P = ParamSpec("P")
R = TypeVar("R")

_reading: contextvars.ContextVar[_Reading | None] = contextvars.ContextVar("replica_reading", default=None)


class ReplicaRouter:
    """DATABASE_ROUTERS entry while replicas are configured; see the module's text for when a read may leave."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        reading = _reading.get()
        if reading is None or model._meta.label_lower in PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        alias = reading.replica()
        if alias is None:
            return DEFAULT_DB_ALIAS
        reading.used.add(alias)
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading_from_replica(allowed: bool = True) -> Iterator[_Reading]:
    """Reads inside may go to a healthy replica (a no-op without replicas, or with `allowed` false)."""
    reading = _Reading()
    token = _reading.set(reading if allowed and replica_aliases() else None)
    try:
        yield reading
    finally:
        _reading.reset(token)


def in_replica_reads() -> bool:
    """Is this code running where reads may go to a replica (a `replica_reads` view of a client not pinned)?"""
    return _reading.get() is not None


def replica_or_primary(run: Callable[[], R], *, allowed: bool = True, what: str = "") -> R:
    """`run()` with its reads on a healthy replica; if the replica fails under it (gone, or a query cancelled by
    recovery), the replica is marked down and `run()` is called again on the primary, so the caller never sees the
    failure. `run` must be safe to repeat (it reads; what it writes goes to the primary either way)."""
    if not allowed or not replica_aliases():
        return run()
    with reading_from_replica() as reading:
        try:
            return run()
        except (OperationalError, InterfaceError):
            if not reading.used:
                raise
            failed = set(reading.used)
    for alias in failed:
        logger.warning("replica %s failed during %s; answered from the primary", alias, what)
        mark_down(alias)
    return run()


def pinned_to_primary(request: HttpRequest) -> bool:
    """Has this client written within REPLICA_PIN_SECONDS (or is it writing now)?"""
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return True
    token = getattr(request, "api_token", None)
    until = getattr(token, "primary_until", None)
    return until is not None and until > timezone.now()


def replica_reads(view: Callable[P, R]) -> Callable[P, R]:
    """Marks a view whose reads may be a second behind (a list, statistics, an export, the province's figures).
    Put it next to the function, under the access decorators, so that authentication reads the primary."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not replica_aliases():
            return view(*args, **kwargs)  # no replicas: nothing to decide
        request = next((a for a in args if isinstance(a, HttpRequest)), None)
        allowed = request is not None and not pinned_to_primary(request)
        path = request.path if request is not None else view.__name__
        return replica_or_primary(lambda: view(*args, **kwargs), allowed=allowed, what=path)

    wrapped.replica_reads = True  # type: ignore[attr-defined]  # copied outwards by the decorators above (wraps)
    return wrapped


class ReplicaPinMiddleware:
    """Pins a client that writes to the primary for REPLICA_PIN_SECONDS, so that it reads its own writes: the
    `wq_primary` cookie for a browser, `ApiToken.primary_until` for an API token (installed with replicas only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
            )
            token = getattr(request, "api_token", None)
            if token is not None and token.pk is not None:
                from core.models import ApiToken

                until = timezone.now() + datetime.timedelta(seconds=seconds)
                with contextlib.suppress(DatabaseError):  # the token may have been revoked by this very request
                    ApiToken.objects.filter(pk=token.pk).update(primary_until=until)
        return response
