"""Agreement lists of the school portal: the employer portal's filters plus 院系, 单位名称, 单位性质.

Filters: 毕业年度, 学生姓名, 身份证号, 专业名称, 邀请起始日期, 邀请截至日期, 应约状态, 审核状态, 院系 (school admin),
单位名称, 单位性质, and the manual's tabs. Every list reads in a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import QueryDict

from core import codes
from core.calendar import current_graduation_year
from core.models import Agreement, Role, Status, User
from core.models.agreements import REVIEW_LABELS
from core.rules import TABS
from core.selectors import colleges_of_school, graduation_years_of_school
from core.selectors.paging import cached_choices
from school.access import school_id_of
from web.agreement_lists import RESPONSE_CHOICES, ListState, filtered
from web.agreement_lists import paginate as shared_paginate
from web.agreement_lists import parse_filters as parse_list_filters

PAGE_SIZE = 20
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


def parse_filters(params: QueryDict, user: User, *, default_year: bool = False) -> ListState:
    values = {key: params.get(key, "").strip() for key in FILTER_PARAMS}
    if values["tab"] not in TABS:
        values["tab"] = "all"
    if default_year and "year" not in params:
        values["year"] = str(current_graduation_year())
    # A college admin's list is their college whatever the query says.
    if user.role != Role.SCHOOL_ADMIN:
        values["college"] = ""
    filters, errors = parse_list_filters(values, status=REVIEW_CHOICES.get(values["review"], ""))
    response = values["response"] if values["response"] in RESPONSE_CHOICES else ""
    review = values["review"] if values["review"] in REVIEW_CHOICES else ""
    return ListState(filters=filters, response=response, review=review, values=values, errors=errors)


def paginate(qs: QuerySet[Agreement], number: str | None, *, size: int = PAGE_SIZE, prepare: bool = False) -> Page:
    return shared_paginate(qs, number, size=size, prepare=prepare)


def year_options(user: User) -> list[str]:
    """毕业年度 choices: the years of the school's roster (kept LIST_CHOICES_CACHE_SECONDS, as a list's choices
    drawn from the data are: core.selectors.paging.cached_choices), and the current one."""
    school_id = school_id_of(user)
    years = set(cached_choices(f"roster-years:{school_id}", lambda: graduation_years_of_school(school_id)))
    years.add(current_graduation_year())
    return [str(y) for y in sorted(years, reverse=True)]


def filter_options(user: User) -> dict[str, Any]:
    colleges: list[tuple[str, str]] = []
    if user.role == Role.SCHOOL_ADMIN:
        school_id = school_id_of(user)
        found = cached_choices(f"colleges:{school_id}", lambda: colleges_of_school(school_id))
        colleges = [(str(pk), name) for pk, name in found]
    return {
        "year_options": year_options(user),
        "college_options": colleges,
        "nature_options": codes.choices("nature"),
        "response_options": list(RESPONSE_CHOICES),
        "review_options": list(REVIEW_CHOICES),
        "tabs": [(key, label) for key, (label, _) in TABS.items()],
    }


__all__ = ["ListState", "Status", "filter_options", "filtered", "paginate", "parse_filters", "year_options"]
