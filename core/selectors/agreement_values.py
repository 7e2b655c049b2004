"""A list page's agreements as plain values: what the API's list shows of each row, read by one statement that is
compiled once per connection (`CompiledRead`) and prepared on PostgreSQL, and returned as dicts, not model
instances. The list's answer is built from these (api.representations.agreement_row_data); the same rows as
models (`agreement_rows`) serve the pages and the detail, and a test holds both answers equal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from core.fields import TERMS_FIELDS
from core.models import Agreement
from core.selectors.agreements import with_open_termination
from core.selectors.paging import CompiledRead, ListPaginator

# Row key → the field path read. Keys name what they are in the answer: `student.*`, `employer.*`, `terms.*`,
# `termination.*`, `school.*`; the agreement's own columns bare.
COLUMNS: dict[str, str] = {
    "id": "id",
    "status": "status",
    "number": "number",
    "paper": "paper",
    "school_id": "school_id",
    "college_id": "college_id",
    "employer_id": "employer_id",
    "invited_at": "invited_at",
    "expires_at": "expires_at",
    "signed_at": "signed_at",
    "effective_at": "effective_at",
    "terminated_at": "terminated_at",
    "verification_code": "verification_code",
    "school.name": "school__name",
    "school.code": "school__code",
    "school.show_dispatch_fields": "school__show_dispatch_fields",
    "student.id": "student_id",
    "student.user_id": "student__user_id",
    "student.name": "student__name",
    "student.gender": "student__gender",
    "student.graduation_year": "student__graduation_year",
    "student.college": "student__college__name",
    "student.major": "student__major__name",
    "student.degree": "student__degree",
    "student.student_no": "student__student_no",
    "student.id_number": "student__id_number",
    "student.phone": "student__phone",
    "student.email": "student__email",
    "employer.name": "employer__name",
    "employer.credit_code": "employer__credit_code",
    "employer.contact_person": "employer__contact_person",
    "employer.phone": "employer__phone",
    "employer.email": "employer__email",
    "employer.address": "employer__address",
    "employer.nature": "employer__nature",
    "employer.location": "employer__location",
    "employer.verification_status": "employer__verification_status",
    "terms.id": "current_terms_id",
    "terms.version": "current_terms__version",
    **{f"terms.{name}": f"current_terms__{name}" for name in TERMS_FIELDS},
    "terms.paper_number": "current_terms__paper_number",
    "terms.unit_nature": "current_terms__unit_nature",
    "terms.unit_location": "current_terms__unit_location",
    "termination.id": "open_termination_row__id",
    "termination.requester_role": "open_termination_row__requester_role",
    "termination.reason": "open_termination_row__reason",
    "termination.state": "open_termination_row__state",
    "termination.previous_status": "open_termination_row__previous_status",
    "termination.response_remark": "open_termination_row__response_remark",
    "termination.review_remark": "open_termination_row__review_remark",
    "termination.created_at": "open_termination_row__created_at",
}
_KEYS = tuple(COLUMNS)


def _rows_query(ids: Sequence[int]) -> QuerySet[Any]:
    return with_open_termination(Agreement.objects.filter(pk__any_of=ids)).order_by().values_list(*COLUMNS.values())


_READ = CompiledRead(_rows_query)


def agreement_row_values(ids: list[int]) -> list[dict[str, Any]]:
    """The list rows of these agreements (ids a scoped list query gave), in no particular order; read where the
    router sends a read of agreements (a replica inside `replica_reads`)."""
    using = Agreement.objects.all().db
    return [dict(zip(_KEYS, row, strict=True)) for row in _READ.rows(ids, using=using)]


def agreement_values_paginator(qs: QuerySet[Agreement], per_page: int, *, prepare: bool = False) -> ListPaginator:
    """Pages of a scoped, filtered list whose rows are `agreement_row_values` (core.selectors.paging)."""
    return ListPaginator(qs, per_page, agreement_row_values, prepare=prepare)
