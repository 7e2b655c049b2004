"""The API token of a request, with its user and the user's organisations: read on every API call, so by one
statement compiled once per connection (core.selectors.paging.CompiledRead) into the same instances
`select_related("user", "user__school", "user__college", "user__employer", "user__province")` would give (the
user's part is core.selectors.users', the one a session's user is read with)."""

from __future__ import annotations

from typing import Any

from django.db import models

from core.models import ApiToken
from core.selectors.paging import CompiledRead, as_given, attnames
from core.selectors.users import user_columns, user_from_row

_TOKEN = attnames(ApiToken)
_COLUMNS = (*_TOKEN, *user_columns("user__"))
# Never a key's SHA-256 (64 hex digits): where the hash goes in the compiled statement.
_MARKER = "compiled-read-marker"


def _token_query(key_hash: str) -> models.QuerySet[Any]:
    return ApiToken.objects.filter(key_hash=key_hash).order_by().values_list(*_COLUMNS)


_READ = CompiledRead(_token_query, marker=_MARKER, parameter=as_given)


def api_token_by_hash(key_hash: str) -> ApiToken | None:
    """The token stored under this hash (expired or not: its caller decides), its user and their organisations
    read."""
    using = ApiToken.objects.all().db
    rows = _READ.rows(key_hash, using=using)
    if not rows:
        return None
    row = rows[0]
    token = ApiToken.from_db(using, _TOKEN, row[: len(_TOKEN)])
    ApiToken.user.field.set_cached_value(token, user_from_row(row[len(_TOKEN) :], using))
    return token
