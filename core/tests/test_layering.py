"""Where reads and status rules live: views and API routers query through selectors, and no module outside
`core/models/status.py` (what a status means) and `core/rules.py` (where the workflow's actions start) spells a
status group out."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EDGES = [*ROOT.glob("*/views/*.py"), *ROOT.glob("*/views.py"), *ROOT.glob("api/routers/*.py")]
GROUP_HOMES = {"core/models/status.py", "core/rules.py"}
STATUS_VALUES = (
    "invited|declined|withdrawn|expired|college_review|school_review|returned|effective|"
    "termination_requested|termination_review|terminated"
)


def test_views_and_routers_read_through_selectors() -> None:
    assert len(EDGES) > 10
    offenders = [str(path.relative_to(ROOT)) for path in EDGES if ".objects." in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_no_status_group_outside_the_rules() -> None:
    # A tuple of two or more statuses in Python, or a template testing a status against a set of them.
    group = re.compile(r"\(\s*Status\.[A-Z_]+\s*,\s*Status\.[A-Z_]+")
    template_set = re.compile(rf"status\s+in\s+['\"][a-z_ ]*({STATUS_VALUES})")
    python = [p for p in ROOT.glob("*/**/*.py") if not {".venv", "tests", "migrations"} & set(p.parts)]
    templates = [p for p in ROOT.glob("*/**/templates/**/*.html") if ".venv" not in p.parts]
    offenders = [
        str(p.relative_to(ROOT))
        for p, pattern in [*((p, group) for p in python), *((p, template_set) for p in templates)]
        if p.relative_to(ROOT).as_posix() not in GROUP_HOMES and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
