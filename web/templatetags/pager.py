"""The manual's pager: the page numbers around the current one, computed rather than looped over every page
(a school's list of 900,000 rows has 45,000 pages)."""

from __future__ import annotations

from django import template
from django.core.paginator import Page

register = template.Library()

# Page numbers shown either side of the current one.
WINDOW = 3


@register.filter
def page_window(page: Page) -> range:
    """The page numbers the pager links to: the current one and up to WINDOW on each side, within 1..num_pages."""
    last = page.paginator.num_pages
    return range(max(1, page.number - WINDOW), min(last, page.number + WINDOW) + 1)
