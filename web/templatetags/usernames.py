"""`{{ name|shown_username }}`: a student's 学号 without the school (core.usernames), anyone else's name as it is."""

from django import template

from core.usernames import shown_username as _shown

register = template.Library()


@register.filter
def shown_username(value: object) -> str:
    return _shown(str(value or ""))
