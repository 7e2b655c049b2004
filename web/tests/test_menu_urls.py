"""`{% menu_url %}`: a menu's link without arguments, the same as `{% url %}` gives, reversed once per process."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from web.templatetags import menu_urls


def test_same_link_as_url_kept_per_script_prefix() -> None:
    template = Template("{% load menu_urls %}{% menu_url 'school:reviews' %} {% url 'school:reviews' %}")
    menu_urls._reversed.cache_clear()
    try:
        kept, django = template.render(Context()).split()
        assert kept == django == reverse("school:reviews")
        set_script_prefix("/wq/")
        assert template.render(Context()).split() == ["/wq/school/reviews/"] * 2
    finally:
        set_script_prefix("/")
    assert menu_urls._reversed.cache_info().misses == 2


def test_unknown_name_raises_as_url_does() -> None:
    with pytest.raises(NoReverseMatch):
        Template("{% load menu_urls %}{% menu_url 'school:nowhere' %}").render(Context())
