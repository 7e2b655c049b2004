"""`{% menu_url 'school:reviews' %}`: a portal menu's link, reversed once per process rather than on every page.

A portal's menu has some twenty links without arguments on every page; `{% url %}` reverses each on every render
(~35 µs apiece: 0.7 of the 4.6 ms of CPU of a school page at 1M agreements). Such a link depends only on its name and
the script prefix here (no i18n_patterns, no per-request urlconf, one instance per namespace), so it is kept under
those: `menu_links()` is the links of the current script prefix, a dict filled on first use of each name. The Jinja2
menus (web/jinja.py) read the same: `menu_url(name)`, or `links[name]` after `{% set links = menu_links() %}` (a
subscript costs Jinja2 far less than a call). A link with arguments stays `{% url %}`.
"""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()


class MenuLinks(dict[str, str]):
    """The links without arguments under one script prefix: `links[name]` is `reverse(name)`, reversed the first
    time (an unknown name raises NoReverseMatch, as `{% url %}`)."""

    def __missing__(self, name: str) -> str:
        url = self[name] = reverse(name)
        return url


@functools.lru_cache(maxsize=16)
def _links(prefix: str) -> MenuLinks:
    # Filled by __missing__ while `prefix` is the script prefix (the key), so each dict holds its prefix's links.
    return MenuLinks()


def menu_links() -> MenuLinks:
    return _links(get_script_prefix())


@register.simple_tag
def menu_url(name: str) -> str:
    """`reverse(name)`, kept per name and script prefix."""
    return menu_links()[name]
