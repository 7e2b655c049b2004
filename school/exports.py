"""The school's 统计 export: one row generator written out by core.services.xlsx.write_xlsx (formula-safe cells).
The 就业方案 is core.services.plan (a background job may write it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core.rules import STATS_COLUMNS
from core.services.stats import SchoolStats, StatsRow
from core.services.xlsx import write_xlsx

# --- 统计 ------------------------------------------------------------------------------------------------

STATS_HEADERS = (
    "院系",
    "专业",
    "生源人数",
    *[label for _, label, _ in STATS_COLUMNS],
    "有效协议",
    "签约率",
    "去向落实人数",
    "去向落实率",
)


def _stats_line(college: str, major: str, row: StatsRow) -> list[Any]:
    rate = "" if row.rate is None else round(row.rate * 100, 1)
    placed_rate = "" if row.placed_rate is None else round(row.placed_rate * 100, 1)
    return [college, major, row.students, *row.columns, row.effective, rate, row.placed, placed_rate]


def stats_rows(stats: SchoolStats) -> Iterator[list[Any]]:
    """Each college, then its majors, then the total; 签约率 in percent."""
    by_college: dict[int | None, list[StatsRow]] = {}
    for major in stats.majors:
        by_college.setdefault(major.college_id, []).append(major)
    for college in stats.colleges:
        yield _stats_line(college.name, "（全院）", college)
        for major in by_college.get(college.id, []):
            yield _stats_line(college.name, major.name, major)
    yield _stats_line(stats.total.name, "", stats.total)


def stats_xlsx(stats: SchoolStats) -> bytes:
    headers = [*STATS_HEADERS[:-3], "签约率（%）", "去向落实人数", "去向落实率（%）"]
    return write_xlsx(headers, stats_rows(stats), title=f"{stats.graduation_year}届签约统计")
