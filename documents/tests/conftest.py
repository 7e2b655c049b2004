"""Fixtures for the document tests: a throw-away school PKI and a folder for the rendered pages."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from documents.images import render_page_png
from documents.signing import CA_NAME, ensure_demo_certificate

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"


@pytest.fixture(scope="session")
def school_pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    key, cert = ensure_demo_certificate(tmp_path_factory.mktemp("pki") / "school")
    return key, cert, key.parent / CA_NAME


@pytest.fixture(autouse=True)
def _signing_settings(settings, school_pki: tuple[Path, Path, Path]) -> Iterator[None]:  # type: ignore[no-untyped-def]
    key, cert, ca = school_pki
    settings.SIGNING_KEY_FILE, settings.SIGNING_CERT_FILE, settings.SIGNING_CA_FILE = str(key), str(cert), str(ca)
    yield


def save_pages(pdf: bytes, name: str) -> list[Path]:
    """Write every page as PNG under test-artifacts/documents/ (pdftoppm when installed, else PDFium).

    The root conftest reports the folder at the end of the run.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "110", "-png", str(source), str(ARTIFACTS / name)], check=True)
        pages = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    else:
        from documents.images import page_count

        pages = []
        for index in range(page_count(pdf)):
            path = ARTIFACTS / f"{name}-{index + 1}.png"
            path.write_bytes(render_page_png(pdf, index, scale=1.5))
            pages.append(path)
    return pages
