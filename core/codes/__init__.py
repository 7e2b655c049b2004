"""Code tables from the national standards, kept as data (core/codes/data/*.json) rather than literals in code.

`region` (GB/T 2260) is hierarchical and comes from an npm package, see core.codes.regions; the other tables
are flat lists of {"code", "label"}.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.codes import regions
from core.codes.regions import is_valid_region

__all__ = ["TABLES", "choices", "get_table", "is_valid", "is_valid_region", "label"]

TABLES = ("nature", "position_category", "affiliation", "region", "archive_receiving", "hukou_receiving", "degree")
_DATA = Path(__file__).parent / "data"


@cache
def _flat(name: str) -> dict[str, str]:
    if name not in TABLES or name == "region":
        raise KeyError(name)
    with (_DATA / f"{name}.json").open(encoding="utf-8") as f:
        return {row["code"]: row["label"] for row in json.load(f)}


def get_table(name: str, parent: str | None = None) -> list[dict[str, str]]:
    """Rows in display order; for `region`, `parent` walks the cascade (None → provinces → cities → counties)."""
    if name == "region":
        return regions.children(parent)
    return [{"code": code, "label": text} for code, text in _flat(name).items()]


def choices(name: str) -> list[tuple[str, str]]:
    """(code, label) pairs for a flat table, ready for a form field."""
    return list(_flat(name).items())


def label(table: str, code: str, default: str | None = None) -> str:
    """The display text; for `region` the full path (辽宁省沈阳市和平区).

    Unknown codes raise KeyError unless a default is given: stored codes may outlive a table revision.
    """
    try:
        return regions.full_label(code) if table == "region" else _flat(table)[code]
    except KeyError:
        if default is None or table not in TABLES:
            raise
        return default


def is_valid(table: str, code: str) -> bool:
    """Whether `code` may be stored; for `region` only county-level codes qualify (单位所在地)."""
    if table == "region":
        return is_valid_region(code, "county")
    return code in _flat(table)
