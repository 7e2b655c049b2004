"""`{% static_url 'css/wangqian.css' %}`: `{% static %}`, kept per path, for the layouts' links on every page.

`{% static %}` asks the app registry whether staticfiles is installed and joins the storage's URL on each use (~8 µs,
nine to eleven times a page in the site's and a portal's base.html). Here the URL depends on the path only: the
storage is StaticFilesStorage under an absolute STATIC_URL (a relative one gets the script prefix once, when Django
first reads the setting; a manifest storage's hashed names are fixed at start as well).
"""

from __future__ import annotations

import functools

from django import template
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
@functools.lru_cache(maxsize=256)
def static_url(path: str) -> str:
    return static(path)
