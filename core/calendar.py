from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from core.models import School


def current_graduation_year(today: datetime.date | None = None) -> int:
    """The 毕业年度 is the year of the coming June: 2027 during the 2026–27 academic year."""
    today = today or timezone.localdate()
    return today.year + 1 if today.month >= 7 else today.year


def school_zone(school: School | None) -> zoneinfo.ZoneInfo:
    """The school's time zone (学校设置); the installation's TIME_ZONE for a name it does not know."""
    name = school.time_zone if school is not None else settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def school_time(value: datetime.datetime, school: School | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the school's clock shows it: what e-mail, short messages and 消息 print (流程追踪 agrees)."""
    return timezone.localtime(value, school_zone(school)).strftime(fmt)
