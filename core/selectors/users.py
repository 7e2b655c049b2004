"""The signed-in user with the organisations their pages show: read on every request, by a session (the auth
backends' `get_user`, web/backends.py) or an API token (core.selectors.tokens), so by one statement compiled once
per process (core.selectors.paging.CompiledRead) into the instances `select_related(*ORGANISATIONS)` would give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import models

from core.models import User
from core.selectors.paging import CompiledRead, as_given, attnames

# Read with the user, each a join by primary key: the portals' chrome names them on every page (the school and
# college, the employer, the province) and the second factor asks the school's setting on every request.
ORGANISATIONS = ("school", "college", "employer", "province")


def _organisation(name: str) -> tuple[models.ForeignKey[Any, Any], type[models.Model], tuple[str, ...]]:
    field = cast("models.ForeignKey[Any, Any]", User._meta.get_field(name))
    model = cast("type[models.Model]", field.related_model)
    return field, model, attnames(model)


_USER = attnames(User)
# (the User field that caches it, its model, the model's attnames), in the row's order after the user's columns.
_ORGANISATIONS = tuple(_organisation(name) for name in ORGANISATIONS)


def user_columns(path: str = "") -> tuple[str, ...]:
    """The columns `user_from_row` reads, for `values_list` on a model whose path to the user is `path`
    (`"user__"` from an ApiToken, `""` from User)."""
    own = (f"{path}{attname}" for attname in _USER)
    theirs = (f"{path}{field.name}__{attname}" for field, _, columns in _ORGANISATIONS for attname in columns)
    return (*own, *theirs)


def user_from_row(row: Sequence[Any], using: str) -> User:
    """The user of these values (`user_columns`' order), each organisation cached on it as a lazy load would leave
    it: the instance, or None for one the user has not."""
    user = User.from_db(using, _USER, row[: len(_USER)])
    start = len(_USER)
    for field, model, columns in _ORGANISATIONS:
        values = row[start : start + len(columns)]
        start += len(columns)
        # Without one (a null FK), its columns are all NULL and None is cached, as a lazy load caches it.
        related = model.from_db(using, columns, values) if getattr(user, field.attname) is not None else None
        field.set_cached_value(user, related)
    return user


def _user_query(user_id: Any) -> models.QuerySet[Any]:
    return User.objects.filter(pk=user_id).order_by().values_list(*user_columns())


# Never a user's id: where the id goes in the compiled statement.
_MARKER = -1
_READ = CompiledRead(_user_query, marker=_MARKER, parameter=as_given)


def user_by_id(user_id: Any) -> User | None:
    """The user with this primary key (active or not: the caller decides), with its organisations; None if there
    is none. A value that is no id raises as `User.objects.get(pk=...)` does."""
    pk = User._meta.pk.get_prep_value(user_id)  # type: ignore[union-attr]
    using = User.objects.all().db
    rows = _READ.rows(pk, using=using)
    return user_from_row(rows[0], using) if rows else None
