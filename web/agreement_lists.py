"""What the agreement lists of the portals share: the manual's filters parsed from the query string, the 应约状态
choices, and a page of rows read in a constant number of queries. Each portal adds its own filters on top."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import QueryDict

from core.filters import AgreementFilterForm
from core.models import Agreement, Status, User
from core.models.agreements import RESPONSE_LABELS
from core.rules import TABS
from core.selectors import AgreementFilters, agreements_visible_to, filter_agreements
from core.selectors.list_rows import agreement_list_paginator

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

    def plannable_for(self, user: User) -> bool:
        """The list as first opened or paged, for a viewer whose scope has its index: AgreementFilters.plannable_for."""
        return self.filters.plannable_for(user) and not self.response and not self.errors

    def querystring(self, **extra: str) -> str:
        query = QueryDict(mutable=True)
        for key, value in {**self.values, **extra}.items():
            if value:
                query[key] = value
        return query.urlencode()


# The list pages' query-string names (short, for links people share) → the filter form's fields.
WEB_PARAMS = {
    "tab": "tab",
    "school": "school_id",
    "year": "graduation_year",
    "name": "name",
    "id_number": "id_number",
    "major": "major",
    "from": "invited_from",
    "to": "invited_to",
    "college": "college_id",
    "employer": "employer_name",
    "nature": "nature",
}
# Values picked from the page's own drop-downs: a stale or edited one is ignored, as if nothing were picked. What
# people type (毕业年度, the dates) is reported beside its field instead.
_PICKED = {"tab", "status", "school_id", "college_id", "nature"}


def parse_filters(
    values: dict[str, str], *, tab: str = "all", status: str = ""
) -> tuple[AgreementFilters, dict[str, str]]:
    """The list's filters from its query-string values (core.filters.AgreementFilterForm), and the errors keyed by
    query-string name. `tab` and `status` come from the page itself (the URL's tab, the 审核状态 chosen)."""
    if not any(value for param, value in values.items() if param in WEB_PARAMS and param != "tab"):
        # Nothing typed or picked but the tab (a list as first opened, or paged): no form to bind.
        chosen = values.get("tab", tab)
        return AgreementFilters(tab=chosen if chosen in TABS else "all", status=status if status in Status else ""), {}
    data = {field: values[param] for param, field in WEB_PARAMS.items() if param in values}
    data.setdefault("tab", tab)
    data["status"] = status
    form = AgreementFilterForm(data=data)
    form.is_valid()
    params = {field: param for param, field in WEB_PARAMS.items()}
    errors = {params[field]: message for field, message in form.error_messages().items() if field not in _PICKED}
    return form.filters(), errors


def filtered(user: User, state: ListState, *, statuses: tuple[str, ...] | None = None) -> QuerySet[Agreement]:
    """The viewer's agreements matching the filters (and, for a queue or tab, only the given statuses)."""
    if state.errors:
        # A malformed date or year is reported beside its field; the list shows nothing rather than everything.
        return agreements_visible_to(user).none()
    qs = filter_agreements(agreements_visible_to(user), state.filters)
    if statuses is not None:
        qs = qs.filter(status__one_of=statuses)
    if state.response:
        qs = qs.filter(status__one_of=RESPONSE_CHOICES[state.response])
    return qs


def paginate(qs: QuerySet[Agreement], number: str | None, *, size: int, prepare: bool = False) -> Page:
    """A page of the list (its count and ids as core.selectors.paging reads them), its rows as plain values
    (core.selectors.list_rows.AgreementRow); `prepare` for a list `ListState.plannable_for` its viewer (and no queue
    of its own)."""
    return agreement_list_paginator(qs, size, prepare=prepare).get_page(number)
