"""What the ledger costs: per event written, with writers racing, and per entry verified (issue 21 item 3).

    .venv/bin/python benchmarks/bench_ledger.py                 # SQLite file in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wq_bench .venv/bin/python benchmarks/bench_ledger.py

The database named is flushed first. Prints: the median time of one 流程追踪 event written through record_event
(in its own transaction, as a transition does) with the chain and with the chain switched off, so the difference
is the chain's cost; the throughput of THREADS writers appending events at once (they queue on the head row); and
audit_verify's speed over the entries written.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
os.environ.setdefault("WANGQIAN_DEMO", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from core.models import Agreement, LedgerEntry  # noqa: E402
from core.services import events  # noqa: E402
from core.services.ledger import ledger_adopt, verify_chain  # noqa: E402
from testsupport import invite, make_college, make_employer, make_school, make_student  # noqa: E402


def write_event(agreement: Agreement, i: int) -> float:
    start = time.perf_counter()
    with transaction.atomic():
        events.record_event(agreement, "modify", actor=None, old_status=agreement.status, remark=f"bench {i}")
    return (time.perf_counter() - start) * 1000


def write_events(agreements: list[Agreement], count: int) -> list[float]:
    return [write_event(agreements[i % len(agreements)], i) for i in range(count)]


def unchained(fn):  # type: ignore[no-untyped-def]
    def run(*args):  # type: ignore[no-untyped-def]
        original = events.ledger_record
        events.ledger_record = lambda kind, row: None  # type: ignore[assignment,misc,return-value]
        try:
            return fn(*args)
        finally:
            events.ledger_record = original

    return run


def main() -> None:
    if connection.vendor == "postgresql":
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", verbosity=0)
    school = make_school()
    college = make_college(school)
    employer = make_employer()
    agreements = [invite(employer, make_student(college))[0] for _ in range(50)]
    print(f"database: {connection.vendor}; {EVENTS} events per run")

    # Alternating, so that the machine's load falls on both alike.
    chained: list[float] = []
    bare: list[float] = []
    for i in range(EVENTS):
        agreement = agreements[i % len(agreements)]
        chained.append(write_event(agreement, i))
        bare.append(unchained(write_event)(agreement, i))
    print(f"  ({ledger_adopt()} events written without the chain adopted into it afterwards)")
    with_chain, without = statistics.median(chained), statistics.median(bare)
    print(f"one event, own transaction: {with_chain:.3f} ms with the chain, {without:.3f} ms without")
    print(f"chain cost per event: {with_chain - without:.3f} ms median (p95 with chain {_p95(chained):.3f} ms)")

    per_thread = EVENTS // THREADS
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []

    def writer(offset: int) -> None:
        try:
            barrier.wait()
            write_events(agreements[offset::THREADS], per_thread)
        except Exception as exc:  # reported below; a benchmark run must say what failed
            errors.append(repr(exc))
        finally:
            connections.close_all()

    before = LedgerEntry.objects.count()
    started = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    written = LedgerEntry.objects.count() - before
    print(f"{THREADS} concurrent writers: {written} events in {elapsed:.2f} s = {written / elapsed:.0f} events/s")
    if errors:
        print(f"errors: {errors[:3]}")

    started = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - started
    print(
        f"verify_chain: {report.entries} entries in {elapsed:.2f} s = {report.entries / elapsed:.0f} entries/s;"
        f" {'clean' if report.ok else f'{len(report.problems or [])} problems'}"
    )


def _p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95)]


if __name__ == "__main__":
    main()
