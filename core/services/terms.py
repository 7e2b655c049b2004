"""Validation of 签约信息 and of invitation terms (邀请函). Every message names its field."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from core import codes
from core.errors import InvalidInput
from core.fields import PROFILE_FIELDS, TERMS_FIELDS, FieldSpec, Kind
from core.inputs import parse_int
from core.models import Employer
from core.validators import (
    validate_contact_phone,
    validate_credit_code,
    validate_email,
    validate_id_number,
    validate_phone,
    validate_postcode,
)


def _bad_date() -> datetime.date:
    raise ValueError("not YYYY-MM-DD")


def _invalid(spec: FieldSpec, message: str) -> InvalidInput:
    return InvalidInput(message, errors={spec.name: message})


_VALIDATORS = {
    Kind.POSTCODE: validate_postcode,
    Kind.PHONE: validate_contact_phone,
    Kind.CREDIT_CODE: validate_credit_code,
    Kind.MOBILE: validate_phone,
    Kind.ID_NUMBER: validate_id_number,
    Kind.EMAIL: validate_email,
}


def clean_value(spec: FieldSpec, raw: Any) -> Any:
    """One field's value, cleaned; raises InvalidInput whose message names the field."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if spec.required:
            raise _invalid(spec, f"请填写{spec.label}")
        return None if spec.kind in (Kind.INT, Kind.DATE) else ""
    if spec.kind == Kind.INT:
        if isinstance(raw, bool):
            raise _invalid(spec, f"{spec.label}应为整数")
        # Any ASCII integer (at most 19 digits): a huge one is told the field's own bounds below, not "应为整数".
        number = parse_int(raw, minimum=-(10**19), maximum=10**19)
        if number is None:
            raise _invalid(spec, f"{spec.label}应为整数")
        low, high = spec.min_value, spec.max_value  # set for every integer field (FieldSpec checks)
        if (low is not None and number < low) or (high is not None and number > high):
            raise _invalid(spec, f"{spec.label}应在{spec.min_value}到{spec.max_value}之间")
        return number
    if not isinstance(raw, str | int):
        raise _invalid(spec, f"{spec.label}格式不正确")
    value = str(raw).strip()
    if "\x00" in value:  # PostgreSQL cannot store it in text: refused here rather than failing at save
        raise _invalid(spec, f"{spec.label}不能包含空字符")
    if spec.kind in (Kind.TEXT, Kind.LONGTEXT):
        if spec.max_length is not None and len(value) > spec.max_length:
            raise _invalid(spec, f"{spec.label}不能超过{spec.max_length}个字")
        return value
    if spec.kind == Kind.DATE:
        try:
            return datetime.date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            raise _invalid(spec, f"{spec.label}应为日期（如 2027-07-01）")
    if spec.kind == Kind.ALNUM:
        if len(value) > (spec.max_length or 0) or not value.isalnum():
            raise _invalid(spec, f"{spec.label}应为{spec.hint}")
        return value
    if spec.kind == Kind.YEAR:
        assert spec.min_value is not None and spec.max_value is not None  # FieldSpec checks a year's bounds
        year = parse_int(value, minimum=spec.min_value, maximum=spec.max_value)
        if year is None:
            raise _invalid(spec, f"{spec.label}应为{spec.hint}")
        return year
    if spec.kind == Kind.CHOICE:
        stored = dict(spec.choices).get(value)
        if stored is None:
            raise _invalid(spec, f"{spec.label}应为{spec.hint}")
        return stored
    if spec.kind in _VALIDATORS:
        # The validators name the field in their message: give them the Chinese label, key the error by field.
        validator = _VALIDATORS[spec.kind]
        try:
            return validator(value, field=spec.label)
        except InvalidInput as exc:
            raise _invalid(spec, exc.detail)
    if spec.kind == Kind.REGION:
        if not codes.is_valid_region(value):
            raise _invalid(spec, f"{spec.label}应选择到区县一级")
        return value
    if spec.kind == Kind.CODE:
        if not codes.is_valid(spec.code_table, value):
            raise _invalid(spec, f"{spec.label}不在代码表中，请从列表中选择")
        return value
    raise AssertionError(spec.kind)


def clean_fields(specs: Mapping[str, FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every field; collect all errors before raising so a form can show them together."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, object] = {}
    for name, spec in specs.items():
        try:
            cleaned[name] = clean_value(spec, data.get(name))
        except InvalidInput as exc:
            errors.update(exc.errors or {name: exc.detail})
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
        (spec.label, old.get(name), new.get(name))
        for name, spec in TERMS_FIELDS.items()
        if old.get(name) != new.get(name)
    ]
