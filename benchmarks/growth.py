"""How each page's cost grows with the data (issue 22 item 3): the same pages of `make bench-scale` at 100k, 1M and
3M agreements on one host, in one table.

    make bench-growth           # or: .venv/bin/python benchmarks/growth.py [--duration 5] [--only API]
    # the data sets (built once; load_scale's defaults are the 1M one):
    createdb wq_scale100k && DATABASE_URL=…/wq_scale100k WANGQIAN_DEMO=1 manage.py migrate && \\
        … manage.py load_scale --agreements 100000 --students 40000 --employers 2000
    createdb wq_scale3m && … manage.py load_scale --agreements 3000000 --students 1200000 --employers 60000

Runs benchmarks/bench_scale.py once per data set (no surge, no files), one after the other on the same machine,
and prints per page its req/s and p99 at each size and the 3M figure's share of the 100k one (1.00 is a flat line;
lower means the page slows as the data grows). Each run's bare Django view is printed too: the machine's ceiling
moves with its neighbours' load, and a page's ratio to it is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432/"
SIZES = (("100k", "wq_scale100k"), ("1M", "wq_scale"), ("3M", "wq_scale3m"))


def run(database: str, args: argparse.Namespace, out: Path) -> dict[str, object] | None:
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_scale.py"),
        "--database",
        database,
        "--no-surge",
        "--no-files",
        "--accepts",
        str(args.accepts),
        "--duration",
        str(args.duration),
        "--json",
        str(out),
    ]
    if args.only:
        command += ["--only", args.only]
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT, check=False)
    if done.returncode != 0 or not out.exists():
        print(f"growth: {database} not measured (exit {done.returncode})", flush=True)
        return None
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=SERVER, help="PostgreSQL URL without the database name")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per page")
    # As many as bench_scale's own default: with fewer, a fast host answers them all within the page's seconds and
    # the rest of its requests are refusals of answered invitations, counted as errors and far cheaper.
    parser.add_argument("--accepts", type=int, default=1000, help="invitations prepared for the accept page")
    parser.add_argument("--only", default="", help="only pages whose label contains this text")
    args = parser.parse_args()
    measured: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="growth-") as tmp:
        for size, name in SIZES:
            found = run(args.server + name, args, Path(tmp) / f"{name}.json")
            if found is not None:
                measured[size] = found
    if not measured:
        return 2
    sizes = [size for size, _ in SIZES if size in measured]
    labels: list[str] = []
    by_size: dict[str, dict[str, dict[str, float]]] = {}
    for size in sizes:
        rows = measured[size]["rows"]
        assert isinstance(rows, list)
        by_size[size] = {row["label"]: row for row in rows}
        labels += [row["label"] for row in rows if row["label"] not in labels]
    print()
    print("growth: req/s and p99 per page at each data size (bench_scale, same host, one run after the other)")
    print("CPU ms: the page's app workers + PostgreSQL CPU a request under wrk (bench_scale's 'CPU ms a request'),")
    print("the figure the neighbours' load moves least")
    print()
    head = " | ".join(f"{size} req/s | {size} p99 | {size} ratio | {size} CPU ms" for size in sizes)
    print(f"| page | {head} | {sizes[-1]} / {sizes[0]} req/s | {sizes[-1]} / {sizes[0]} CPU ms |")
    print("| --- |" + " --- |" * (4 * len(sizes) + 2))
    for label in labels:
        cells = []
        for size in sizes:
            row = by_size[size].get(label)
            if row and row.get("rps"):
                cpu = _cpu_ms(row)
                cells.append(
                    f"{row['rps']:,.0f} | {row['p99'] * 1000:,.0f} ms | {row.get('ratio', 0.0):.3f}× "
                    f"| {f'{cpu:.2f}' if cpu else ''}"
                )
            else:
                cells.append(" | | | ")
        first, last = by_size[sizes[0]].get(label), by_size[sizes[-1]].get(label)
        share = f"{last['rps'] / first['rps']:.2f}" if first and last and first.get("rps") and last.get("rps") else ""
        cpu_share = ""
        if first and last and _cpu_ms(first) and _cpu_ms(last):
            cpu_share = f"{_cpu_ms(last) / _cpu_ms(first):.2f}"
        print(f"| {label} | {' | '.join(cells)} | {share} | {cpu_share} |")
    return 0


def _cpu_ms(row: dict[str, Any]) -> float:
    """App + PostgreSQL CPU ms a request, where bench_scale measured it."""
    cpu = row.get("cpu")
    return float(cpu["app_ms"] + cpu["pg_ms"]) if isinstance(cpu, dict) else 0.0


if __name__ == "__main__":
    sys.exit(main())
