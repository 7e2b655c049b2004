"""The two-level cache (core.cache, CACHE_URL) against real Redis servers: what one process writes another reads, each
process's memory keeps a value at most LOCAL_SECONDS and never past its timeout, and a Redis that is down, stopped or
silent is a miss — its breaker then leaves Redis alone for a period instead of paying a timeout per request.

Two backend instances with different LOCAL_NAMEs stand for two processes (each has its own memory and breaker). The
shared Redis is 127.0.0.1:6379 (TEST_REDIS_URL): db 15 and a key prefix per test, so parallel test workers never meet;
nothing here flushes it. A test that stops Redis starts one of its own (redis-server on a free port). Without Redis
(or redis-server) they skip, except under CI=true, where they fail: the shared cache must be tested in CI."""

from __future__ import annotations

import ast
import importlib
import logging
import os
import pickle
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.cache import ABSENT, TwoLevelCache
from core.selectors.paging import _kept_count
from testsupport import LoginAs, World

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BASE_DIR = Path(__file__).resolve().parents[2]

Processes = Callable[..., TwoLevelCache]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what}: the shared cache must be tested in CI (.ci/run starts Redis)")
    pytest.skip(what)


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _processes(url: str, **defaults: Any) -> Processes:
    """`process("a")`: a backend standing for one process (its own memory and breaker), keys under this test's
    prefix."""
    test = uuid.uuid4().hex

    def process(name: str, **options: Any) -> TwoLevelCache:
        return TwoLevelCache(
            url, {"KEY_PREFIX": f"wq-test-{test}", "OPTIONS": {"LOCAL_NAME": f"{test}-{name}", **defaults, **options}}
        )

    return process


@pytest.fixture
def shared() -> Processes:
    if not _answers(REDIS_URL):
        _missing(f"Redis does not answer at {REDIS_URL}")
    return _processes(REDIS_URL, LOCAL_SECONDS=5)


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop and start again."""

    def __init__(self, binary: str, folder: Path, password: str = ""):
        self.binary = binary
        self.folder = folder
        self.port = _free_port()
        self.password = password
        self.url = f"redis://{f':{password}@' if password else ''}127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + (["--requirepass", self.password] if self.password else []),
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers(self.url):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _own_redis(folder: Path, password: str = "") -> Iterator[RedisServer]:
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else "")
    if not binary:
        _missing("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(binary, folder, password)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from _own_redis(tmp_path)


@pytest.fixture
def own_redis_with_password(tmp_path: Path) -> Iterator[RedisServer]:
    yield from _own_redis(tmp_path, password="s3cret")


def _key(process: TwoLevelCache, key: str) -> str:
    return process.make_key(key)


def _in_memory(process: TwoLevelCache, key: str) -> bool:
    assert process.local is not None
    return process.local.has_key(_key(process, key))


# --- semantics, on the shared Redis --------------------------------------------------------------------------------


def test_a_value_one_process_sets_another_reads(shared: Processes) -> None:
    a, b = shared("a"), shared("b")
    a.set("count", 601_811, 60)
    a.set("figures", {"summary": "<p>签约率</p>", "n": [1, 2]}, 60)
    assert b.get("count") == 601_811
    assert b.get("figures") == {"summary": "<p>签约率</p>", "n": [1, 2]}
    assert b.get("nothing") is None
    assert b.get("nothing", "default") == "default"
    assert b.has_key("count") and not b.has_key("nothing")


def test_a_read_from_redis_is_kept_in_memory_local_seconds_then_read_again(shared: Processes) -> None:
    a, b = shared("a"), shared("b")
    with time_machine.travel(time.time(), tick=False) as clock:
        a.set("count", 1, 60)
        assert b.get("count") == 1
        assert _in_memory(b, "count")
        a.set("count", 2, 60)
        assert b.get("count") == 1  # b's memory, at most LOCAL_SECONDS old
        clock.shift(5.1)
        assert not _in_memory(b, "count")
        assert b.get("count") == 2


def test_memory_never_keeps_a_value_past_its_own_timeout(shared: Processes) -> None:
    a = shared("a")
    with time_machine.travel(time.time(), tick=False) as clock:
        a.set("short", "x", 2)  # shorter than LOCAL_SECONDS (5)
        a.set("forever", "y", None)
        clock.shift(2.1)
        assert not _in_memory(a, "short")
        assert _in_memory(a, "forever")
        clock.shift(3)
        assert not _in_memory(a, "forever")
    client = redis.Redis.from_url(REDIS_URL)
    assert 0 < client.pttl(_key(a, "short")) <= 2000  # Redis keeps it its timeout
    assert client.ttl(_key(a, "forever")) == -1  # None: no expiry
    a.set("short", "z", 0)  # 0: gone, as with Django's other backends
    assert a.get("short") is None
    assert not client.exists(_key(a, "short"))
    client.delete(_key(a, "forever"))


def test_a_delete_reaches_every_process_memory_within_local_seconds(shared: Processes) -> None:
    a, b, c = shared("a"), shared("b"), shared("c")
    with time_machine.travel(time.time(), tick=False) as clock:
        a.set("count", 7, 60)
        assert b.get("count") == 7
        assert b.delete("count")
        assert b.get("count") is None
        assert c.get("count") is None  # a process that had not read it sees the delete at once
        assert a.get("count") == 7  # a's memory
        clock.shift(5.1)
        assert a.get("count") is None
    a.set_many({"x": 1, "y": 2}, 60)
    b.delete_many(["x", "y"])
    assert c.get_many(["x", "y"]) == {}


def test_get_many_reads_memory_then_redis_and_keeps_what_redis_had(shared: Processes) -> None:
    a, b = shared("a"), shared("b")
    a.set_many({"todo:1": 101, "todo:2": 102, "todo:3": None}, 60)
    b.set("todo:4", 104, 60)
    assert b.get_many(["todo:1", "todo:2", "todo:3", "todo:4", "todo:5"]) == {
        "todo:1": 101,
        "todo:2": 102,
        "todo:3": None,
        "todo:4": 104,
    }
    assert all(_in_memory(b, f"todo:{n}") for n in (1, 2, 3, 4))
    assert b.local is not None and b.local.get(_key(b, "todo:5")) is ABSENT  # Redis had none: remembered
    ttl = redis.Redis.from_url(REDIS_URL).ttl(_key(a, "todo:1"))
    assert 0 < ttl <= 60


def test_a_key_redis_does_not_have_is_remembered_local_seconds(shared: Processes) -> None:
    """The menu's exact counts are never kept: without remembering that Redis has none, every page would ask."""
    a, b = shared("a"), shared("b")
    with time_machine.travel(time.time(), tick=False) as clock:
        assert b.get("todo:small") is None
        assert b.get_many(["todo:small", "todo:other"]) == {}
        asked = b.breaker.attempts
        assert b.get("todo:small", "default") == "default"
        assert b.get_many(["todo:small", "todo:other"]) == {}
        assert not b.has_key("todo:small")
        assert b.breaker.attempts == asked  # from memory, not Redis
        a.set("todo:small", 150, 60)  # another process keeps it: b sees it once its memory of the miss expires
        assert b.get("todo:small") is None
        clock.shift(5.1)
        assert b.get("todo:small") == 150
        assert b.get_many(["todo:other"]) == {}
        b.set("todo:other", 7, 60)  # its own write replaces the remembered miss at once
        assert b.get_many(["todo:other"]) == {"todo:other": 7}
        assert b.get("todo:new") is None
        assert b.add("todo:new", 1, 60)  # a remembered miss is no value for add
        assert a.get("todo:new") == 1


def test_a_remembered_miss_is_no_value_while_redis_is_down() -> None:
    down = _processes(f"redis://127.0.0.1:{_free_port()}/0", LOCAL_SECONDS=5)("down")
    assert down.get("k") is None  # Redis fails: a miss, remembered
    assert not down.has_key("k")
    assert not down.touch("k", 10)
    with pytest.raises(ValueError):
        down.incr("k")
    assert down.add("k", 1, 10)  # this process's memory decides while Redis is down
    assert down.get("k") == 1 and down.incr("k") == 2


def test_add_is_decided_by_redis_for_every_process(shared: Processes) -> None:
    a, b = shared("a"), shared("b")
    assert a.add("recount", True, 10)
    assert not b.add("recount", True, 10)
    assert b.get("recount") is True
    assert b.get_or_set("computed", lambda: "once", 60) == "once"
    assert a.get_or_set("computed", lambda: "twice", 60) == "once"


def test_incr_is_counted_in_redis(shared: Processes) -> None:
    a, b = shared("a"), shared("b")
    a.set("n", 1, 60)
    assert b.incr("n") == 2
    assert a.incr("n", 5) == 7
    assert a.get("n") == 7 and b.get("n") == 7
    assert b.decr("n", 2) == 5
    with pytest.raises(ValueError):
        a.incr("missing")


def test_incr_of_a_value_that_is_no_integer_raises_and_redis_stays_in_use(shared: Processes) -> None:
    """Redis refuses INCR of a text (or past its 64-bit range): Django's caches raise ValueError; here the refusal was
    taken for an outage, the breaker opened and the process left Redis for BREAKER_SECONDS."""
    a, b = shared("a", LOCAL_SECONDS=0), shared("b")
    a.set("text", "not a number", 60)
    a.set("big", 2**63 - 1, 60)
    with pytest.raises(ValueError):
        b.incr("text")
    with pytest.raises(ValueError):
        b.incr("big")
    assert b.breaker.failures == 0 and b.breaker.closed()
    a.set("n", 1, 60)
    assert b.incr("n") == 2 and a.get("n") == 2  # Redis still asked


def test_touch_sets_a_new_timeout_on_both_levels(shared: Processes) -> None:
    a = shared("a")
    a.set("k", "v", 60)
    assert a.touch("k", 2)
    assert 0 < redis.Redis.from_url(REDIS_URL).pttl(_key(a, "k")) <= 2000
    assert not a.touch("missing", 2)


def test_without_local_seconds_every_read_asks_redis(shared: Processes) -> None:
    a, b = shared("a", LOCAL_SECONDS=0), shared("b", LOCAL_SECONDS=0)
    assert a.local is None
    a.set("count", 1, 60)
    b.set("count", 2, 60)
    assert a.get("count") == 2


@pytest.mark.django_db
@override_settings(LIST_COUNT_EXACT_LIMIT=0)
def test_a_count_one_process_kept_spares_the_others_their_count(
    shared: Processes, world: World, login_as: LoginAs
) -> None:
    """The school's list page and 签约统计 through the two-level cache: what the first process counted and rendered
    is in Redis, and another process's first view reads it instead of querying again."""
    world.reach("invited")
    client = login_as(world.school_admin)
    prefix = f"wq-test-{uuid.uuid4().hex}"

    def process(name: str) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "core.cache.TwoLevelCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
                "OPTIONS": {"LOCAL_NAME": f"{prefix}-{name}"},
            }
        }

    def queries(name: str, url: str) -> int:
        with override_settings(CACHES=process(name)), CaptureQueriesContext(connection) as read:
            assert client.get(url).status_code == 200
        return len(read)

    for url in (reverse("school:agreements"), reverse("school:stats")):
        first, again, other = queries("a", url), queries("a", url), queries("b", url)
        assert other == again < first
    client_redis = redis.Redis.from_url(REDIS_URL)
    kept = {key.decode().split(":", 2)[2].split(":", 1)[0] for key in client_redis.scan_iter(f"{prefix}:*")}
    assert {"list-count", "list-choices", "school-stats"} <= kept
    client_redis.delete(*client_redis.scan_iter(f"{prefix}:*"))


@override_settings(LIST_COUNT_EXACT_LIMIT=3, LIST_COUNT_CACHE_SECONDS=60, LIST_COUNT_GRACE_SECONDS=10)
def test_a_stale_count_is_recounted_once_though_other_processes_still_hold_it_in_memory() -> None:
    """The recount's claim is not released when the new count is kept: it stays until LIST_COUNT_GRACE_SECONDS ends.
    A process that read the stale count while another recounted keeps it in memory up to CACHE_LOCAL_SECONDS, still
    stale; a released claim would let it, and every such process, count again."""
    if not _answers(REDIS_URL):
        _missing(f"Redis does not answer at {REDIS_URL}")
    prefix = f"wq-test-{uuid.uuid4().hex}"
    query = ("default", "SELECT the list", (1,))
    counts: list[int] = []

    def in_process(name: str, counted: int) -> int:
        def count() -> int:
            counts.append(counted)
            if name == "a" and counted == 102:  # b asks while a recounts: the kept count, now in b's memory
                assert in_process("b", 999) == 100
            return counted

        caches = {
            "default": {
                "BACKEND": "core.cache.TwoLevelCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
                "OPTIONS": {"LOCAL_NAME": f"{prefix}-{name}", "LOCAL_SECONDS": 5},
            }
        }
        with override_settings(CACHES=caches):
            return _kept_count(query, count)

    with time_machine.travel(time.time(), tick=False) as clock:
        assert in_process("a", 100) == 100
        clock.shift(61)
        assert in_process("a", 102) == 102
        clock.shift(1)
        assert in_process("b", 103) == 100  # its memory, stale: the claim still held, no second recount
        clock.shift(4.1)
        assert in_process("b", 104) == 102
        assert counts == [100, 102]
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*client.scan_iter(f"{prefix}:*"))


class _Figures:
    """A kept value of a class this release has; `_unreadable` renames it, as an upgrade that drops a class would."""

    def __init__(self) -> None:
        self.n = [1, 2]


def _unreadable(process: TwoLevelCache) -> None:
    """Values under this process's keys that it cannot unpickle, written to Redis as another program or release
    would: a class this release lacks, and bytes that are no pickle."""
    renamed = pickle.dumps(_Figures(), pickle.HIGHEST_PROTOCOL).replace(b"_Figures", b"_Missing")
    values = {"renamed": renamed, "garbage": b"\x80\x05garbage, not a pickle"}
    redis.Redis.from_url(REDIS_URL).mset({_key(process, key): value for key, value in values.items()})


def test_a_value_no_process_can_read_is_a_miss_removed_from_redis(
    shared: Processes, caplog: pytest.LogCaptureFixture
) -> None:
    """Unpickling it raised from get and get_many (only a Redis failure was a miss): every page reading the key
    answered 500 until it expired. It is a miss, removed from Redis so the next write replaces it, logged once per
    process and period; Redis itself answered, so the breaker stays closed."""
    a, b = shared("a"), shared("b")
    client = redis.Redis.from_url(REDIS_URL)
    with caplog.at_level(logging.WARNING, logger="core.cache"), time_machine.travel(time.time(), tick=False) as clock:
        _unreadable(a)
        assert a.get("renamed") is None
        assert a.get("garbage", "default") == "default"
        assert not client.exists(_key(a, "renamed"), _key(a, "garbage"))
        assert a.get_or_set("renamed", lambda: "computed again", 60) == "computed again"
        _unreadable(a)
        b.set("good", 1, 60)
        assert b.get_many(["renamed", "garbage", "good"]) == {"good": 1}
        assert not client.exists(_key(a, "renamed"), _key(a, "garbage"))
        assert (a.breaker.failures, b.breaker.failures) == (0, 0)
        assert (a.breaker.unreadable, b.breaker.unreadable) == (2, 2)
        logged = f"cache: a value under {_key(a, 'renamed')} in Redis at {a.breaker.where} cannot be read "
        assert [r.getMessage() for r in caplog.records] == [f"{logged}(AttributeError); removed: a miss"] * 2
        clock.shift(5.1)  # the period over: the next one is logged again
        _unreadable(a)
        assert a.get("garbage") is None
        assert len(caplog.records) == 3
        assert "(UnpicklingError)" in caplog.records[2].getMessage()
    client.delete(*client.scan_iter(f"{a.key_prefix}:*"))


def test_a_value_no_process_can_read_is_no_key(shared: Processes) -> None:
    """has_key asked Redis whether the key existed: True for a value every get then answered as a miss."""
    a = shared("a")
    _unreadable(a)
    assert not a.has_key("renamed") and not a.has_key("garbage")
    assert a.get("renamed", "default") == "default"
    a.set("none", None, 60)
    assert a.has_key("none") and shared("b").has_key("none")
    assert not a.has_key("never-set")
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(*client.scan_iter(f"{a.key_prefix}:*"))


def test_a_value_that_cannot_be_pickled_raises_on_a_write_as_with_djangos_caches(shared: Processes) -> None:
    """Caching an object that cannot be pickled is a programming error, not an outage: it raises, as Django's own
    Redis and memory caches do, so a test or the first request shows it, rather than the value silently never being
    kept (every request then computing it again). Nothing is written to either level, and the breaker stays closed.
    Redis down, the process's memory pickles it and raises too (with LOCAL_SECONDS 0 as well the write goes
    nowhere, and nothing is pickled to find out)."""
    a = shared("a")
    down = _processes(f"redis://127.0.0.1:{_free_port()}/0", LOCAL_SECONDS=5)("down")
    down.get("k")  # opens its breaker
    lock = threading.Lock()
    for process in (a, down):
        with pytest.raises(TypeError, match="cannot pickle"):
            process.set("k", lock, 60)
        with pytest.raises(TypeError, match="cannot pickle"):
            process.set_many({"k": lock}, 60)
        with pytest.raises(TypeError, match="cannot pickle"):
            process.add("k", lock, 60)
        assert process.get("k") is None
    assert not redis.Redis.from_url(REDIS_URL).exists(_key(a, "k"))
    assert (a.breaker.failures, down.breaker.failures, down.breaker.attempts) == (0, 1, 1)


# --- Redis down, stopped or silent -----------------------------------------------------------------------------------


def test_a_closed_port_is_a_miss_and_the_breaker_skips_redis(caplog: pytest.LogCaptureFixture) -> None:
    process = _processes(f"redis://127.0.0.1:{_free_port()}/0", LOCAL_SECONDS=5, BREAKER_SECONDS=5)("a")
    breaker = process.breaker
    with caplog.at_level(logging.WARNING, logger="core.cache"), time_machine.travel(time.time(), tick=False) as clock:
        assert process.get("count", "default") == "default"
        assert (breaker.attempts, breaker.failures) == (1, 1)
        # Open: nothing below asks Redis, and each works on this process's memory.
        process.set("count", 3, 60)
        assert process.get("count") == 3
        assert process.get_many(["count", "other"]) == {"count": 3}
        assert process.add("claim", 1, 10) and not process.add("claim", 1, 10)
        assert process.incr("count") == 4
        process.set_many({"x": 1}, 60)
        process.delete("x")
        process.delete_many(["count"])
        assert process.get("other") is None and not process.has_key("x")
        process.clear()
        assert breaker.attempts == 1
        assert len(caplog.records) == 1
        assert "127.0.0.1" in caplog.records[0].getMessage()
        # The period over, Redis is asked once more; still down: one more failure, one more warning.
        clock.shift(5.1)
        assert process.get("count") is None
        assert process.get("count") is None
        assert (breaker.attempts, breaker.failures) == (2, 2)
        assert len(caplog.records) == 2


def test_a_password_in_the_url_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    process = _processes(f"redis://:s3cret@127.0.0.1:{_free_port()}/0")("a")
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert process.get("k") is None
    assert caplog.records and "s3cret" not in caplog.text


def test_the_scale_bench_prints_the_cache_url_without_its_password(own_redis_with_password: RedisServer) -> None:
    """benchmarks/bench_scale.py prints the cache its servers use (and keeps it in --json): a --cache-url with a
    password, a requirepass or an ACL user's, shows the server without it."""
    # By name: benchmarks/ is not type-checked, and an import statement would have mypy check it from here.
    cache_in_use = importlib.import_module("benchmarks.bench_scale").cache_in_use
    port = own_redis_with_password.port
    for url in (f"redis://:s3cret@127.0.0.1:{port}/0", f"redis://default:s3cret@127.0.0.1:{port}/0"):
        used, said = cache_in_use(url)
        assert used == url  # the servers' CACHE_URL, whole
        assert f"Redis at redis://127.0.0.1:{port}/0 shared by the workers" in said
        assert "s3cret" not in said
    with pytest.raises(SystemExit) as refused:
        cache_in_use(f"redis://:wrong-s3cret@127.0.0.1:{port}/0")
    assert f"redis://127.0.0.1:{port}/0" in str(refused.value) and "s3cret" not in str(refused.value)


def test_a_redis_that_never_answers_is_a_miss_after_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        process = _processes(f"redis://127.0.0.1:{port}/0", REDIS_TIMEOUT=0.05)("a")
        assert process.get("k", "default") == "default"
        process.set("k", 1, 60)
        assert process.breaker.failures == 1 and process.breaker.attempts == 1


def test_a_stopped_redis_is_a_miss_and_redis_back_is_used_again(own_redis: RedisServer) -> None:
    process = _processes(own_redis.url, LOCAL_SECONDS=5, BREAKER_SECONDS=5)
    a, b, c = process("a"), process("b"), process("c")
    with time_machine.travel(time.time(), tick=False) as clock:
        a.set("count", 42, 60)
        assert b.get("count") == 42
        own_redis.stop()
        assert b.get("count") == 42  # its memory
        assert c.get("count") is None  # Redis gone: a miss, not an error
        assert c.breaker.failures == 1
        c.set("count", 43, 60)  # kept in c's memory only
        assert c.get("count") == 43
        assert c.breaker.attempts == 1
        own_redis.start()  # empty: it keeps nothing on disk
        assert a.get("count") == 42  # a's memory still
        clock.shift(5.1)
        assert a.get("count") is None  # Redis came back empty
        c.set("count", 44, 60)  # c's breaker has closed: written to Redis again
        assert b.get("count") == 44
        assert c.breaker.failures == 1
        a.clear()
        assert b.get("count") == 44  # b's memory
        assert process("d").get("count") is None


# --- the settings ---------------------------------------------------------------------------------------------------


def _cache_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])",
        ],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "wangqian.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_cache_url_each_process_keeps_its_own_memory_cache() -> None:
    result = _cache_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}"


def test_cache_url_makes_the_two_level_cache() -> None:
    result = _cache_settings(CACHE_URL="redis://127.0.0.1:6379/0", CACHE_LOCAL_SECONDS="3", CACHE_TIMEOUT_MS="50")
    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'core.cache.TwoLevelCache'" in result.stdout
    assert "'LOCATION': 'redis://127.0.0.1:6379/0'" in result.stdout
    assert "'LOCAL_SECONDS': 3" in result.stdout and "'REDIS_TIMEOUT': 0.05" in result.stdout
    refused = _cache_settings(CACHE_URL="http://user:s3cret-pw@cache:6379")
    assert refused.returncode != 0
    assert "CACHE_URL starting 'http' is not a Redis URL" in refused.stderr
    assert "s3cret-pw" not in refused.stderr


@pytest.mark.parametrize(
    "url",
    [
        "redis://:s3cret@127.0.0.1:6379/0?timeout=1",  # no such connection parameter
        "redis://:s3cret@127.0.0.1:6379/0?socket_timeout=soon",
        "redis://:s3cret@127.0.0.1:99999/0",  # no such port
        "redis://:s3cret@127.0.0.1:6379,redis://:s3cret@127.0.0.1:6379?db=x",  # a replica's URL too
    ],
)
def test_a_url_redis_py_refuses_is_refused_when_the_cache_is_made(url: str) -> None:
    """Not a Redis failure but the settings: left to the first use, every request reading the cache answered 500.
    Made in gunicorn's master (ops.warm) and checked by serve_production, it stops the start instead."""
    with pytest.raises(ImproperlyConfigured) as refused:
        _processes(url)("a")
    assert str(refused.value).startswith("CACHE_URL redis://127.0.0.1")
    assert "s3cret" not in str(refused.value)


def test_a_url_without_a_scheme_is_refused_without_showing_any_of_it() -> None:
    refused = _cache_settings(CACHE_URL=":s3cret-pw@cache:6379")
    assert refused.returncode != 0
    assert "CACHE_URL without a scheme is not a Redis URL" in refused.stderr
    assert "s3cret" not in refused.stderr


def test_each_installation_keeps_its_own_keys_in_a_shared_redis() -> None:
    """A staging site, or another province, pointed at the same Redis database: the same school's id and the same
    list query would otherwise name the same key, and one installation would show the other's counts and figures."""

    def prefix(**env: str) -> str:
        result = _cache_settings(CACHE_URL="redis://127.0.0.1:6379/0", **env)
        assert result.returncode == 0, result.stderr
        return str(ast.literal_eval(result.stdout.strip())["KEY_PREFIX"])

    site, database = "https://wangqian.example.edu.cn", "postgres://wq@10.0.0.4/wangqian"
    production = prefix(SITE_URL=site, DATABASE_URL=database)
    assert production == prefix(SITE_URL=site, DATABASE_URL=database)  # every host of the installation
    assert production != prefix(SITE_URL="https://staging.example.edu.cn", DATABASE_URL=database)
    assert production != prefix(SITE_URL=site, DATABASE_URL="postgres://wq@10.0.0.4/staging")
