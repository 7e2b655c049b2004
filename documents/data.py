"""Everything printed on the agreement, as plain immutable data.

The renderer takes only this, never model instances, so it can be benchmarked and tested without a
database and so a rendered version depends on nothing but what was captured here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

DEFAULT_TITLE = "全国普通高等学校毕业生就业协议书"


@dataclass(frozen=True)
class SchoolParty:
    """丙方."""

    name: str
    code: str
    department: str = "就业指导中心"


@dataclass(frozen=True)
class EmployerParty:
    """甲方: 基本信息 plus the labels of its 签约信息 codes."""

    name: str
    credit_code: str
    contact_person: str
    phone: str
    email: str
    address: str
    nature_label: str
    location_label: str


@dataclass(frozen=True)
class StudentParty:
    """乙方, unmasked: the agreement is a legal document."""

    name: str
    gender: str
    id_number: str
    student_no: str
    degree_label: str
    college: str
    major: str
    graduation_year: int
    phone: str
    email: str


@dataclass(frozen=True)
class AgreementTermsData:
    """The agreed 邀请函 terms, with code-table values already turned into labels."""

    unit_name: str
    position_category_label: str
    position: str
    archive_receiving_label: str
    archive_unit_name: str
    archive_address: str
    archive_postcode: str
    archive_contact: str
    archive_phone: str
    affiliation_label: str
    hukou_receiving_label: str
    hukou_address: str
    work_location_label: str
    monthly_salary: int | None
    probation_months: int | None
    liquidated_damages: int | None
    other_terms: str = ""
    # 报到证 was abolished from the 2023 cohort; a school setting hides these two.
    show_dispatch: bool = True
    dispatch_title: str = ""
    dispatch_location_label: str = ""


@dataclass(frozen=True)
class ReviewEntry:
    """One line of 流程追踪."""

    time: datetime
    actor: str
    action: str
    remark: str = ""


@dataclass(frozen=True)
class AgreementDocumentData:
    school: SchoolParty
    employer: EmployerParty
    student: StudentParty
    terms: AgreementTermsData
    terms_version: int
    # Assigned when the school's approval makes the agreement effective; a draft has neither.
    number: str | None = None
    verification_code: str | None = None
    verify_url: str | None = None
    events: tuple[ReviewEntry, ...] = ()
    signed_date: date | None = None
    effective_date: date | None = None
    title: str = DEFAULT_TITLE
    # Printed diagonally on every page for anything that is not a valid effective agreement
    # (e.g. "未生效" for a preview, "已解约" after termination).
    watermark: str | None = None
    # The document will carry the school's PAdES signature; the 丙方 box says so.
    digitally_signed: bool = False
    issued_at: datetime | None = None
