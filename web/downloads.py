"""A file answered as a download (or shown inline), with its Chinese file name intact."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import HttpResponse

from core.services.xlsx import XLSX_CONTENT_TYPE


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the real (UTF-8, RFC 5987) name in `filename*`."""
    disposition = "inline" if inline else "attachment"
    if filename.isascii() and filename.isprintable():
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        return f'{disposition}; filename="{escaped}"'
    fallback = "download" + PurePosixPath(filename).suffix
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(content: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    return download(content, filename, XLSX_CONTENT_TYPE)
