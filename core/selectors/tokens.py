"""The API token of a request, with its user and the user's employer and school: read on every API call, so by one
statement compiled once per connection (core.selectors.paging.CompiledRead) into the same instances
`select_related("user", "user__employer", "user__school")` would give."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models import ApiToken, Employer, School, User
from core.selectors.paging import CompiledRead

# (model, the path from ApiToken to it, its fields' attnames), in the row's order.
_PARTS: tuple[tuple[type[models.Model], str, tuple[str, ...]], ...] = tuple(
    (model, prefix, tuple(field.attname for field in model._meta.concrete_fields))
    for model, prefix in ((ApiToken, ""), (User, "user__"), (Employer, "user__employer__"), (School, "user__school__"))
)
_COLUMNS = tuple(f"{prefix}{attname}" for _, prefix, attnames in _PARTS for attname in attnames)
# Never a key's SHA-256 (64 hex digits): where the hash goes in the compiled statement.
_MARKER = "compiled-read-marker"


def _token_query(key_hash: str) -> models.QuerySet[Any]:
    return ApiToken.objects.filter(key_hash=key_hash).order_by().values_list(*_COLUMNS)


_READ = CompiledRead(_token_query, marker=_MARKER, parameter=lambda connection, value: value)


def api_token_by_hash(key_hash: str) -> ApiToken | None:
    """The token stored under this hash (expired or not: its caller decides), its user, employer and school read."""
    using = ApiToken.objects.all().db
    rows = _READ.rows(key_hash, using=using)
    if not rows:
        return None
    row = rows[0]
    made: list[models.Model | None] = []
    start = 0
    for model, _, attnames in _PARTS:
        values = row[start : start + len(attnames)]
        start += len(attnames)
        # A null FK (a user without employer or school) leaves that part's columns all NULL.
        made.append(model.from_db(using, attnames, values) if values[0] is not None else None)
    token, user, employer, school = made
    assert isinstance(token, ApiToken) and isinstance(user, User)
    User.employer.field.set_cached_value(user, employer)
    User.school.field.set_cached_value(user, school)
    ApiToken.user.field.set_cached_value(token, user)
    return token
