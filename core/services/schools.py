"""学校设置: changed through one function so every change is validated and recorded."""

from __future__ import annotations

import datetime
import re
import string
import zoneinfo
from typing import Any

from django.db import transaction

from core.errors import Forbidden, InvalidInput
from core.models import Role, School, SchoolSettingsChange, User

SETTING_FIELDS = {
    "college_review_enabled": "学院审核",
    "school_review_enabled": "学校审核",
    "termination_review_enabled": "解约学校审核",
    "max_terminations": "每生解约次数上限",
    "termination_window_start": "解约开放开始日期",
    "termination_window_end": "解约开放结束日期",
    "invitation_validity_days": "邀约有效期（天）",
    "number_format": "协议书编号格式",
    "show_dispatch_fields": "显示报到证信息",
    "activation_code_validity_days": "激活码有效期（天）",
    "time_zone": "时区",
}
# The zones a school picks from on 学校设置 (any IANA name is accepted through the service).
TIME_ZONE_CHOICES = (
    ("Asia/Shanghai", "北京时间（UTC+8）"),
    ("Asia/Urumqi", "乌鲁木齐时间（UTC+6）"),
    ("Asia/Hong_Kong", "香港时间（UTC+8）"),
    ("Asia/Macau", "澳门时间（UTC+8）"),
)


# Names the host's zone database lists that are no place's time: `localtime` is a link to whatever zone the
# server itself runs in (the setting exists not to follow it), `Factory` prints "-00", `posixrules` is a template.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})


def validate_time_zone(value: str) -> str:
    if value in _NOT_PLACES or value not in zoneinfo.available_timezones():
        message = "时区应为IANA时区名称，如 Asia/Shanghai"
        raise InvalidInput(message, errors={"time_zone": message})
    return value


# What a 协议书编号格式 may hold: the three fields, a width for the number, nothing else (str.format would
# otherwise read attributes and items: {seq.__class__} is code, not a format).
_NUMBER_FIELDS = {"year": re.compile(""), "school_code": re.compile(""), "seq": re.compile(r"0?[1-9]?d?")}


def validate_number_format(value: str) -> str:
    fields_message = "编号格式只能使用 {year}、{school_code}、{seq}（序号可定宽，如 {seq:05d}）"
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError:
        raise InvalidInput(fields_message, errors={"number_format": fields_message}) from None
    seen = [field for _, field, _, _ in parts if field is not None]
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in _NUMBER_FIELDS or conversion or not _NUMBER_FIELDS[field].fullmatch(spec or ""):
            raise InvalidInput(fields_message, errors={"number_format": fields_message})
    literal = "".join(text for text, _, _, _ in parts)
    if any(not ch.isprintable() or ch.isspace() for ch in literal):
        message = "编号格式不能包含空格或控制字符"
        raise InvalidInput(message, errors={"number_format": message})
    first = value.format(year=2027, school_code="10145", seq=1)
    # The largest number of a year must fit too (five digits is what a school's year can reach).
    widest = value.format(year=2027, school_code="10145", seq=99999)
    if seen.count("seq") != 1 or not 1 <= len(widest) <= 40 or first == widest:
        message = "编号格式必须包含序号 {seq}（只能一次），且生成的编号不超过40位"
        raise InvalidInput(message, errors={"number_format": message})
    return value


def school_update_settings(school: School, changes: dict[str, Any], *, acting_user: User) -> School:
    if acting_user.role != Role.SCHOOL_ADMIN or acting_user.school_id != school.pk:
        raise Forbidden("只有本校学校管理员可以修改学校设置", code="forbidden_role")
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise InvalidInput(f"未知设置项：{', '.join(sorted(unknown))}")
    if "number_format" in changes:
        validate_number_format(str(changes["number_format"]))
    if "time_zone" in changes:
        validate_time_zone(str(changes["time_zone"]))
    days = changes.get("invitation_validity_days")
    if days is not None and not (isinstance(days, int) and 1 <= days <= 90):
        raise InvalidInput("邀约有效期应为1到90天", errors={"invitation_validity_days": "邀约有效期应为1到90天"})
    days = changes.get("activation_code_validity_days")
    if days is not None and not (isinstance(days, int) and 1 <= days <= 90):
        message = "激活码有效期应为1到90天"
        raise InvalidInput(message, errors={"activation_code_validity_days": message})
    limit = changes.get("max_terminations")
    if limit is not None and not (isinstance(limit, int) and 0 <= limit <= 100):
        raise InvalidInput("解约次数上限应为0到100的整数", errors={"max_terminations": "应为0到100的整数"})
    start = changes.get("termination_window_start", school.termination_window_start)
    end = changes.get("termination_window_end", school.termination_window_end)
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and start > end:
        message = "解约开放开始日期不能晚于结束日期"
        raise InvalidInput(message, errors={"termination_window_end": message})
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        diff = {}
        for field, value in changes.items():
            old = getattr(school, field)
            if old != value:
                diff[field] = [_json(old), _json(value)]
                setattr(school, field, value)
        if diff:
            school.save(update_fields=list(diff))
            SchoolSettingsChange.objects.create(school=school, actor=acting_user, changes=diff)
    return school


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value
