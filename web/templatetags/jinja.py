"""`{% jinja "<app>/includes/<name>.jinja" key=value %}`: a Jinja2 fragment (web/jinja.py) inside a Django template,
given the including template's context plus the keywords, as `{% include ... with %}` would."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, name: str, **extra: Any) -> SafeString:
    fragment = engines["jinja2"].get_template(name)
    values = {**cast("dict[str, Any]", context.flatten()), **extra}
    # Jinja2 escaped what it rendered (autoescape on).
    return mark_safe(fragment.render(values, context.get("request")))
