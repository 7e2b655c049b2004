"""Help texts name only buttons, menus, tabs and sections that exist.

A hint that says 点击“X” or 在“X”中 sends the user looking for X: X must be an interface label somewhere else than
in the hints themselves (a template's button, link, tab or heading, or a label the views and rules hand to them).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("web", "employer", "student", "school", "documents", "templates", "core", "api")
QUOTED = re.compile(r"“([^”]{1,30})”")
# Quoted words that are not interface labels: an outside system, a format, a value typed by the user.
NOT_LABELS = {"国家企业信用信息公示系统", "-", "毕业年度＋姓名＋手机号或身份证号", "{{ unknown_code }}"}
# Names from the employer manual that this system does not have; hints must use the real ones instead.
MANUAL_ONLY = ("数据管理", "查看解约申请")


def _sources() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".html", ".py"} and "tests" not in path.parts and "migrations" not in path.parts:
                files[path] = path.read_text(encoding="utf-8")
    return files


def test_every_quoted_name_in_a_hint_exists_elsewhere() -> None:
    sources = _sources()
    templates = {p: text for p, text in sources.items() if p.suffix == ".html"}
    quoted = {(name, p.relative_to(ROOT)) for p, text in templates.items() for name in QUOTED.findall(text)}
    assert quoted, "the hints quote interface names"
    # Everything with the quoted mentions taken out: what remains is where labels really are.
    everything = QUOTED.sub("", "\n".join(sources.values()))
    missing = sorted(
        f"{where}: “{name}”" for name, where in quoted if name not in NOT_LABELS and name not in everything
    )
    assert not missing, "hints name things that do not exist:\n" + "\n".join(missing)


def test_no_hint_names_the_manuals_menus_we_do_not_have() -> None:
    found = [
        f"{p.relative_to(ROOT)}: {word}"
        for p, text in _sources().items()
        if p.suffix == ".html"
        for word in MANUAL_ONLY
        if word in text
    ]
    assert not found, found
