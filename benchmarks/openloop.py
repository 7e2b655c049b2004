"""A page's latency at a stated load: requests sent at a fixed mean rate whatever the answers (open loop), each
timed from when it was due, not from when it could be sent.

wrk keeps its connections always waiting: every answer is followed at once by the next request, so at saturation
its latency is mostly its own queue — with C connections on a host answering X req/s, a request waits C / X on
average (Little's law: 16 connections at 160 req/s are 100 ms whatever the page costs). That figure says how long
the queue is, not what a user meets. Here requests arrive as users do, independently (Poisson arrivals at `rate`),
at a share of what the host sustains — the use a host is sized to run at — and each is timed from its due time,
so a server that falls behind is charged for every request that waited (no coordinated omission).

One connection per request with `Connection: close`, as gunicorn's sync workers answer anyway.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class OpenLoop:
    rate: float  # requests per second asked
    sent: int
    answered: int  # 2xx or 3xx
    errors: int  # other statuses, refused or broken connections, timeouts
    p50: float  # seconds, of the answered
    p99: float


def open_loop(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    rate: float,
    duration: float,
    timeout: float = 30.0,
    seed: int = 22,
) -> OpenLoop:
    """Send GET `path` at Poisson arrivals of `rate` per second for `duration` seconds; wait for the answers."""
    return asyncio.run(_run(host, port, path, headers, rate=rate, duration=duration, timeout=timeout, seed=seed))


async def _run(
    host: str, port: int, path: str, headers: dict[str, str], *, rate: float, duration: float, timeout: float, seed: int
) -> OpenLoop:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    latencies: list[float] = []
    failures: list[str] = []
    tasks: list[asyncio.Task[None]] = []
    start = due = loop.time()
    while True:
        due += rng.expovariate(rate)
        if due - start > duration:
            break
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(_one(host, port, request, due, timeout, latencies, failures)))
    if tasks:
        await asyncio.wait(tasks)
    ordered = sorted(latencies)
    return OpenLoop(
        rate=rate,
        sent=len(tasks),
        answered=len(ordered),
        errors=len(failures),
        p50=_percentile(ordered, 0.50),
        p99=_percentile(ordered, 0.99),
    )


class _Request(asyncio.Protocol):
    """One request on a connection of its own: sends it, reads the answer to the server's close. A bare protocol,
    not asyncio's streams: the client shares the host with the server it measures, so its CPU per request is kept
    low (streams cost about twice as much)."""

    def __init__(self, request: bytes, done: asyncio.Future[bytes]):
        self.request = request
        self.done = done
        self.head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if len(self.head) < 16:
            self.head += data[:16]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is None:
                self.done.set_result(self.head)
            else:
                self.done.set_exception(exc)


async def _one(
    host: str, port: int, request: bytes, due: float, timeout: float, latencies: list[float], failures: list[str]
) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Request(request, done), host, port)
            try:
                head = await done
            finally:
                transport.close()
        status = int(head.split()[1])
    except (OSError, TimeoutError, ValueError, IndexError) as exc:
        failures.append(type(exc).__name__)
        return
    if 200 <= status < 400:
        latencies.append(loop.time() - due)
    else:
        failures.append(f"HTTP {status}")


def _percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]
