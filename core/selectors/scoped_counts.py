"""A menu's badge counts: COUNT(*) of each of a viewer's lists in one query, its statement compiled once per process
for the viewer's scope.

Building and compiling the few querysets behind a menu cost more CPU than counting them (≈1.5 ms against ≈0.2 ms
for an employer's four at 1M agreements), and their SQL depends only on who is looking. So the statement is
compiled the first time a scope asks and then only run: the counts stay exact on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Func, IntegerField, Model, QuerySet

from core.models import User

# Per scope: the SELECT of scalar subqueries, its parameters, the names it counts (in order), every name.
_Statement = tuple[str, tuple[Any, ...], tuple[str, ...], tuple[str, ...]]


class ScopedCounts:
    """`counts(user)` → {name: COUNT(*)} of `lists(user)`, whose SQL must depend on nothing but `scope(user)` (and
    the database's vendor). It runs where the router sends a read of `model` (a replica inside `replica_reads`)."""

    def __init__(
        self,
        lists: Callable[[User], Mapping[str, QuerySet[Any]]],
        scope: Callable[[User], Hashable],
        *,
        model: type[Model],
        kept: int = 4096,  # scopes kept per process; past it, all are compiled again
    ):
        self.lists = lists
        self.scope = scope
        self.model = model
        self.kept = kept
        self.statements: dict[Hashable, _Statement] = {}

    def _compile(self, user: User, alias: str) -> _Statement:
        lists = self.lists(user)
        parts: list[str] = []
        params: list[Any] = []
        names: list[str] = []
        for name, qs in lists.items():
            counted = qs.order_by().annotate(_n=Func(template="COUNT(*)", output_field=IntegerField())).values("_n")
            try:
                sql, sql_params = counted.query.get_compiler(using=alias).as_sql()
            except EmptyResultSet:  # `none()`: counts 0, unasked
                continue
            parts.append(f"({sql})")
            params.extend(sql_params)
            names.append(name)
        return f"SELECT {', '.join(parts)}", tuple(params), tuple(names), tuple(lists)

    def __call__(self, user: User) -> dict[str, int]:
        alias = router.db_for_read(self.model) or "default"
        key = (self.scope(user), connections[alias].vendor)
        statement = self.statements.get(key)
        if statement is None:
            if len(self.statements) >= self.kept:
                self.statements.clear()
            statement = self.statements[key] = self._compile(user, alias)
        sql, params, names, every = statement
        found = dict.fromkeys(every, 0)
        if names:
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            found.update(zip(names, row, strict=True))
        return found
