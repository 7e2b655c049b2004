"""What the agreement lists of the portals share: the manual's filters parsed from the query string, the 应约状态
choices, and a page of rows read in a constant number of queries. Each portal adds its own filters on top."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

from core.inputs import parse_int
from core.models import Agreement, User
from core.models.agreements import RESPONSE_LABELS
from core.selectors import (
    AgreementFilters,
    agreements_visible_to,
    attach_open_termination,
    filter_agreements,
    with_list_relations,
)

# 应约状态 as the list shows it → the statuses behind it (双方已签约 covers four).
RESPONSE_CHOICES: dict[str, tuple[str, ...]] = {}
for _status, _label in RESPONSE_LABELS.items():
    RESPONSE_CHOICES[_label] = (*RESPONSE_CHOICES.get(_label, ()), str(_status))


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


def parse_common(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """毕业年度 and the 邀请起始/截至日期 range, with their errors beside their fields."""
    year = None
    if values["year"]:
        year = parse_int(values["year"], minimum=1000, maximum=9999)
        if year is None:
            errors["year"] = "毕业年度应为四位年份"
    invited_from = _date(values["from"], "邀请起始日期", "from", errors)
    invited_to = _date(values["to"], "邀请截至日期", "to", errors)
    if invited_from and invited_to and invited_from > invited_to:
        errors["to"] = "邀请截至日期不能早于邀请起始日期"
    return {"graduation_year": year, "invited_from": invited_from, "invited_to": invited_to}


def filtered(user: User, state: ListState, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Agreement]:
    """The viewer's agreements matching the filters (and, for a queue or tab, only the given statuses)."""
    if state.errors:
        # A malformed date or year is reported beside its field; the list shows nothing rather than everything.
        return agreements_visible_to(user).none()
    qs = filter_agreements(agreements_visible_to(user), state.filters)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    if state.response:
        qs = qs.filter(status__in=RESPONSE_CHOICES[state.response])
    return qs


def paginate(qs: QuerySet[Agreement], number: str | None, *, size: int) -> Page:
    paginator = Paginator(with_list_relations(qs), size)
    page = paginator.get_page(number)
    page.object_list = attach_open_termination(list(page.object_list))
    return page
