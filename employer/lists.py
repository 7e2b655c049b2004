"""The agreement lists of 单位签约中心 and 解约办理: the manual's filters, parsed from the query string.

Filters: 院校, 毕业年度, 学生姓名, 身份证号, 专业名称, 邀请起始日期, 邀请截至日期, 应约状态 (查询 / 重置).
Every list reads in a constant number of queries whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import QueryDict

from core.calendar import current_graduation_year
from core.inputs import parse_id
from core.models import Agreement, User
from core.selectors import AgreementFilters, schools_and_years_of
from web.agreement_lists import RESPONSE_CHOICES, ListState, filtered, parse_common
from web.agreement_lists import paginate as shared_paginate

__all__ = ["ListState", "filter_options", "filtered", "paginate", "parse_filters"]

PAGE_SIZE = 10
FILTER_PARAMS = ("school", "year", "name", "id_number", "major", "from", "to", "response")


def parse_filters(params: QueryDict, *, tab: str = "all") -> ListState:
    values = {key: params.get(key, "").strip() for key in FILTER_PARAMS}
    errors: dict[str, str] = {}
    school_id = parse_id(values["school"])
    response = values["response"] if values["response"] in RESPONSE_CHOICES else ""
    filters = AgreementFilters(
        tab=tab,
        school_id=school_id,
        name=values["name"],
        id_number=values["id_number"],
        major=values["major"],
        **parse_common(values, errors),
    )
    return ListState(filters=filters, response=response, values=values, errors=errors)


def paginate(qs: QuerySet[Agreement], number: str | None) -> Page:
    return shared_paginate(qs, number, size=PAGE_SIZE)


def filter_options(user: User) -> dict[str, Any]:
    """院校 and 毕业年度 choices: the schools and years of this employer's own agreements."""
    schools, years = schools_and_years_of(user)
    years.add(current_graduation_year())
    return {
        "school_options": [(str(pk), name) for pk, name in schools],
        "year_options": [str(y) for y in sorted(years, reverse=True)],
        "response_options": list(RESPONSE_CHOICES),
    }
