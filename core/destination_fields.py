"""What a graduate reports for each kind of 毕业去向, described once (like `core.fields` for the terms).

Every field of a DestinationVersion is a FieldSpec here; `FORMS` says, per 毕业去向代码, which fields the form shows,
which are required and how the field is called for that kind (入伍地 for 应征义务兵 is the unit's location field).
The services validate against it; the student's pages, the reviewers' pages and the API read it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core import codes
from core.fields import FieldSpec, Kind

DESTINATION_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("unit_name", "单位名称", Kind.TEXT, max_length=100),
        FieldSpec("unit_credit_code", "统一社会信用代码", Kind.CREDIT_CODE),
        FieldSpec("unit_nature", "单位性质", Kind.CODE, code_table="nature"),
        FieldSpec("unit_location", "单位所在地", Kind.REGION, code_table="region"),
        FieldSpec("position", "工作职位", Kind.TEXT, max_length=100),
        FieldSpec("contract_start", "合同开始日期", Kind.DATE),
        FieldSpec("contract_end", "合同结束日期", Kind.DATE),
        FieldSpec("project_name", "项目名称", Kind.TEXT, max_length=100),
        FieldSpec("school_name", "学校名称", Kind.TEXT, max_length=100),
        FieldSpec("programme", "专业", Kind.TEXT, max_length=100),
        FieldSpec("country", "国家（地区）", Kind.TEXT, max_length=50),
        FieldSpec("note", "说明", Kind.TEXT, max_length=200),
    )
}


@dataclass(frozen=True)
class FormField:
    name: str
    required: bool = True
    label: str = ""  # the kind's own word for the field, else the field's label


def _f(name: str, required: bool = True, label: str = "") -> FormField:
    return FormField(name, required, label)


_EMPLOYED = (
    _f("unit_name"),
    _f("unit_credit_code", False),
    _f("unit_nature"),
    _f("unit_location"),
    _f("position"),
)
_NOT_PLACED = (_f("note", False),)

# Per 毕业去向代码, the form's fields in order. 10 (签就业协议形式就业) is not here: only an effective agreement,
# online or a registered paper one, sets it.
FORMS: dict[str, tuple[FormField, ...]] = {
    "11": (*_EMPLOYED, _f("contract_start"), _f("contract_end", False)),
    "12": (*_EMPLOYED, _f("contract_start", False, "入职日期")),
    "27": (
        _f("unit_name", label="聘用单位"),
        _f("unit_location"),
        _f("position", label="岗位"),
        _f("contract_start"),
        _f("contract_end", False),
    ),
    "46": (_f("unit_location", label="入伍地"), _f("contract_start", label="入伍时间")),
    "50": (
        _f("project_name", label="项目名称（如西部计划、三支一扶、特岗教师）"),
        _f("unit_name", label="服务单位"),
        _f("unit_location", label="服务地"),
        _f("contract_start", label="服务开始日期"),
        _f("contract_end", False, "服务结束日期"),
    ),
    "51": (
        _f("project_name", label="项目名称（如选调生、社区工作者）"),
        _f("unit_name", label="服务单位"),
        _f("unit_location", label="服务地"),
        _f("contract_start", label="服务开始日期"),
        _f("contract_end", False, "服务结束日期"),
    ),
    "75": (
        _f("unit_name", label="企业名称"),
        _f("unit_credit_code"),
        _f("unit_location", label="企业所在地"),
        _f("position", label="担任职务"),
    ),
    "76": (_f("position", label="从业内容"), _f("unit_location", label="工作地点")),
    "77": (_f("position", label="工作内容"), _f("unit_name", False), _f("unit_location", label="工作地点")),
    "80": (_f("school_name", label="录取学校"), _f("programme", label="录取专业")),
    "85": (
        _f("country"),
        _f("school_name", label="学校或单位"),
        _f("programme", False),
    ),
    "70": _NOT_PLACED,
    "71": (_f("note", False, "拟升学意向"),),
    "72": _NOT_PLACED,
}

AGREEMENT_CODE = "10"  # 签就业协议形式就业
REPORTABLE_CODES = tuple(FORMS)

# Kinds proven by an attachment before they may be submitted (offer, contract, admission letter, 入伍通知书 …);
# 待就业 and 暂不就业 are declarations.
NEEDS_PROOF = frozenset(codes.placed_destination_codes()) - {AGREEMENT_CODE}


def form_specs(code: str) -> dict[str, FieldSpec]:
    """The FieldSpecs of one kind's form, with that kind's labels and required flags."""
    specs = {}
    for f in FORMS[code]:
        base = DESTINATION_FIELDS[f.name]
        specs[f.name] = replace(base, required=f.required, label=f.label or base.label)
    return specs
