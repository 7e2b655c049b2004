"""学校设置: changed through one function so every change is validated and recorded."""

from __future__ import annotations

import datetime
import re
import string
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.errors import Forbidden, InvalidInput
from core.fields import SCHOOL_SETTINGS_FIELDS, FieldSpec, Kind
from core.inputs import parse_int
from core.models import Role, School, SchoolSettingsChange, User
from core.services.ledger import SCHOOL_SETTINGS, ledger_record

# The settings' labels (the page, its history, the errors), from their one description.
SETTING_FIELDS = {name: spec.label for name, spec in SCHOOL_SETTINGS_FIELDS.items()}
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
    changes = clean_settings(changes, school=school)
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
            change = SchoolSettingsChange.objects.create(school=school, actor=acting_user, changes=diff)
            ledger_record(SCHOOL_SETTINGS, change)
    return school


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def setting_message(spec: FieldSpec) -> str:
    """What a setting accepts, said when a value is not that: one sentence per setting, whichever edge sent it."""
    if spec.kind == Kind.INT:
        unit = spec.label.partition("（")[2].rstrip("）")  # "邀约有效期（天）" → "天"
        bounds = f"{spec.min_value}到{spec.max_value}{unit or '的整数'}"
        return f"{spec.short_label}应为{bounds}" + ("" if spec.required else "，留空表示不限")
    if spec.kind == Kind.DATE:
        return f"{spec.label}格式应为年-月-日，如 2027-06-30"
    if spec.kind == Kind.BOOL:
        return f"{spec.label}应为开启（true）或关闭（false）"
    return f"{spec.label}格式不正确"


def clean_setting(spec: FieldSpec, raw: Any) -> Any:
    """One setting's value, typed, from the page's text or the API's JSON; raises InvalidInput naming it."""

    def invalid(message: str = "") -> InvalidInput:
        message = message or setting_message(spec)
        return InvalidInput(message, errors={spec.name: message})

    if spec.kind == Kind.BOOL:
        if not isinstance(raw, bool):
            raise invalid()
        return raw
    if spec.kind == Kind.INT:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                raise invalid()
            return None
        number = parse_int(raw, minimum=spec.min_value or 0, maximum=spec.max_value or 0)
        if number is None or not isinstance(raw, int | str):
            raise invalid()
        return number
    if spec.kind == Kind.DATE:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return raw
        text = raw.strip() if isinstance(raw, str) else ""
        # Only YYYY-MM-DD: fromisoformat alone would also take 20270301 or a week date.
        if not _ISO_DATE.fullmatch(text):
            raise invalid()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:  # 2027-02-30
            raise invalid() from None
    if not isinstance(raw, str):
        raise invalid()
    value = raw.strip()
    if spec.kind == Kind.NUMBER_FORMAT:
        if not value:
            raise invalid(f"请填写{spec.label}")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise invalid(f"{spec.label}不能超过{spec.max_length}个字符")
        return validate_number_format(value)
    if spec.kind == Kind.TIME_ZONE:
        return validate_time_zone(value)
    raise AssertionError(spec.kind)


def clean_settings(changes: Mapping[str, Any], *, school: School) -> dict[str, Any]:
    """The given settings typed and checked against SCHOOL_SETTINGS_FIELDS, every error at once keyed by its
    setting; then the 解约 window's order, a given end against the school's start when only one is given."""
    unknown = set(changes) - set(SCHOOL_SETTINGS_FIELDS)
    if unknown:
        names = "、".join(sorted(str(name) for name in unknown))
        raise InvalidInput(f"未知设置项：{names}", errors={name: "未知设置项" for name in sorted(unknown)})
    cleaned: dict[str, Any] = {}
    errors: dict[str, object] = {}
    for name, raw in changes.items():
        try:
            cleaned[name] = clean_setting(SCHOOL_SETTINGS_FIELDS[name], raw)
        except InvalidInput as exc:
            errors.update(exc.errors or {name: exc.detail})
    if not errors:
        start = cleaned.get("termination_window_start", school.termination_window_start)
        end = cleaned.get("termination_window_end", school.termination_window_end)
        if start is not None and end is not None and start > end:
            errors["termination_window_end"] = "解约开放开始日期不能晚于结束日期"
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(str(first) if len(errors) == 1 else f"有{len(errors)}项填写有误：{first}", errors=errors)
    return cleaned


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value
