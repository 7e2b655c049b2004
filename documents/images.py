"""查看原图: the agreement's pages as PNG images, rendered with PDFium (no system packages needed)."""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium

# PDFium is not thread-safe; one page at a time per process is plenty for a preview.
_lock = threading.Lock()


def page_count(pdf: bytes) -> int:
    with _lock:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def render_page_png(pdf: bytes, page_index: int, *, scale: float = 2.0) -> bytes:
    """One page as PNG; scale 2.0 is 144 dpi, sharp enough to read the small print on screen."""
    with _lock:
        document = pdfium.PdfDocument(pdf)
        try:
            if not 0 <= page_index < len(document):
                raise IndexError(page_index)
            page = document[page_index]
            image = page.render(scale=scale, may_draw_forms=False).to_pil()
            page.close()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
