"""The manual's pager links to the same page numbers as before, now computed instead of looped over every page."""

from __future__ import annotations

import re

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string

# The pager's loop before: every page number, those within three of the current one shown.
OLD_LOOP = Template(
    "{% for n in page.paginator.page_range %}{% if n >= page.number|add:-3 and n <= page.number|add:3 %}"
    '<a class="page-link" href="?{{ query }}&page={{ n }}">{{ n }}</a>'
    "{% endif %}{% endfor %}"
)
NUMBERED = re.compile(r'href="\?[^"]*&page=(\d+)">(\d+)</a>')


def _numbered(html: str) -> list[int]:
    return [int(label) for href, label in NUMBERED.findall(html) if href == label]


@pytest.mark.parametrize("pages", [1, 2, 3, 4, 7, 8, 12, 45])
def test_the_window_is_what_the_old_loop_showed(pages: int) -> None:
    paginator = Paginator(range(pages * 10), 10)
    for number in paginator.page_range:
        page = paginator.page(number)
        old = _numbered(OLD_LOOP.render(Context({"page": page, "query": "tab=all"})))
        new = _numbered(render_to_string("includes/pager.html", {"page": page, "query": "tab=all"}))
        assert new == old, (pages, number)


def test_an_empty_list_shows_page_one() -> None:
    page = Paginator(list[int](), 10).get_page(1)
    html = render_to_string("includes/pager.html", {"page": page, "query": ""})
    assert _numbered(html) == [1]
    assert "当前共0条记录" in html and "共1/1页" in html


class _NoRange(Paginator):
    """A paginator whose every-page loop is refused: the pager must not walk 45,000 page numbers."""

    @property
    def page_range(self) -> range:
        raise AssertionError("the pager looped over every page number")


def test_the_pager_never_walks_every_page() -> None:
    paginator = _NoRange(range(900_000), 20)
    html = render_to_string("includes/pager.html", {"page": paginator.page(500), "query": ""})
    assert _numbered(html) == list(range(497, 504))
    assert "共500/45000页" in html
