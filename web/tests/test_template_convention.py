"""The one template convention of the portals (docs/ARCHITECTURE.md):

<app>/templates/<app>/base.html       the portal's layout (menu, breadcrumbs), extends the site's base.html
<app>/templates/<app>/<page>.html     a full page, extends "<app>/base.html"
<app>/templates/<app>/includes/*.html a fragment (partial, htmx answer, dialog body); never a page of its own
<app>/templates/<app>/includes/*.jinja a fragment written for Jinja2 where Django's engine was the bound (web/jinja.py:
                                      the menu, a list's rows and filters), included with `{% jinja %}`
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

PORTALS = ("employer", "school", "student")
EXTENDS = re.compile(r'{%\s*extends\s+"([^"]+)"\s*%}')
# Pages shown before a portal account exists have the site's layout, not the portal's.
SITE_LAYOUT_PAGES = {"employer/register.html"}


def _templates(app: str) -> list[Path]:
    root = Path(settings.BASE_DIR) / app / "templates" / app
    return sorted(path for suffix in ("*.html", "*.jinja") for path in root.rglob(suffix))


@pytest.mark.parametrize("app", PORTALS)
def test_portal_templates_follow_one_layout(app: str) -> None:
    root = Path(settings.BASE_DIR) / app / "templates" / app
    names = [str(path.relative_to(root)) for path in _templates(app)]
    assert "base.html" in names
    for name in names:
        folder, _, file = name.rpartition("/")
        assert folder in ("", "includes"), f"{app}/{name}: fragments belong in {app}/includes/"
        assert not file.startswith("_"), f"{app}/{name}: no underscore partials, use {app}/includes/"
        assert file != "layout.html", f"{app}/{name}: the portal layout is {app}/base.html"
        assert folder == "includes" or not file.endswith(".jinja"), f"{app}/{name}: a Jinja2 template is a fragment"


@pytest.mark.parametrize("app", PORTALS)
def test_pages_extend_their_portal_base_and_fragments_extend_nothing(app: str) -> None:
    root = Path(settings.BASE_DIR) / app / "templates" / app
    for path in _templates(app):
        name = f"{app}/{path.relative_to(root)}"
        extended = EXTENDS.findall(path.read_text(encoding="utf-8"))
        if name == f"{app}/base.html" or name in SITE_LAYOUT_PAGES:
            assert extended == ["base.html"], name
        elif path.parent.name == "includes":
            assert extended == [], f"{name} is a fragment and extends nothing"
        else:
            assert extended == [f"{app}/base.html"], name


def test_no_comment_spans_lines() -> None:
    """Django's `{# … #}` ends on its own line: one that goes on to the next is printed on the page as text (the
    sign-in pages once showed theirs). A longer note is `{% comment %}`."""
    base = Path(settings.BASE_DIR)
    templates = [
        path
        for path in base.rglob("*.html")
        if not {".venv", "node_modules", "static", "staticfiles", "test-artifacts"} & set(path.relative_to(base).parts)
    ]
    assert len(templates) > 100
    open_comment = re.compile(r"{#(?!.*#})")
    broken = [
        f"{path.relative_to(base)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if open_comment.search(line)
    ]
    assert broken == []
