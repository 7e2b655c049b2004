"""Validation of 签约信息 and of invitation terms (邀请函). Every message names its field."""

from __future__ import annotations

from typing import Any

from core import codes
from core.errors import InvalidInput
from core.inputs import DB_INT_MAX, parse_int
from core.models import Employer
from core.validators import validate_contact_phone, validate_postcode

# field -> (label, kind, required)
TERMS_FIELDS: dict[str, tuple[str, str, bool]] = {
    "unit_name": ("单位名称", "text", True),
    "position_category": ("工作职位类别", "code:position_category", True),
    "position": ("拟聘用职位", "text", True),
    "archive_receiving": ("档案接收类型", "code:archive_receiving", True),
    "archive_unit_name": ("档案转寄单位名称", "text", True),
    "archive_address": ("档案转寄地址", "text", True),
    "archive_postcode": ("档案转寄邮编", "postcode", True),
    "archive_contact": ("档案转寄联系人", "text", True),
    "archive_phone": ("档案转寄联系电话", "phone", True),
    # 报到证 was abolished from the 2023 cohort; its fields stay optional and a school setting hides them.
    "dispatch_title": ("报到证抬头", "text", False),
    "dispatch_location": ("报到证签发所在地", "region", False),
    "affiliation": ("单位隶属", "code:affiliation", True),
    "hukou_receiving": ("户口接收类型", "code:hukou_receiving", True),
    "hukou_address": ("户口接收地址", "text", True),
    "work_location": ("工作地点", "region", True),
    "monthly_salary": ("月薪（元）", "int:0:10000000", False),
    "probation_months": ("试用期（月）", "int:0:6", False),
    "liquidated_damages": ("违约金（元）", "int:0:10000000", False),
    "other_terms": ("其他约定", "longtext", False),
}

PROFILE_FIELDS: dict[str, tuple[str, str, bool]] = {
    "nature": ("单位性质", "code:nature", True),
    "location": ("单位所在地", "region", True),
    **{
        name: spec
        for name, spec in TERMS_FIELDS.items()
        if name.startswith(("archive_", "dispatch_", "hukou_")) or name == "affiliation"
    },
}

TEXT_LIMITS = {"text": 100, "longtext": 2000}


def _clean_value(field: str, label: str, kind: str, required: bool, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if required:
            raise InvalidInput(f"请填写{label}", errors={field: f"请填写{label}"})
        return None if kind.startswith("int") else ""
    if kind.startswith("int"):
        _, low, high = kind.split(":")
        if isinstance(raw, bool):
            raise InvalidInput(f"{label}应为整数", errors={field: f"{label}应为整数"})
        number = parse_int(raw, minimum=-DB_INT_MAX, maximum=DB_INT_MAX)
        if number is None:
            raise InvalidInput(f"{label}应为整数", errors={field: f"{label}应为整数"})
        if not int(low) <= number <= int(high):
            message = f"{label}应在{low}到{high}之间"
            raise InvalidInput(message, errors={field: message})
        return number
    if not isinstance(raw, str | int):
        raise InvalidInput(f"{label}格式不正确", errors={field: f"{label}格式不正确"})
    value = str(raw).strip()
    if kind in TEXT_LIMITS:
        limit = TEXT_LIMITS[kind]
        if field.endswith("address"):
            limit = 200
        if len(value) > limit:
            message = f"{label}不能超过{limit}个字"
            raise InvalidInput(message, errors={field: message})
        return value
    if kind in ("postcode", "phone"):
        # The validators name the field in their message: give them the Chinese label, key the error by field.
        validator = validate_postcode if kind == "postcode" else validate_contact_phone
        try:
            return validator(value, field=label)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, errors={field: exc.detail})
    if kind == "region":
        if not codes.is_valid_region(value):
            message = f"{label}应选择到区县一级"
            raise InvalidInput(message, errors={field: message})
        return value
    if kind.startswith("code:"):
        table = kind.split(":", 1)[1]
        if not codes.is_valid(table, value):
            message = f"{label}不在代码表中，请从列表中选择"
            raise InvalidInput(message, errors={field: message})
        return value
    raise AssertionError(kind)


def clean_fields(spec: dict[str, tuple[str, str, bool]], data: dict[str, Any]) -> dict[str, Any]:
    """Validate every field; collect all errors before raising so a form can show them together."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, object] = {}
    for field, (label, kind, required) in spec.items():
        try:
            cleaned[field] = _clean_value(field, label, kind, required, data.get(field))
        except InvalidInput as exc:
            errors.update(exc.errors or {field: exc.detail})
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(str(first) if len(errors) == 1 else f"有{len(errors)}项填写有误：{first}", errors=errors)
    return cleaned


def default_terms(employer: Employer) -> dict[str, Any]:
    """An invitation's terms start from the employer's 签约信息."""
    defaults: dict[str, Any] = {name: getattr(employer, name) for name in PROFILE_FIELDS if name in TERMS_FIELDS}
    defaults["unit_name"] = employer.name
    defaults["work_location"] = employer.location
    return defaults


def clean_terms(employer: Employer, data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(TERMS_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"未知的条款字段：{field}", errors={field: "未知字段"})
    merged = default_terms(employer)
    merged.update({key: value for key, value in data.items() if value is not None})
    return clean_fields(TERMS_FIELDS, merged)


def clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    return clean_fields(PROFILE_FIELDS, data)


def terms_diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """[(label, old, new)] for every field that differs, for the student's comparison view."""
    return [
        (label, old.get(field), new.get(field))
        for field, (label, _, _) in TERMS_FIELDS.items()
        if old.get(field) != new.get(field)
    ]
