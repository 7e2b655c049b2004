"""Median time to render and to sign one agreement PDF, after warm-up.

    .venv/bin/python benchmarks/bench_document.py [--iterations 40] [--warmup 5] [--check]

Target: render + sign at most 100 ms on the project's 2-core machine. `--check` exits 1 above the target.
Without a configured school key (SIGNING_KEY_FILE), a throw-away demo certificate is generated.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
    from django.conf import settings

    from documents.signing import CA_NAME, ensure_demo_certificate

    if not settings.SIGNING_KEY_FILE:
        key, cert = ensure_demo_certificate(Path(tempfile.mkdtemp(prefix="bench-signing-")) / "signing")
        settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE = str(key), str(cert)
        settings.SIGNING_CA_FILE = str(key.parent / CA_NAME)


def _measure(action: Callable[[], object], iterations: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(iterations):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _line(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"{label:<13} median {statistics.median(timings):6.1f} ms   min {ordered[0]:6.1f}   p90 {p90:6.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if render+sign exceeds {TARGET_MS:.0f} ms")
    args = parser.parse_args()
    _setup()

    from pypdf import PdfReader

    from documents.render import render_agreement_pdf
    from documents.sample import sample_document_data
    from documents.signing import sign_pdf, verify_signature

    data = sample_document_data()
    start = time.perf_counter()
    pdf = render_agreement_pdf(data)
    signed = sign_pdf(pdf, location=data.school.name)
    cold = (time.perf_counter() - start) * 1000
    assert verify_signature(signed).valid, "the benchmark's own signature does not verify"
    pages = len(PdfReader(io.BytesIO(signed)).pages)

    render = _measure(lambda: render_agreement_pdf(data), args.iterations, args.warmup)
    sign = _measure(lambda: sign_pdf(pdf, location=data.school.name), args.iterations, args.warmup)
    both = _measure(
        lambda: sign_pdf(render_agreement_pdf(data), location=data.school.name), args.iterations, args.warmup
    )

    print(f"agreement PDF: {pages} pages, {len(pdf) / 1024:.0f} KB unsigned, {len(signed) / 1024:.0f} KB signed")
    print(f"first call (fonts, key, certificates loaded): {cold:.1f} ms")
    print(f"after {args.warmup} warm-up runs, {args.iterations} runs each:")
    print(_line("render", render))
    print(_line("sign", sign))
    print(_line("render+sign", both))
    median = statistics.median(both)
    verdict = "OK" if median <= TARGET_MS else "TOO SLOW"
    print(f"target: render+sign <= {TARGET_MS:.0f} ms -> {verdict}")
    return 1 if args.check and median > TARGET_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())
