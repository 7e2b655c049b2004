"""benchmarks/openloop.py, the bench's p99 at a stated load: it counts what it sent, what was answered and what failed,
and charges a request the time it waited behind a server that fell behind (no coordinated omission)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import pytest

from benchmarks.openloop import _percentile, open_loop


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(0.05)
        status = 500 if self.path == "/bad" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: HTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def threaded() -> Iterator[int]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Handler))


@pytest.fixture
def one_at_a_time() -> Iterator[int]:
    yield from _serve(HTTPServer(("127.0.0.1", 0), _Handler))


def test_every_request_sent_is_answered_or_counted_as_an_error(threaded: int) -> None:
    good = open_loop("127.0.0.1", threaded, "/ok", {"X-Test": "1"}, rate=60, duration=1.0)
    assert 20 <= good.sent <= 120  # Poisson arrivals at 60/s for a second
    assert good.answered == good.sent and good.errors == 0
    assert 0 < good.p50 <= good.p99

    bad = open_loop("127.0.0.1", threaded, "/bad", {}, rate=60, duration=0.5)
    assert bad.sent > 0 and bad.answered == 0 and bad.errors == bad.sent


def test_a_closed_port_is_errors_not_latencies() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nobody listens there
    result = open_loop("127.0.0.1", port, "/", {}, rate=40, duration=0.5)
    assert result.sent > 0 and result.errors == result.sent and result.p99 == 0.0


def test_requests_that_wait_behind_a_slow_server_are_charged_from_when_they_were_due(one_at_a_time: int) -> None:
    # 50 ms an answer, one at a time: 20 answers a second at most, asked for 60. The later requests queue; timed
    # from when they were sent after the queue, they would look like 50 ms; timed from when they were due, the last
    # ones waited about a second.
    result = open_loop("127.0.0.1", one_at_a_time, "/slow", {}, rate=60, duration=0.5)
    assert result.answered == result.sent > 10
    assert result.p50 > 0.15
    assert result.p99 > 0.5


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert _percentile(values, 0.99) == 99.0
    assert _percentile(values, 0.50) == 50.0
    assert _percentile([7.0], 0.99) == 7.0
    assert _percentile([], 0.99) == 0.0
