"""Form fields of the employer screens, described once from core's field specs.

core.fields says what each field is (label, kind, required, code table, sections) and core.services.terms
validates it; this module only
turns a spec plus the current values and errors into what a template renders: the manual's labels and
placeholders, code tables as options, 行政区划 as a province → city → county cascade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core import codes
from core.codes import regions
from core.fields import PROFILE_FIELDS, TERMS_FIELDS, TERMS_SECTIONS, FieldSpec, Kind
from core.services.employers import BASIC_FIELDS

# The manual's wording where it differs from core's labels, and its hints.
PROFILE_LABELS = {"archive_receiving": "档案接收"}
PLACEHOLDERS = {
    "nature": "请选择单位性质",
    "location": "请选择单位所在地",
    "archive_receiving": "请选择档案接收",
    "affiliation": "请选择，一般选择所属省份，或省部级单位",
    "hukou_receiving": "请选择",
    "position_category": "请选择",
}
INPUT_PLACEHOLDERS = {
    "unit_name": "请输入单位名称",
    "position": "请输入拟聘用职位",
    "monthly_salary": "例如 8000",
    "probation_months": "0 到 6",
    "liquidated_damages": "例如 5000",
    "other_terms": "其他双方约定的事项（可不填）",
}
# Which fields may differ per student in one batch (邀请函 per-student overrides).
OVERRIDE_FIELDS = (
    "position_category",
    "position",
    "work_location",
    "monthly_salary",
    "probation_months",
    "liquidated_damages",
    "other_terms",
)
SEARCHABLE = {"affiliation"}


@dataclass
class Field:
    name: str
    label: str
    kind: str  # text, textarea, number, select, region, readonly
    required: bool
    value: str = ""
    error: str = ""
    placeholder: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    searchable: bool = False
    # region cascade: the three levels' options and the chosen province/city
    provinces: list[dict[str, str]] = field(default_factory=list)
    cities: list[dict[str, str]] = field(default_factory=list)
    counties: list[dict[str, str]] = field(default_factory=list)
    province: str = ""
    city: str = ""

    @property
    def region_label(self) -> str:
        return codes.label("region", self.value, default="") if self.value else ""


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _region(f: Field, posted: Mapping[str, Any] | None) -> None:
    f.provinces = regions.children(None)
    path = regions.path(f.value) if f.value else []
    if len(path) >= 2:
        f.province, f.city = path[0].code, path[1].code
    elif posted is not None:
        f.province = _as_text(posted.get(f"{f.name}_p"))
        f.city = _as_text(posted.get(f"{f.name}_c"))
    if f.province:
        f.cities = regions.children(f.province)
    if f.city and any(c["code"] == f.city for c in f.cities):
        f.counties = regions.children(f.city)
    else:
        f.city = ""


def build_field(
    name: str,
    spec: FieldSpec,
    values: Mapping[str, Any],
    errors: Mapping[str, Any],
    *,
    prefix: str = "",
    posted: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Field:
    key = prefix + name
    f = Field(
        name=key,
        label=(labels or {}).get(name, spec.label),
        kind="text",
        required=spec.required,
        value=_as_text(values.get(name)),
        error=_as_text(errors.get(key)),
        placeholder=INPUT_PLACEHOLDERS.get(name, f"请输入{spec.label}"),
    )
    if spec.kind == Kind.CODE:
        f.kind = "select"
        f.options = codes.choices(spec.code_table)
        f.placeholder = PLACEHOLDERS.get(name, "请选择")
        f.searchable = name in SEARCHABLE
    elif spec.kind == Kind.REGION:
        f.kind = "region"
        f.placeholder = PLACEHOLDERS.get(name, f"请选择{spec.label}")
        _region(f, posted)
    elif spec.kind == Kind.INT:
        f.kind = "number"
    elif spec.kind == Kind.LONGTEXT:
        f.kind = "textarea"
    return f


def build_fields(
    spec: Mapping[str, FieldSpec],
    names: Iterable[str],
    values: Mapping[str, Any],
    errors: Mapping[str, Any],
    **kwargs: Any,
) -> list[Field]:
    return [build_field(name, spec[name], values, errors, **kwargs) for name in names]


# --- the screens' field groups, in the manual's order ----------------------------------------------------

CONFIRM_ORDER = tuple(PROFILE_FIELDS)  # the manual's order, as core lists them


def profile_fields(values: Mapping[str, Any], errors: Mapping[str, Any], posted: Any = None) -> list[Field]:
    return build_fields(PROFILE_FIELDS, CONFIRM_ORDER, values, errors, posted=posted, labels=PROFILE_LABELS)


def terms_sections(
    values: Mapping[str, Any],
    errors: Mapping[str, Any],
    *,
    show_dispatch: bool,
    posted: Any = None,
    prefix: str = "",
) -> list[tuple[str, list[Field]]]:
    """The 邀请函's sections (core.fields.TERMS_SECTIONS)."""
    sections = [(section.title, section.fields) for section in TERMS_SECTIONS]
    if not show_dispatch:
        # 单位隶属 stays required when the 报到证 fields are hidden; it belongs with the unit itself then.
        titles = [title for title, _ in sections]
        dispatch = titles.index("报到证信息")
        sections[0] = (sections[0][0], (*sections[0][1], "affiliation"))
        del sections[dispatch]
    return [
        (title, build_fields(TERMS_FIELDS, names, values, errors, posted=posted, prefix=prefix))
        for title, names in sections
    ]


def override_fields(student_id: int, values: Mapping[str, Any], errors: Mapping[str, Any], posted: Any) -> list[Field]:
    """A student's own values; blank means "as the shared letter", so nothing here is required."""
    prefix = f"o{student_id}-"
    fields = build_fields(TERMS_FIELDS, OVERRIDE_FIELDS, values, errors, prefix=prefix, posted=posted)
    for f in fields:
        f.required = False
        if f.kind in ("select",):
            f.placeholder = "沿用共同内容"
        elif f.kind != "region":
            f.placeholder = "不填则沿用共同内容"
    return fields


BASIC_PLACEHOLDERS = {
    "name": "请输入单位名称（与营业执照一致）",
    "credit_code": "18位统一社会信用代码",
    "contact_person": "请输入联系人",
    "phone": "手机号或座机（如 024-83687000）",
    "email": "请输入邮箱",
    "address": "请输入通讯地址",
}


def basic_fields(values: Mapping[str, Any], errors: Mapping[str, Any], *, readonly: Iterable[str] = ()) -> list[Field]:
    locked = set(readonly)
    return [
        Field(
            name=name,
            label=label,
            kind="readonly" if name in locked else "text",
            required=True,
            value=_as_text(values.get(name)),
            error=_as_text(errors.get(name)),
            placeholder=BASIC_PLACEHOLDERS[name],
        )
        for name, label in BASIC_FIELDS.items()
    ]
