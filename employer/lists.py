"""The agreement lists of 单位签约中心 and 解约办理: the manual's filters, parsed from the query string.

Filters: 院校, 毕业年度, 学生姓名, 身份证号, 专业名称, 邀请起始日期, 邀请截至日期, 应约状态 (查询 / 重置).
Every list reads in a constant number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from core.calendar import current_graduation_year
from core.models import Agreement, School, User
from core.models.agreements import RESPONSE_LABELS
from core.selectors import (
    AgreementFilters,
    agreements_visible_to,
    attach_open_termination,
    filter_agreements,
    with_list_relations,
)

PAGE_SIZE = 10
# 应约状态 as the list shows it → the statuses behind it (双方已签约 covers four).
RESPONSE_CHOICES: dict[str, tuple[str, ...]] = {}
for _status, _label in RESPONSE_LABELS.items():
    RESPONSE_CHOICES.setdefault(_label, ())
    RESPONSE_CHOICES[_label] = (*RESPONSE_CHOICES[_label], str(_status))
FILTER_PARAMS = ("school", "year", "name", "id_number", "major", "from", "to", "response")


@dataclass
class ListState:
    filters: AgreementFilters
    response: str = ""
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


def parse_filters(params: QueryDict, *, tab: str = "all") -> ListState:
    values = {key: params.get(key, "").strip() for key in FILTER_PARAMS}
    errors: dict[str, str] = {}
    school_id = int(values["school"]) if values["school"].isdigit() else None
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
    response = values["response"] if values["response"] in RESPONSE_CHOICES else ""
    filters = AgreementFilters(
        tab=tab,
        school_id=school_id,
        graduation_year=year,
        name=values["name"],
        id_number=values["id_number"],
        major=values["major"],
        invited_from=invited_from,
        invited_to=invited_to,
    )
    return ListState(filters=filters, response=response, values=values, errors=errors)


def filtered(user: User, state: ListState, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Agreement]:
    """The viewer's agreements matching the filters (and, for 解约办理, only the given statuses)."""
    filters = state.filters
    if state.errors:
        # A malformed date or year is reported beside its field; the list shows nothing rather than everything.
        return agreements_visible_to(user).none()
    qs = filter_agreements(agreements_visible_to(user), filters)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if state.response:
        qs = qs.filter(status__in=RESPONSE_CHOICES[state.response])
    return qs


def paginate(qs: QuerySet[Agreement], number: str | None) -> Page:
    paginator = Paginator(with_list_relations(qs), PAGE_SIZE)
    page = paginator.get_page(number)
    page.object_list = attach_open_termination(list(page.object_list))
    return page


def filter_options(user: User) -> dict[str, Any]:
    """院校 and 毕业年度 choices: the schools and years of this employer's own agreements."""
    mine = agreements_visible_to(user)
    schools = list(School.objects.filter(pk__in=mine.values("school_id")).order_by("code").values_list("pk", "name"))
    years = set(mine.values_list("student__graduation_year", flat=True).distinct())
    years.add(current_graduation_year())
    return {
        "school_options": [(str(pk), name) for pk, name in schools],
        "year_options": [str(y) for y in sorted(years, reverse=True)],
        "response_options": list(RESPONSE_CHOICES),
    }
