"""The 毕业去向 form's fields for one kind (core.destination_fields), shaped as
templates/includes/destination_field.html reads them: the student's 填写毕业去向 and the school's 代为登记 ask the
same fields, by kind, in the same way.

A place (单位所在地, 入伍地 …) is three selects, province → city → county. With JavaScript the lists follow the
choice at once (static/js/regions.js); without it, 刷新地区 posts the form back and the page answers with the lists
of the province and city chosen (`{name}_p`, `{name}_c`), keeping everything typed.
"""

from __future__ import annotations

from typing import Any

from core import codes
from core.codes import regions
from core.destination_fields import form_specs
from core.fields import Kind

REFRESH = "refresh"  # the no-JavaScript button that only fills the place lists in again


def region_lists(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The three lists and the choices of a place field: from the county chosen, else the province and city posted
    (a city not of that province is dropped; a code the table does not have lists nothing under it)."""
    county = str(values.get(name) or "")
    if codes.is_valid_region(county):
        parts = [region.code for region in regions.path(county)]
        province, city = parts[0], parts[1] if len(parts) > 2 else ""
    else:
        province, city = str(values.get(f"{name}_p") or ""), str(values.get(f"{name}_c") or "")
    cities = regions.children(province) if province else []
    if not any(row["code"] == city for row in cities):
        city = ""
    return {
        "provinces": regions.children(None),
        "cities": cities,
        "counties": regions.children(city) if city else [],
        "province": province if cities else "",
        "city": city,
    }


def form_fields(code: str, values: dict[str, Any], errors: dict[str, object]) -> list[dict[str, Any]]:
    fields = []
    for name, spec in form_specs(code).items():
        raw = values.get(name)
        value = f"{raw:%Y-%m-%d}" if spec.kind == Kind.DATE and raw and not isinstance(raw, str) else (raw or "")
        field: dict[str, Any] = {
            "name": name,
            "label": spec.label,
            "required": spec.required,
            "kind": spec.kind.value,
            "value": value,
            "error": errors.get(name, ""),
            "max_length": spec.max_length,
        }
        if spec.kind == Kind.CODE:
            field["options"] = codes.choices(spec.code_table)
        if spec.kind == Kind.REGION:
            field.update(region_lists(name, values))
        fields.append(field)
    return fields
