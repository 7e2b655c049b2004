"""The CJK fonts embedded in the agreement.

reportlab embeds only TrueType (glyf) fonts as subsets, so the CFF-based Noto/Source Han fonts will not do.
The defaults are Debian's fonts-arphic-uming (AR PL UMing CN, a 宋体/明体 for the body, as official documents
use) and fonts-wqy-microhei (文泉驿微米黑, a 黑体 for headings and labels). Either setting may name another
TrueType file; `path#N` picks face N of a .ttc collection.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

BODY_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
HEADING_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
APT_PACKAGES = "fonts-arphic-uming fonts-wqy-microhei"

BODY = "WangqianBody"
HEADING = "WangqianHeading"


@dataclass(frozen=True)
class FontSpec:
    path: Path
    subfont_index: int = 0

    @classmethod
    def parse(cls, value: str) -> FontSpec:
        path, _, index = value.partition("#")
        return cls(Path(path), int(index) if index else 0)


def _setting(name: str) -> str:
    try:
        return str(getattr(settings, name, "") or "")
    except ImproperlyConfigured:  # used outside Django (a script): the defaults apply
        return ""


def _pick(setting_name: str, candidates: tuple[str, ...]) -> FontSpec:
    configured = _setting(setting_name)
    if configured:
        spec = FontSpec.parse(configured)
        if not spec.path.is_file():
            raise ImproperlyConfigured(f"{setting_name}={configured!r}: no such font file")
        return spec
    for candidate in candidates:
        if Path(candidate).is_file():
            return FontSpec(Path(candidate))
    raise ImproperlyConfigured(
        f"No CJK TrueType font for the agreement PDF: install the Debian packages {APT_PACKAGES} "
        f"or set {setting_name} to a .ttf/.ttc file with glyf outlines."
    )


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register the body and heading fonts once per process and return their reportlab names.

    Parsing a 20 MB collection takes tens of milliseconds; doing it per document would blow the budget.
    """
    body = _pick("DOCUMENT_FONT_FILE", BODY_CANDIDATES)
    heading = _pick("DOCUMENT_HEADING_FONT_FILE", HEADING_CANDIDATES)
    pdfmetrics.registerFont(TTFont(BODY, str(body.path), subfontIndex=body.subfont_index))
    pdfmetrics.registerFont(TTFont(HEADING, str(heading.path), subfontIndex=heading.subfont_index))
    return BODY, HEADING
