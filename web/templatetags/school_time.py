"""`{{ moment|school_time:school }}`: a time as the school's clock shows it (its 学校设置 time zone), as e-mail and
short messages print it."""

from __future__ import annotations

import datetime

from django import template

from core import calendar
from core.models import School

register = template.Library()


@register.filter
def school_time(value: datetime.datetime | None, school: School | None) -> str:
    return calendar.school_time(value, school) if value else ""
