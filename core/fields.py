"""What each field of 签约信息 and of an invitation's terms (邀请函) is, described once.

core.services.terms validates against these descriptions; the employer's forms, the student's pages, the shared
查看详情 block, the API and the PDF read them for labels, code tables and sections. A new field is added here
(and to the models) and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core import codes


class Kind(StrEnum):
    TEXT = "text"
    LONGTEXT = "longtext"
    INT = "int"
    CODE = "code"  # one value of a national code table (`code_table`)
    REGION = "region"  # a GB/T 2260 county-level 行政区划 code
    POSTCODE = "postcode"
    PHONE = "phone"
    DATE = "date"  # an ISO date, YYYY-MM-DD
    CREDIT_CODE = "credit_code"  # 统一社会信用代码 (GB 32100)
    # 学校设置's own kinds (SCHOOL_SETTINGS_FIELDS):
    BOOL = "bool"  # a switch: true (开启) or false (关闭)
    TIME_ZONE = "time_zone"  # an IANA zone name
    NUMBER_FORMAT = "number_format"  # a 协议书编号格式 of {year}, {school_code}, {seq}
    # A student's own fields (core/student_fields.py):
    MOBILE = "mobile"  # a mainland mobile number (the roster phone, which receives SMS)
    ID_NUMBER = "id_number"  # 居民身份证号码 (GB 11643), check digit verified
    EMAIL = "email"
    ALNUM = "alnum"  # letters and digits only, at most max_length (学号)
    YEAR = "year"  # a four-digit year within min_value..max_value
    CHOICE = "choice"  # one of `choices` (text accepted → value stored)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind
    required: bool = True
    min_value: int | None = None  # Kind.INT only, inclusive
    max_value: int | None = None
    code_table: str = ""  # Kind.CODE: the table's name; Kind.REGION: "region"
    max_length: int | None = None  # text kinds
    choices: tuple[tuple[str, str], ...] = ()  # Kind.CHOICE: (text accepted, value stored), values accepted too
    hint: str = ""  # what a right value looks like, for the refusal "<label>应为<hint>" (ALNUM, YEAR, CHOICE)

    def __post_init__(self) -> None:
        # A description that cannot be validated is a programming error: fail at import, not on a user's input.
        if self.kind == Kind.INT and (self.min_value is None or self.max_value is None):
            raise ValueError(f"{self.name}: an integer field needs its bounds")
        if self.kind in (Kind.CODE, Kind.REGION) and not self.code_table:
            raise ValueError(f"{self.name}: a coded field needs its code table")
        if (
            self.kind in (Kind.TEXT, Kind.LONGTEXT, Kind.NUMBER_FORMAT, Kind.TIME_ZONE, Kind.ALNUM)
            and not self.max_length
        ):
            raise ValueError(f"{self.name}: a text field needs its maximum length")
        if self.kind == Kind.YEAR and (self.min_value is None or self.max_value is None):
            raise ValueError(f"{self.name}: a year needs its bounds")
        if self.kind == Kind.CHOICE and not self.choices:
            raise ValueError(f"{self.name}: a choice needs its choices")
        if self.kind in (Kind.ALNUM, Kind.YEAR, Kind.CHOICE) and not self.hint:
            raise ValueError(f"{self.name}: its refusal needs a hint")

    @property
    def short_label(self) -> str:
        """The label without its unit: "月薪（元）" → "月薪", for places that print the unit with the value."""
        return self.label.split("（")[0]

    def display(self, value: Any, *, empty: str = "—") -> str:
        """A stored value as people read it: a code becomes its label (a code the table no longer has is shown
        as it is), nothing becomes `empty`."""
        if value is None or value == "":
            return empty
        if self.code_table:
            return codes.label(self.code_table, str(value), default=str(value))
        return str(value)


def _text(name: str, label: str, *, required: bool = True, max_length: int = 100) -> FieldSpec:
    return FieldSpec(name, label, Kind.TEXT, required, max_length=max_length)


def _code(name: str, label: str, table: str, *, required: bool = True) -> FieldSpec:
    kind = Kind.REGION if table == "region" else Kind.CODE
    return FieldSpec(name, label, kind, required, code_table=table)


def _int(name: str, label: str, low: int, high: int) -> FieldSpec:
    return FieldSpec(name, label, Kind.INT, False, min_value=low, max_value=high)


ADDRESS_MAX_LENGTH = 200

# The terms of an invitation, in the manual's order.
TERMS_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _text("unit_name", "单位名称"),
        _code("position_category", "工作职位类别", "position_category"),
        _text("position", "拟聘用职位"),
        _code("archive_receiving", "档案接收类型", "archive_receiving"),
        _text("archive_unit_name", "档案转寄单位名称"),
        _text("archive_address", "档案转寄地址", max_length=ADDRESS_MAX_LENGTH),
        FieldSpec("archive_postcode", "档案转寄邮编", Kind.POSTCODE),
        _text("archive_contact", "档案转寄联系人", max_length=50),  # the column's length; 100 failed on PostgreSQL
        FieldSpec("archive_phone", "档案转寄联系电话", Kind.PHONE),
        # 报到证 was abolished from the 2023 cohort; its fields stay optional and a school setting hides them.
        _text("dispatch_title", "报到证抬头", required=False),
        _code("dispatch_location", "报到证签发所在地", "region", required=False),
        _code("affiliation", "单位隶属", "affiliation"),
        _code("hukou_receiving", "户口接收类型", "hukou_receiving"),
        _text("hukou_address", "户口接收地址", max_length=ADDRESS_MAX_LENGTH),
        _code("work_location", "工作地点", "region"),
        _int("monthly_salary", "月薪（元）", 0, 10_000_000),
        _int("probation_months", "试用期（月）", 0, 6),
        _int("liquidated_damages", "违约金（元）", 0, 10_000_000),
        FieldSpec("other_terms", "其他约定", Kind.LONGTEXT, False, max_length=2000),
    )
}

# 签约信息 of an employer: its own two fields, then the terms every invitation starts from.
PROFILE_FIELDS: dict[str, FieldSpec] = {
    "nature": _code("nature", "单位性质", "nature"),
    "location": _code("location", "单位所在地", "region"),
    **{
        name: spec
        for name, spec in TERMS_FIELDS.items()
        if name.startswith(("archive_", "dispatch_", "hukou_")) or name == "affiliation"
    },
}

# Fields shown only while the school still issues 报到证 (School.show_dispatch_fields).
DISPATCH_FIELDS = ("dispatch_title", "dispatch_location")


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[str, ...]


# The 邀请函's sections, in the manual's order.
TERMS_SECTIONS: tuple[Section, ...] = (
    Section("签约信息", ("unit_name", "position_category", "position")),
    Section(
        "档案信息",
        (
            "archive_receiving",
            "archive_unit_name",
            "archive_address",
            "archive_postcode",
            "archive_contact",
            "archive_phone",
        ),
    ),
    Section("报到证信息", (*DISPATCH_FIELDS, "affiliation")),
    Section("户口信息", ("hukou_receiving", "hukou_address")),
    Section("协议条款", ("work_location", "monthly_salary", "probation_months", "liquidated_damages", "other_terms")),
)


def code_fields(specs: Iterable[FieldSpec]) -> dict[str, str]:
    """field → code table, for every coded field of `specs`."""
    return {spec.name: spec.code_table for spec in specs if spec.code_table}


CODED_FIELDS = code_fields((*TERMS_FIELDS.values(), *PROFILE_FIELDS.values()))


# 学校设置, in the page's order: core.services.schools.clean_settings checks the page's form, the API's body and any
# caller of school_update_settings against these descriptions, with one message per bound naming the setting.
# A blank optional integer means 不限, a blank date 未设置; the lengths are the columns'.
SCHOOL_SETTINGS_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("college_review_enabled", "学院审核", Kind.BOOL),
        FieldSpec("school_review_enabled", "学校审核", Kind.BOOL),
        FieldSpec("termination_review_enabled", "解约学校审核", Kind.BOOL),
        FieldSpec("max_terminations", "每生解约次数上限", Kind.INT, False, min_value=0, max_value=100),
        FieldSpec("termination_window_start", "解约开放开始日期", Kind.DATE, False),
        FieldSpec("termination_window_end", "解约开放结束日期", Kind.DATE, False),
        FieldSpec("invitation_validity_days", "邀约有效期（天）", Kind.INT, min_value=1, max_value=90),
        FieldSpec("number_format", "协议书编号格式", Kind.NUMBER_FORMAT, max_length=60),
        FieldSpec("show_dispatch_fields", "显示报到证信息", Kind.BOOL),
        FieldSpec("activation_code_validity_days", "激活码有效期（天）", Kind.INT, min_value=1, max_value=90),
        FieldSpec("time_zone", "时区", Kind.TIME_ZONE, max_length=40),
        FieldSpec("second_factor_required", "管理员两步验证", Kind.BOOL),
    )
}
