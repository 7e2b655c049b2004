"""How agreement data reads on the student's screens: code tables turned into labels, terms grouped like the
邀请函, changes between versions. (The 消息 sentences are the events' own, in `core.catalogue`.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.fields import DISPATCH_FIELDS, TERMS_FIELDS, TERMS_SECTIONS, Section
from core.models import Agreement, AgreementTerms
from core.services.agreements import terms_as_dict
from core.services.terms import terms_diff

# The 邀请函's sections as the student reads them: the work conditions (协议条款) right after the position, under
# a title that says what they are to a graduate.
_STUDENT_TITLES = {"协议条款": "工作条件"}
TERMS_GROUPS: tuple[Section, ...] = (
    TERMS_SECTIONS[0],
    *(Section(_STUDENT_TITLES[s.title], s.fields) for s in TERMS_SECTIONS if s.title in _STUDENT_TITLES),
    *(s for s in TERMS_SECTIONS[1:] if s.title not in _STUDENT_TITLES),
)
_LABEL_TO_FIELD = {spec.label: name for name, spec in TERMS_FIELDS.items()}
EMPTY = "—"
# The optional terms (报到证 aside): when empty, nothing was agreed on them, rather than a value missing.
_AGREED_TERMS = {name for name, spec in TERMS_FIELDS.items() if not spec.required and name not in DISPATCH_FIELDS}


def format_term(field: str, value: Any) -> str:
    """One term as the student reads it: codes become their labels, amounts get their unit."""
    if value is None or value == "":
        return "未约定" if field in _AGREED_TERMS else EMPTY
    spec = TERMS_FIELDS[field]
    if spec.code_table:
        return spec.display(value)
    if field in ("monthly_salary", "liquidated_damages"):
        return f"{int(value):,} 元"
    if field == "probation_months":
        return "无试用期" if int(value) == 0 else f"{value} 个月"
    return str(value)


def _short_label(field: str) -> str:
    # "月薪（元）" already carries its unit in the value.
    return TERMS_FIELDS[field].short_label


@dataclass(frozen=True)
class TermRow:
    field: str
    label: str
    value: str


@dataclass(frozen=True)
class TermsGroup:
    title: str
    rows: list[TermRow]


def terms_groups(terms: AgreementTerms | None, *, show_dispatch: bool = True) -> list[TermsGroup]:
    values = terms_as_dict(terms)
    groups = []
    for section in TERMS_GROUPS:
        rows = [
            TermRow(field, _short_label(field), format_term(field, values.get(field)))
            for field in section.fields
            if show_dispatch or field not in DISPATCH_FIELDS
        ]
        title = "单位隶属" if not show_dispatch and section.title == "报到证信息" else section.title
        groups.append(TermsGroup(title, rows))
    return groups


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


def terms_changes(old: AgreementTerms | None, new: AgreementTerms | None) -> list[Change]:
    """What a modification changed, with both values as the student reads them."""
    changes = []
    for label, old_value, new_value in terms_diff(terms_as_dict(old), terms_as_dict(new)):
        field = _LABEL_TO_FIELD[label]
        changes.append(Change(_short_label(field), format_term(field, old_value), format_term(field, new_value)))
    return changes


def compared_version(agreement: Agreement) -> tuple[AgreementTerms | None, str]:
    """The version a pending invitation is compared with: the one the student accepted (a modification of a
    signed agreement), else the previous version the student was shown. Returns (terms, description)."""
    if agreement.accepted_terms_id and agreement.accepted_terms_id != agreement.current_terms_id:
        return agreement.accepted_terms, "你已同意的版本"
    current = agreement.current_terms
    if current is not None and current.version > 1:
        previous = agreement.terms_versions.filter(version=current.version - 1).first()
        return previous, "上一版本"
    return None, ""


def invitation_summary(agreement: Agreement) -> list[tuple[str, str]]:
    """The lines of an invitation card: who, which position, where, how much."""
    terms = agreement.current_terms
    values = terms_as_dict(terms)
    return [
        ("统一社会信用代码", agreement.employer.credit_code),
        ("拟聘用职位", format_term("position", values.get("position"))),
        ("工作职位类别", format_term("position_category", values.get("position_category"))),
        ("工作地点", format_term("work_location", values.get("work_location"))),
        ("月薪", format_term("monthly_salary", values.get("monthly_salary"))),
    ]
