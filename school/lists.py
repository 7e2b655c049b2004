"""Agreement lists of the school portal: the employer portal's filters plus 院系, 单位名称, 单位性质.

Filters: 毕业年度, 学生姓名, 身份证号, 专业名称, 邀请起始日期, 邀请截至日期, 应约状态, 审核状态, 院系 (school admin),
单位名称, 单位性质, and the manual's tabs. Every list reads in a constant number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from core import codes
from core.calendar import current_graduation_year
from core.models import Agreement, College, Role, Status, Student, User
from core.models.agreements import RESPONSE_LABELS, REVIEW_LABELS, TABS
from core.selectors import (
    AgreementFilters,
    agreements_visible_to,
    attach_open_termination,
    filter_agreements,
    with_list_relations,
)
from school.access import school_id_of

PAGE_SIZE = 20
# 应约状态 as the list shows it → the statuses behind it (双方已签约 covers four).
RESPONSE_CHOICES: dict[str, tuple[str, ...]] = {}
for _status, _label in RESPONSE_LABELS.items():
    RESPONSE_CHOICES[_label] = (*RESPONSE_CHOICES.get(_label, ()), str(_status))
# 审核状态 → status (one each).
REVIEW_CHOICES: dict[str, str] = {label: str(status) for status, label in REVIEW_LABELS.items()}
FILTER_PARAMS = (
    "tab",
    "year",
    "name",
    "id_number",
    "major",
    "from",
    "to",
    "response",
    "review",
    "college",
    "employer",
    "nature",
)


@dataclass
class ListState:
    filters: AgreementFilters
    response: str = ""
    review: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def querystring(self, **extra: str) -> str:
        query = QueryDict(mutable=True)
        for key, value in {**self.values, **extra}.items():
            if value:
                query[key] = value
        return query.urlencode()


def _date(value: str, label: str, key: str, errors: dict[str, str]) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[key] = f"{label}格式应为年-月-日，如 2027-05-01"
        return None


def parse_filters(params: QueryDict, user: User, *, default_year: bool = False) -> ListState:
    values = {key: params.get(key, "").strip() for key in FILTER_PARAMS}
    if values["tab"] not in TABS:
        values["tab"] = "all"
    if default_year and "year" not in params:
        values["year"] = str(current_graduation_year())
    errors: dict[str, str] = {}
    year = None
    if values["year"]:
        if values["year"].isdigit() and len(values["year"]) == 4:
            year = int(values["year"])
        else:
            errors["year"] = "毕业年度应为四位年份"
    invited_from = _date(values["from"], "邀请起始日期", "from", errors)
    invited_to = _date(values["to"], "邀请截至日期", "to", errors)
    if invited_from and invited_to and invited_from > invited_to:
        errors["to"] = "邀请截至日期不能早于邀请起始日期"
    # A college admin's list is their college whatever the query says.
    college_id = None
    if user.role == Role.SCHOOL_ADMIN and values["college"].isdigit():
        college_id = int(values["college"])
    elif user.role != Role.SCHOOL_ADMIN:
        values["college"] = ""
    nature = values["nature"] if values["nature"] and codes.is_valid("nature", values["nature"]) else ""
    filters = AgreementFilters(
        tab=values["tab"],
        status=REVIEW_CHOICES.get(values["review"], ""),
        graduation_year=year,
        name=values["name"],
        id_number=values["id_number"],
        major=values["major"],
        college_id=college_id,
        employer_name=values["employer"],
        nature=nature,
        invited_from=invited_from,
        invited_to=invited_to,
    )
    response = values["response"] if values["response"] in RESPONSE_CHOICES else ""
    review = values["review"] if values["review"] in REVIEW_CHOICES else ""
    return ListState(filters=filters, response=response, review=review, values=values, errors=errors)


def filtered(user: User, state: ListState, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Agreement]:
    """The admin's agreements matching the filters (and, for a queue, only the given statuses)."""
    if state.errors:
        # A malformed date or year is reported beside its field; the list shows nothing rather than everything.
        return agreements_visible_to(user).none()
    qs = filter_agreements(agreements_visible_to(user), state.filters)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if state.response:
        qs = qs.filter(status__in=RESPONSE_CHOICES[state.response])
    return qs


def paginate(qs: QuerySet[Agreement], number: str | None, *, size: int = PAGE_SIZE) -> Page:
    paginator = Paginator(with_list_relations(qs), size)
    page = paginator.get_page(number)
    page.object_list = attach_open_termination(list(page.object_list))
    for agreement in page.object_list:
        # Templates may not read underscore attributes.
        agreement.open_termination = agreement._open_termination  # type: ignore[attr-defined]
    return page


def year_options(user: User) -> list[str]:
    """毕业年度 choices: the years of the school's roster, and the current one."""
    years = set(
        Student.objects.filter(school_id=school_id_of(user)).values_list("graduation_year", flat=True).distinct()
    )
    years.add(current_graduation_year())
    return [str(y) for y in sorted(years, reverse=True)]


def filter_options(user: User) -> dict[str, Any]:
    colleges: list[tuple[str, str]] = []
    if user.role == Role.SCHOOL_ADMIN:
        colleges = [
            (str(pk), name)
            for pk, name in College.objects.filter(school_id=school_id_of(user))
            .order_by("name")
            .values_list("pk", "name")
        ]
    return {
        "year_options": year_options(user),
        "college_options": colleges,
        "nature_options": codes.choices("nature"),
        "response_options": list(RESPONSE_CHOICES),
        "review_options": list(REVIEW_CHOICES),
        "tabs": [(key, label) for key, (label, _) in TABS.items()],
    }


__all__ = ["ListState", "Status", "filter_options", "filtered", "paginate", "parse_filters", "year_options"]
