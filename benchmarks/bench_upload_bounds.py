"""Uploads bounded before parsing: how fast a decompression bomb or an over-limit sheet is refused, and the
peak memory it costs.

    .venv/bin/python benchmarks/bench_upload_bounds.py [--inflated-mb 1600]

Builds, streamed (never held inflated in memory), the files of issue 10 hole 3 and hands each to
core.services.xlsx.read_rows, the reader of every import (roster, 导入拟签约名单, web and API):
- a shared-strings bomb: about 1.6 MB stored, `--inflated-mb` of sharedStrings.xml when inflated;
- a sheet of a million rows, with and without the <dimension> element that announces it;
- 200,000 distinct shared strings that no cell uses (they barely compress, so only counting catches them);
- for comparison, a valid 20,000-row roster: the time the bounds check adds to a file that passes;
and the files of issue 19 item 5, each measured twice, as read before the bounds (openpyxl given the file, as
read_rows did: their cells do not name their place) and as read_rows reads it now:
- the styles bomb: the roster template with 44 MB of cell formats in styles.xml, 2.5 MB stored (ratio 18);
- `<fills><fill/></fills>`: a 2 kB file on which openpyxl raises TypeError (a 500 before);
- a million elements outside the rows (3.5 MB stored), which openpyxl keeps in memory;
- a million nested elements.
For each it prints the answer, the time to it, the Python heap peak (tracemalloc) and the process's peak RSS
(resource.getrusage); the CPU time beside the wall time, since a busy machine stretches the latter. Target: every
refusal well under a second of CPU, and memory in the low megabytes. `--quick`
leaves out the million-row files and the bomb of `--inflated-mb`.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
    import django

    django.setup()
    import core.services.xlsx  # noqa: F401  (imported before timing: openpyxl's import is not the answer's cost)

    logging.disable(logging.WARNING)  # read_rows logs a reader's fault with its traceback: not the figures


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _answer(data: bytes, how: str) -> str:
    from core.errors import InvalidInput
    from core.services.xlsx import check_xlsx, read_rows

    try:
        if how == "check":
            check_xlsx(io.BytesIO(data))
            return "passes the bounds check"
        if how == "before":
            return _before(data)
        return f"read {sum(1 for _ in read_rows(io.BytesIO(data), ('学号', '姓名')))} rows"
    except InvalidInput as exc:
        return f"400 {exc.detail}"


def _before(data: bytes) -> str:
    """What read_rows did with these files before the bounds: openpyxl's streaming reader, uncaught faults."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True, max_col=50))
        workbook.close()
    except Exception as exc:
        return f"500 {type(exc).__name__}: {str(exc)[:80]}"
    return f"read {rows} rows"


def measure(name: str, path: Path, *, how: str = "read") -> None:
    """Time without tracemalloc (it slows Python down), then once more for the heap peak; each in a child
    process of its own, so that one file's peak RSS is not another's."""
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_measure, args=(name, path, how))
    child.start()
    child.join()


def _measure(name: str, path: Path, how: str) -> None:
    import warnings

    warnings.simplefilter("ignore")  # openpyxl's "no default style" for the bomb
    data = path.read_bytes()
    rss_before = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    answer = _answer(data, how)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_after = _rss_mb()
    tracemalloc.start()
    _answer(data, how)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name}: {len(data) / 1024 / 1024:.2f} MB stored")
    print(
        f"    {seconds * 1000:8.1f} ms ({cpu * 1000:8.1f} ms CPU)   heap peak {peak / 1024 / 1024:6.1f} MB   "
        f"peak RSS {rss_before:6.1f} -> {rss_after:6.1f} MB"
    )
    print(f"    {answer}", flush=True)


def _build_apart(build: Callable[[], io.BytesIO], path: Path) -> Path:
    """Build a file in a child process, so that building it does not count in this process's peak RSS."""
    child = multiprocessing.get_context("fork").Process(target=lambda: path.write_bytes(build().getvalue()))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"building {path.name} failed")
    return path


def shared_strings_bomb(inflated_mb: int) -> io.BytesIO:
    from testsupport import inline_row, xlsx_parts

    element = b"<si><t>x</t></si>"
    count = inflated_mb * 1024 * 1024 // len(element)
    return xlsx_parts([inline_row(1, "学号", "姓名")], (element for _ in range(count)))


def million_rows(*, dimension: bool) -> io.BytesIO:
    from testsupport import inline_row, xlsx_parts

    rows: Iterator[bytes] = (b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(2, 1_000_002))
    prolog = '<dimension ref="A1:B1000001"/>' if dimension else ""
    upload = xlsx_parts(itertools.chain([inline_row(1, "学号", "姓名")], rows))
    if not prolog:
        return upload
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(upload) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", prolog.encode() + b"<sheetData>", 1)
            target.writestr(info.filename, data)
    out.seek(0)
    return out


def unused_strings() -> io.BytesIO:
    from testsupport import inline_row, xlsx_parts

    return xlsx_parts([inline_row(1, "学号", "姓名")], (b"<si><t>%d</t></si>" % n for n in range(200_000)))


def styles_bomb_file() -> io.BytesIO:
    from core.services.roster import roster_template
    from testsupport import styles_bomb

    return styles_bomb(roster_template(), 44)


def fills_file() -> io.BytesIO:
    import zipfile

    from core.services.roster import roster_template
    from testsupport import xlsx_with

    template = roster_template()
    styles = zipfile.ZipFile(io.BytesIO(template)).read("xl/styles.xml")
    start, end = styles.index(b"<fills"), styles.index(b"</fills>") + len(b"</fills>")
    return xlsx_with(template, {"xl/styles.xml": styles[:start] + b"<fills><fill/></fills>" + styles[end:]})


def loose_elements(*, nested: bool) -> io.BytesIO:
    """A million elements after the rows (or each inside the last), names varied so the ratio stays low."""
    import random

    from testsupport import inline_row, xlsx_parts

    names = random.Random(5)
    form = b"<x%x>" if nested else b"<x%x/>"

    def rows() -> Iterator[bytes]:
        yield inline_row(1, "学号", "姓名")
        yield b'<row><c t="inlineStr"><is><t>20270001</t></is></c></row>'  # not placed: openpyxl reads the file
        for _ in range(1000):
            yield b"".join(form % names.randrange(1 << 20) for _ in range(1000))

    return xlsx_parts(rows())


def valid_roster() -> io.BytesIO:
    from bench_roster_import import make_roster

    return io.BytesIO(make_roster(20_000, "B"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inflated-mb", type=int, default=1600, help="inflated size of the bomb's sharedStrings")
    parser.add_argument("--quick", action="store_true", help="only the files of issue 19 item 5 and the roster")
    args = parser.parse_args()
    _setup()
    scratch = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        files: dict[str, Callable[[], io.BytesIO]] = {}
        if not args.quick:
            files = {
                f"shared-strings bomb ({args.inflated_mb} MB inflated)": lambda: shared_strings_bomb(args.inflated_mb),
                "a million rows, <dimension> says so": lambda: million_rows(dimension=True),
                "a million rows, no <dimension>": lambda: million_rows(dimension=False),
                "200,000 shared strings no cell uses": unused_strings,
            }
        compared = {
            "styles bomb (44 MB styles.xml, ratio 18)": styles_bomb_file,
            "<fills><fill/></fills>": fills_file,
            "a million elements outside the rows": lambda: loose_elements(nested=False),
            "a million nested elements": lambda: loose_elements(nested=True),
        }
        built = {name: _build_apart(build, scratch / f"{n}.xlsx") for n, (name, build) in enumerate(files.items())}
        pairs = {name: _build_apart(build, scratch / f"c{n}.xlsx") for n, (name, build) in enumerate(compared.items())}
        roster = _build_apart(valid_roster, scratch / "roster.xlsx")
        print(f"baseline peak RSS {_rss_mb():.1f} MB (Django loaded)")
        for name, path in built.items():
            measure(name, path)
        for name, path in pairs.items():
            measure(f"{name}, before (openpyxl reads it)", path, how="before")
            measure(f"{name}, now (read_rows)", path)
        measure("valid roster of 20,000 rows: what the check adds", roster, how="check")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
