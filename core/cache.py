"""The default cache when CACHE_URL is set: each process's memory in front of one Redis shared by the host group.

A list's kept count, the menu's to-do counts, the statistics figures and the preview PNGs are computed once per host
group, not once per gunicorn worker (and again by every worker `--max-requests` recycles).

- L1, this process's memory (Django's LocMemCache, shared by the process's threads): what this process read or wrote,
  kept at most LOCAL_SECONDS (what it wrote never longer than the value's own timeout; what it read from Redis the
  full LOCAL_SECONDS, Redis not saying how long it still keeps it). A list page reads the cache up to eight
  times; from memory each read costs microseconds, from Redis a round trip (docs/DEPLOY.md has the figures).
- L2, Redis (Django's own RedisCache): the values every process shares. Reads try L1, then L2 (an L2 hit is copied
  into L1, and so is an L2 miss, as `ABSENT`: a key no process has set — the menu's exact counts, which are never
  kept — costs no round trip on every page); writes and deletes go to both. So a value another process set, changed
  or deleted is seen at most LOCAL_SECONDS late.
- Redis down, unreachable or slow never fails a request: connecting and answering are bounded by REDIS_TIMEOUT
  (seconds), a failure is a miss (a read) or nothing (a write), and after one the process leaves Redis alone for
  BREAKER_SECONDS (L1 alone serves meanwhile), so a down Redis costs one timeout per process and period, not one per
  request; the warning is logged once per period. A URL redis-py cannot use at all (`_check_location`) is no outage but
  the settings: refused when the backend is made, which gunicorn's master does before it forks (ops.warm).
- A value in Redis this process cannot unpickle (a class an upgrade renamed, bytes another program wrote under one of
  our keys) is a miss too, and is removed from Redis so the next write replaces it; Redis answered, so the breaker
  stays closed. Logged once per period. A value that cannot be pickled raises on a write, as with Django's own caches:
  a programming error, not an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MISSING = object()
_NOT_INTEGER = object()  # Redis refused an INCR of this value
# Redis's replies refusing an INCR of the value itself (not an integer; past its signed 64-bit range).
_INCR_REFUSALS = ("value is not an integer", "would overflow")


class _Absent:
    """What L1 keeps for a key Redis did not have. LocMemCache pickles what it keeps; this pickles as a reference to
    `ABSENT`, so it comes back as the same object."""

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def _as_made(key: str, key_prefix: str, version: Any) -> str:
    """The levels' key function: the two-level cache has already made the key (its prefix and version)."""
    return key


class _Local(LocMemCache):
    def validate_key(self, key: Any) -> None:
        """Validated once, by the two-level cache."""


class _Shared(RedisCache):
    def validate_key(self, key: Any) -> None:
        """Validated once, by the two-level cache."""


class _Unreadable:
    """What `_Serializer` reads for bytes it cannot unpickle: the error, for the log."""

    def __init__(self, error: Exception):
        self.error = error


class _Serializer(RedisSerializer):
    """Django's (integers as such, anything else pickled), except that bytes which cannot be unpickled read as
    `_Unreadable` rather than raise: an error here failed every request reading the key until it expired."""

    def loads(self, data: Any) -> Any:
        try:
            return super().loads(data)
        except Exception as error:  # unpickling runs the classes' own code: it may raise anything
            return _Unreadable(error)


class Breaker:
    """Whether this process asks Redis now: open for `seconds` after a failure. One per process and L1 (Django makes
    a cache backend per thread; they share it), so a down Redis is found once per period, not once per thread."""

    def __init__(self, where: str, seconds: float):
        self.where = where
        self.seconds = seconds
        self.open_until = 0.0
        self.attempts = 0  # calls made to Redis: what a test reads to see that an open breaker skipped it
        self.failures = 0
        self.unreadable = 0  # values found in Redis that could not be unpickled
        self._unreadable_quiet_until = 0.0
        self._lock = threading.Lock()

    def closed(self) -> bool:
        # The wall clock, as LocMemCache's expiry (and so tests can move it); a clock stepped back past the period's
        # start closes the breaker rather than keeping Redis off for as long as the step.
        now = time.time()
        return not (self.open_until - self.seconds <= now < self.open_until)

    def trip(self, error: Exception) -> None:
        with self._lock:
            self.failures += 1
            if not self.closed():  # another thread failed first: one warning per period
                return
            self.open_until = time.time() + self.seconds
        logger.warning(
            "cache: Redis at %s failed (%s: %s); this process uses its own memory only for %g s",
            self.where,
            type(error).__name__,
            error,
            self.seconds,
        )

    def found_unreadable(self, key: str, error: Exception) -> None:
        """A value Redis keeps that this process cannot unpickle: no Redis failure, the breaker stays closed. One
        warning per period (a rolling upgrade may find many); the key, never the value."""
        with self._lock:
            self.unreadable += 1
            now = time.time()
            if now < self._unreadable_quiet_until:
                return
            self._unreadable_quiet_until = now + self.seconds
        logger.warning(
            "cache: a value under %s in Redis at %s cannot be read (%s); removed: a miss",
            key,
            self.where,
            type(error).__name__,
        )


_breakers: dict[tuple[str, str], Breaker] = {}
_breakers_lock = threading.Lock()


def url_without_credentials(location: str) -> str:
    """The Redis URL without its credentials, for a log or a printout (benchmarks/bench_scale.py)."""
    parts = urlsplit(location)
    host = parts.hostname or parts.path
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port number: refused by _check_location
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path if parts.hostname else ''}"


def _check_location(shared: RedisCache) -> None:
    """Refuse, when the backend is made (in gunicorn's master: ops.warm), a URL redis-py would refuse on every use — a
    port that is no number, a query parameter it does not know or cannot read (`?timeout=1`, `?db=x`). That is no
    Redis failing but the settings: left to the first use, every request that reads the cache answered 500. Each
    server's connection is built, not connected. The message names the server without its password."""
    client: Any = shared._cache  # type: ignore[attr-defined]  # Django's RedisCacheClient: its URLs and options
    for server in client._servers:
        try:
            client._pool_class.from_url(server, **client._pool_options).make_connection()
        except (RedisError, ValueError, TypeError) as error:
            message = str(error)
            password = urlsplit(server).password
            if password:
                message = message.replace(password, "***")
            raise ImproperlyConfigured(f"CACHE_URL {url_without_credentials(server)} is refused: {message}") from None


class TwoLevelCache(BaseCache):
    """`LOCATION`: the Redis URL(s) as Django's RedisCache takes them. `OPTIONS`: LOCAL_SECONDS (L1's longest keep,
    0: no L1), REDIS_TIMEOUT (seconds to connect or answer), BREAKER_SECONDS, LOCAL_NAME (the L1 and its breaker: the
    location unless given; tests give two instances different names to stand for two processes), LOCAL_MAX_ENTRIES;
    anything else goes to redis-py's connection pool."""

    def __init__(self, location: str, params: dict[str, Any]):
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        self.local_seconds = float(options.pop("LOCAL_SECONDS", 5))
        redis_timeout = float(options.pop("REDIS_TIMEOUT", 0.1))
        breaker_seconds = float(options.pop("BREAKER_SECONDS", 5))
        name = str(options.pop("LOCAL_NAME", location))
        local_entries = int(options.pop("LOCAL_MAX_ENTRIES", 300))
        self.local: LocMemCache | None = None
        if self.local_seconds > 0:
            self.local = _Local(
                f"two-level:{name}",
                {"KEY_FUNCTION": _as_made, "TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": local_entries}},
            )
        self.shared = _Shared(
            location,
            {
                "KEY_FUNCTION": _as_made,
                "TIMEOUT": None,
                "OPTIONS": {
                    "socket_connect_timeout": redis_timeout,
                    "socket_timeout": redis_timeout,
                    # Never again within the request: the breaker decides when Redis is asked next.
                    "retry": Retry(NoBackoff(), 0),
                    "serializer": _Serializer,
                    **options,
                },
            },
        )
        _check_location(self.shared)
        with _breakers_lock:
            self.breaker = _breakers.setdefault(
                (location, name), Breaker(url_without_credentials(location), breaker_seconds)
            )

    # --- the two levels -----------------------------------------------------------------------------------------

    def _redis(self, call: Callable[[], T], failed: T) -> T:
        """`call()` on Redis, or `failed` while the breaker is open or when Redis fails (which opens it)."""
        breaker = self.breaker
        if not breaker.closed():
            return failed
        breaker.attempts += 1
        try:
            return call()
        except RedisError as error:
            breaker.trip(error)
            return failed

    def _timeout(self, timeout: Any) -> float | None:
        return self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout

    def _local_timeout(self, timeout: float | None) -> float:
        """L1 keeps a value at most LOCAL_SECONDS and never past its own timeout (0 or less: not at all)."""
        return self.local_seconds if timeout is None else min(timeout, self.local_seconds)

    def _readable(self, key: str, found: Any) -> Any:
        """`found`, or `_MISSING` for a value that could not be unpickled, which is deleted from Redis (a value
        another process wrote between the read and the delete goes with it: one more computation)."""
        if not isinstance(found, _Unreadable):
            return found
        self.breaker.found_unreadable(key, found.error)
        self._redis(lambda: self.shared.delete(key), None)
        return _MISSING

    # --- reads ----------------------------------------------------------------------------------------------------

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        local = self.local
        if local is not None:
            found = local.get(key, _MISSING)
            if found is ABSENT:
                return default
            if found is not _MISSING:
                return found
        found = self._readable(key, self._redis(lambda: self.shared.get(key, _MISSING), _MISSING))
        if local is not None:
            local.set(key, ABSENT if found is _MISSING else found, self.local_seconds)
        return default if found is _MISSING else found

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        made = {self.make_and_validate_key(key, version=version): key for key in keys}
        found: dict[str, Any] = {}
        if self.local is not None:
            found = self.local.get_many(made)
        asked = [key for key in made if key not in found]
        if asked:
            shared: dict[str, Any] = self._redis(lambda: self.shared.get_many(asked), {})
            for key, value in list(shared.items()):
                if self._readable(key, value) is _MISSING:
                    del shared[key]
            if self.local is not None:
                self.local.set_many({key: shared.get(key, ABSENT) for key in asked}, self.local_seconds)
            found.update(shared)
        return {made[key]: value for key, value in found.items() if value is not ABSENT}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        """Whether `get` finds a value: read as `get` reads it, so a value no process can unpickle (a miss for `get`,
        and removed) is no key either."""
        return self.get(key, _MISSING, version=version) is not _MISSING

    def _absent_locally(self, key: str) -> bool:
        """Whether L1 holds this key's ABSENT (a write treats it as no value)."""
        return self.local is not None and self.local.get(key, _MISSING) is ABSENT

    # --- writes: both levels -----------------------------------------------------------------------------------

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        timeout = self._timeout(timeout)
        self._redis(lambda: self.shared.set(key, value, timeout), None)
        if self.local is not None:
            self.local.set(key, value, self._local_timeout(timeout))

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        if not data:
            return []
        made = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        timeout = self._timeout(timeout)
        self._redis(lambda: self.shared.set_many(made, timeout), None)
        if self.local is not None:
            self.local.set_many(made, self._local_timeout(timeout))
        return []

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        """Redis decides whether the key was free (another process may hold it); without Redis, this process's L1."""
        key = self.make_and_validate_key(key, version=version)
        timeout = self._timeout(timeout)
        added = self._redis(lambda: self.shared.add(key, value, timeout), None)
        local = self.local
        if added is None:  # Redis not asked or failed
            if local is None:
                return False
            if self._absent_locally(key):
                local.set(key, value, self._local_timeout(timeout))
                return True
            return local.add(key, value, self._local_timeout(timeout))
        if added and local is not None:
            local.set(key, value, self._local_timeout(timeout))
        return added

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        timeout = self._timeout(timeout)
        touched = self._redis(lambda: self.shared.touch(key, timeout), None)
        local_touched = False
        if self.local is not None and not self._absent_locally(key):
            local_touched = self.local.touch(key, self._local_timeout(timeout))
        return local_touched if touched is None else touched

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """Redis's INCR (atomic across processes; ValueError when the key is missing or holds no integer, which Redis
        refuses: an answer, not an outage, so the breaker stays closed); without Redis, L1's."""
        key = self.make_and_validate_key(key, version=version)

        def increment() -> Any:
            try:
                return self.shared.incr(key, delta)
            except ResponseError as error:
                if not any(refusal in str(error) for refusal in _INCR_REFUSALS):
                    raise
                return _NOT_INTEGER

        value = self._redis(increment, None)
        if value is _NOT_INTEGER:
            raise ValueError(f"Key '{key}' holds no integer (or its sum is out of Redis's range)")
        local = self.local
        if value is None:
            if local is None or self._absent_locally(key):
                raise ValueError(f"Key '{key}' not found (Redis unavailable)")
            return local.incr(key, delta)
        if local is not None:
            local.delete(key)  # the next read takes the value, and its timeout, from Redis
        return int(value)

    def delete(self, key: Any, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        local_deleted = self.local.delete(key) if self.local is not None else False
        return self._redis(lambda: self.shared.delete(key), False) or local_deleted

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        if not made:
            return
        if self.local is not None:
            self.local.delete_many(made)
        self._redis(lambda: self.shared.delete_many(made), None)

    def clear(self) -> None:
        """Both levels: Redis's whole database (FLUSHDB, as Django's RedisCache), this process's L1."""
        if self.local is not None:
            self.local.clear()
        self._redis(self.shared.clear, None)

    def close(self, **kwargs: Any) -> None:
        self.shared.close(**kwargs)
