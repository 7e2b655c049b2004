"""`{% static_url %}`: the same URL as `{% static %}`, computed once per path."""

from __future__ import annotations

from django.template import Context, Template

from web.templatetags import static_urls


def test_same_url_as_static_kept_per_path() -> None:
    template = Template(
        "{% load static static_urls %}{% static_url 'css/wangqian.css' %} {% static 'css/wangqian.css' %} "
        "{% static_url 'vendor/htmx.min.js' %} {% static 'vendor/htmx.min.js' %} {% static_url 'a b.css' %}"
    )
    static_urls.static_url.cache_clear()
    kept, django, kept_js, django_js, spaced = template.render(Context()).split()
    assert (kept, kept_js) == (django, django_js) == ("/static/css/wangqian.css", "/static/vendor/htmx.min.js")
    assert spaced == "/static/a%20b.css"
    template.render(Context())
    assert static_urls.static_url.cache_info().misses == 3
