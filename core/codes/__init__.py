"""Code tables from the national standards, kept as data (core/codes/data/*.json) rather than literals in code.

Where each table comes from and how it was checked: core/codes/data/SOURCES.md (单位性质, 工作职位类别, 单位隶属, …) and
core/codes/data/destination.SOURCES.md (毕业去向).

`region` (GB/T 2260) is hierarchical and comes from an npm package, see core.codes.regions; the other tables
are flat lists of {"code", "label"}.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from core.codes import regions
from core.codes.regions import is_valid_region

__all__ = [
    "TABLES",
    "choices",
    "destination_group",
    "get_table",
    "is_valid",
    "is_valid_region",
    "label",
    "placed_destination_codes",
]

TABLES = (
    "nature",
    "position_category",
    "affiliation",
    "region",
    "archive_receiving",
    "hukou_receiving",
    "degree",
    "destination",
)
_DATA = Path(__file__).parent / "data"


@cache
def _flat(name: str) -> dict[str, str]:
    if name not in TABLES or name == "region":
        raise KeyError(name)
    with (_DATA / f"{name}.json").open(encoding="utf-8") as f:
        return {row["code"]: row["label"] for row in json.load(f)}


@cache
def _destination_rows() -> dict[str, dict[str, object]]:
    with (_DATA / "destination.json").open(encoding="utf-8") as f:
        return {row["code"]: row for row in json.load(f)}


def placed_destination_codes() -> frozenset[str]:
    """毕业去向 codes that count as 落实 for 去向落实率 (all but 待就业 and 暂不就业; see destination.SOURCES.md)."""
    return frozenset(code for code, row in _destination_rows().items() if row["placed"])


def destination_group(code: str) -> str:
    """The 毕业去向分类 of a code (协议和合同就业, 升学, 灵活就业, …), as schools' reports group them."""
    return str(_destination_rows()[code]["group"])


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
