"""`{% menu_url %}` and the Jinja2 menus' `menu_url()` / `menu_links()[name]`: a menu's link without arguments, the
same as `{% url %}` gives, reversed once per process and script prefix."""

from __future__ import annotations

import pytest
from django.template import Context, Template, engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from web.templatetags import menu_urls


def test_same_link_as_url_kept_per_script_prefix() -> None:
    template = Template("{% load menu_urls %}{% menu_url 'school:reviews' %} {% url 'school:reviews' %}")
    jinja = engines["jinja2"].from_string(
        "{{ menu_url('school:reviews') }} {% set links = menu_links() %}{{ links['school:reviews'] }}"
    )
    menu_urls._links.cache_clear()
    try:
        kept, django = template.render(Context()).split()
        assert kept == django == reverse("school:reviews")
        assert jinja.render().split() == [django] * 2
        set_script_prefix("/wq/")
        assert template.render(Context()).split() == ["/wq/school/reviews/"] * 2
        assert jinja.render().split() == ["/wq/school/reviews/"] * 2
    finally:
        set_script_prefix("/")
    assert menu_urls._links.cache_info().misses == 2
    assert menu_urls._links("/") == {"school:reviews": "/school/reviews/"}


def test_unknown_name_raises_as_url_does() -> None:
    with pytest.raises(NoReverseMatch):
        Template("{% load menu_urls %}{% menu_url 'school:nowhere' %}").render(Context())
    with pytest.raises(NoReverseMatch):
        engines["jinja2"].from_string("{% set links = menu_links() %}{{ links['school:nowhere'] }}").render()
