"""Jinja2, for the few fragments where Django's template engine was the bound: a list page's card (its rows, filter bar,
tabs, toolbar and pager), and the portals' menu and 我的位置 breadcrumb, which every school and employer page renders.

A list page's 20 rows of 11 cells cost ~1.4 ms of variable lookups in Django's engine (plus ~0.8 ms for a
`{% url %}` per row); Jinja2 compiles a template to Python and renders the same rows in ~0.3 ms (issue 22). The
menu's ~20 links and ~25 conditions in Jinja2 take a school admin's page 4% fewer instructions than as Django nodes,
a college admin's or an employer's 2-3% (its links are read from `menu_links()` by subscript: a call per link cost
Jinja2 more than the rest of the menu). Everything else stays a Django template: a fragment written for Jinja2 is
`<app>/includes/<name>.jinja` (or the site's `includes/<name>.jinja`) beside the Django ones, and a Django template
includes it with `{% jinja "<app>/includes/<name>.jinja" key=value %}` (web/templatetags/jinja.py), which hands it
the including template's context. Escaping is on, as in Django; what Django's context gives and Jinja2 lacks is read
as calls (`user.get_role_display()`).
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from django.core.paginator import Page
from django.urls import get_script_prefix, reverse

from web.templatetags.menu_urls import menu_links, menu_url

# A stand-in id no route is given, replaced by each row's own (see `row_url`).
_ID = 987654321987


@functools.lru_cache(maxsize=64)
def _route(name: str, prefix: str) -> tuple[str, str]:
    before, after = reverse(name, args=[_ID]).split(str(_ID))
    return before, after


def row_url(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a route whose one argument is an id, reversed once per process rather than
    once per row."""
    before, after = _route(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args or None)


# The pager's page numbers shown either side of the current one (includes/pager.jinja).
PAGE_WINDOW = 3


def page_window(page: Page) -> range:
    """The page numbers the pager links to: the current one and up to PAGE_WINDOW on each side, within 1..num_pages,
    computed rather than looped over every page (a school's list of 900,000 rows has 45,000 pages)."""
    last = page.paginator.num_pages
    return range(max(1, page.number - PAGE_WINDOW), min(last, page.number + PAGE_WINDOW) + 1)


def environment(**options: Any) -> jinja2.Environment:
    # A line holding only a block tag leaves nothing behind, as the fragments are written to read.
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, **options)
    env.globals.update(url=url, row_url=row_url, menu_url=menu_url, menu_links=menu_links, page_window=page_window)
    return env
