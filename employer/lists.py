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
from core.models import Agreement, User
from core.selectors import schools_and_years_of
from web.agreement_lists import RESPONSE_CHOICES, ListState, filtered
from web.agreement_lists import paginate as shared_paginate
from web.agreement_lists import parse_filters as parse_list_filters

__all__ = ["ListState", "filter_options", "filtered", "paginate", "parse_filters"]

PAGE_SIZE = 10
FILTER_PARAMS = ("school", "year", "name", "id_number", "major", "from", "to", "response")


def parse_filters(params: QueryDict, *, tab: str = "all") -> ListState:
    values = {key: params.get(key, "").strip() for key in FILTER_PARAMS}
    filters, errors = parse_list_filters(values, tab=tab)
    response = values["response"] if values["response"] in RESPONSE_CHOICES else ""
    return ListState(filters=filters, response=response, values=values, errors=errors)


def paginate(qs: QuerySet[Agreement], number: str | None, *, prepare: bool = False) -> Page:
    return shared_paginate(qs, number, size=PAGE_SIZE, prepare=prepare)


def filter_options(user: User) -> dict[str, Any]:
    """院校 and 毕业年度 choices: the schools and years of this employer's own agreements."""
    schools, years = schools_and_years_of(user)
    years.add(current_graduation_year())
    return {
        "school_options": [(str(pk), name) for pk, name in schools],
        "year_options": [str(y) for y in sorted(years, reverse=True)],
        "response_options": list(RESPONSE_CHOICES),
    }
