"""A menu's badge counts: COUNT(*) of each of a viewer's lists in one query, its statement compiled once per process
for the viewer's scope.

Building and compiling the few querysets behind a menu cost more CPU than counting them (≈1.5 ms against ≈0.2 ms
for an employer's four at 1M agreements), and their SQL depends only on who is looking. So the statement is
compiled the first time a scope asks and then only run: the counts stay exact on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
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


class KeptCounts:
    """A menu's badges by the to-do rule (core.selectors.todo's docstring): a count above TODO_COUNT_EXACT_LIMIT is
    kept LIST_COUNT_CACHE_SECONDS for its viewer, as a long list's 当前共N条记录 is, so a menu does not count
    thousands of index entries on every page; one at or below it is counted on every page, exactly; `always` are
    counted on every page whatever their length (the viewer's unread 消息: 全部标为已读 must clear them at once).
    What is left to count is one ScopedCounts statement per set of names left."""

    def __init__(
        self,
        lists: Callable[[User], Mapping[str, QuerySet[Any]]],
        scope: Callable[[User], tuple[Hashable, ...]],
        *,
        model: type[Model],
        names: tuple[str, ...],  # every name `lists` may give
        always: frozenset[str],
        prefix: str,  # of the cache keys
    ):
        self.lists = lists
        self.scope = scope
        self.model = model
        self.names = names
        self.always = always
        self.prefix = prefix
        self.counters: dict[frozenset[str], ScopedCounts] = {}

    def _counter(self, names: frozenset[str]) -> ScopedCounts:
        found = self.counters.get(names)
        if found is None:

            def lists(user: User) -> dict[str, QuerySet[Any]]:
                return {name: qs for name, qs in self.lists(user).items() if name in names}

            found = self.counters[names] = ScopedCounts(lists, self.scope, model=self.model)
        return found

    def __call__(self, user: User) -> dict[str, int]:
        # Kept per viewer and scope: an admin moved to another college sees that college's queues at once.
        viewer = ":".join(str(part) for part in self.scope(user))
        keys = {name: f"{self.prefix}:{viewer}:{name}" for name in self.names if name not in self.always}
        kept: dict[str, int] = cache.get_many(list(keys.values()))
        counts = {name: kept[key] for name, key in keys.items() if key in kept}
        asked = frozenset(self.names) - set(counts)
        if asked:
            fresh = self._counter(asked)(user)
            counts.update(fresh)
            long = {keys[name]: n for name, n in fresh.items() if name in keys and n > settings.TODO_COUNT_EXACT_LIMIT}
            if long:
                cache.set_many(long, settings.LIST_COUNT_CACHE_SECONDS)
        return counts
