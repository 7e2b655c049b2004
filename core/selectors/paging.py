"""Paging a long list in a bounded number of rows, whatever the data size.

- 当前共N条记录 (`count_rows`): exact for a list of at most `LIST_COUNT_EXACT_LIMIT` rows. A longer list's count is
  kept `LIST_COUNT_CACHE_SECONDS` in the cache under its query (the viewer's scope and every filter are in the SQL),
  so a count above the limit is at most that many seconds old (plus, past it, LIST_COUNT_GRACE_SECONDS while one
  process recounts it for all; plus CACHE_LOCAL_SECONDS with a shared cache, CACHE_URL); below it, it is exact on
  every request, in the statement that reads its page's ids (a window counting the list's first
  LIST_COUNT_EXACT_LIMIT + 1 rows: one statement planned, one round trip).
- A page reads its ids first from the list's own query (ordering and filters only: an index read, no joins however
  deep the page), then the rows of those ids with everything a row shows (`ListPaginator`). A page in the list's
  second half is read from the end in the reverse order, so no page skips more than half the list. In a list whose
  count is kept, a page skipping LIST_MARK_EVERY rows or more starts from a kept mark (the sort key of the row at the
  last multiple of LIST_MARK_EVERY before it, in its direction) and skips at most LIST_MARK_EVERY rows past it
  (`(invited_at, id) <= (mark)`, an index condition), so the deepest page costs what page 25 does; its rows are then
  as the list stood when the mark was kept, at most LIST_COUNT_CACHE_SECONDS ago — the count's own rule. So paging
  through a whole list while it changes may skip or repeat a row at a page read from a mark (as at the list's middle
  with a kept count); a complete copy of a list is its export (导出), read in one statement.
- A list's filter choices drawn from the data (the 毕业年度 and 院校 of the viewer's own agreements) are kept
  `LIST_CHOICES_CACHE_SECONDS` (`cached_choices`): a year or school new to the viewer shows up at most that late.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, Field, Func, IntegerField, Lookup, Model, QuerySet, Value
from django.db.models.expressions import BaseExpression, RawSQL
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query
from django.db.models.sql.where import WhereNode
from django.utils import timezone
from django.utils.functional import cached_property

T = TypeVar("T")

# The loader psycopg itself registers for timestamptz (its C one, psycopg[binary]), not Django's subclass of it.
_PSYCOPG_TIMESTAMPTZ = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)


def cached_choices(key: str, compute: Callable[[], T]) -> T:
    """A list's filter choices under `key` (name the viewer's scope in it), computed at most every
    LIST_CHOICES_CACHE_SECONDS."""
    key = f"list-choices:{key}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.LIST_CHOICES_CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def count_rows(qs: QuerySet[Any]) -> int:
    """How many rows the list has (see the module's rule for lists longer than LIST_COUNT_EXACT_LIMIT)."""
    qs = qs.order_by()
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # .none(): a list refused by its filters
        return 0
    return _kept_count((qs.db, sql, params), qs.count)


def _query_digest(query: tuple[str, str, Any]) -> str:
    """A list's statement (alias, SQL, parameters: the viewer's scope and every filter) as a cache key's part."""
    return hashlib.sha256(repr(query).encode()).hexdigest()


def _kept_count(query: tuple[str, str, Any], count: Callable[[], int]) -> int:
    """`count()`, or the count kept for this query (alias, SQL, parameters) when it was above LIST_COUNT_EXACT_LIMIT.

    A kept count is fresh LIST_COUNT_CACHE_SECONDS, then kept LIST_COUNT_GRACE_SECONDS more: the first request after
    it went stale claims the recount (`cache.add`, which Redis answers for every process sharing it) and the others
    show the stale count meanwhile, so a 90 ms count is not run by every worker at the same moment. A recount that
    never ends leaves the claim and the count to expire together; the next request counts. A recount that ends does
    not release the claim either: a process that read the stale count meanwhile keeps it in its memory up to
    CACHE_LOCAL_SECONDS (the shared cache), and would count again; the claim outlives the new count's freshness only
    when LIST_COUNT_CACHE_SECONDS < LIST_COUNT_GRACE_SECONDS, a stale count then shown until the claim expires."""
    key = "list-count:v2:" + _query_digest(query)
    seconds, grace = settings.LIST_COUNT_CACHE_SECONDS, settings.LIST_COUNT_GRACE_SECONDS
    kept = cache.get(key)
    if not (isinstance(kept, tuple) and len(kept) == 2 and all(isinstance(v, (int, float)) for v in kept)):
        kept = None  # nothing, or no count of ours (a previous release's, another program's): counted anew
    if kept is not None:
        counted, fresh_until = kept
        if time.time() < fresh_until or not cache.add(f"{key}:recount", True, grace):
            return int(counted)
    counted = count()
    if counted > settings.LIST_COUNT_EXACT_LIMIT and seconds > 0:
        cache.set(key, (counted, time.time() + seconds), seconds + grace)
    elif kept is not None:
        cache.delete(key)  # at or below the limit again: exact from now on, in every process
    return counted


# A statement's closing ORDER BY of columns (quoted names or positions, each ASC or DESC, NULLS FIRST or LAST): what
# follows the last " ORDER BY " to the end, so never one inside a subquery (a ")" would follow it).
_ORDER_TERM = r'(?:(?:"[^"]+"\.)?"[^"]+"|\d+)(?: ASC| DESC)?(?: NULLS (?:FIRST|LAST))?'
_ORDER_BY_COLUMNS = re.compile(rf" ORDER BY {_ORDER_TERM}(?:, {_ORDER_TERM})*$")


# A list's ids read from a mark: the statement per (alias, the ids' statement, read backwards), compiled once a process.
_SEEKS: dict[tuple[str, str, bool], str] = {}


# A list's ids statement per what it is compiled from (`_compiled_key`), for this process: compiling a list's query
# costs about 0.3 ms of a request's CPU, and one list is asked again and again (paged through, refreshed, by every
# administrator of a school with the same filters).
_COMPILED_IDS: dict[Hashable, tuple[str, Any, str]] = {}


def _compiled_key(query: Query, alias: str) -> Hashable | None:
    """What a plain query's ids statement is compiled from: its conditions with their values (Django's lookups compare
    and hash by their values) and their values' types (`_value_types`), its ordering, the database and the time zone
    (a date filter compiles with its name); None for a query with anything more (a join, an annotation, DISTINCT,
    extra(), a slice, a subquery, whose queryset hashes by identity: never found), which is compiled on every request,
    or whose conditions cannot be hashed."""
    if (
        query.annotations
        or query.extra
        or query.extra_tables
        or query.extra_order_by
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or query.low_mark
        or query.high_mark is not None
        or query.select_related
        or query.select_for_update
        or query.values_select
        or query.select
        or any(count for name, count in query.alias_refcount.items() if name != query.base_table)
    ):
        return None
    # A subquery (a province's schools) hashes by its identity, new on every request: never found, not kept.
    types = _value_types(query.where)
    if types is None:
        return None
    return (
        alias,
        query.model,
        query.where,
        types,
        tuple(query.order_by),
        query.default_ordering,
        query.standard_ordering,
        timezone.get_current_timezone_name(),
    )


def _value_types(node: WhereNode) -> tuple[Any, ...] | None:
    """The types of each condition's value, in the tree's order: a part of the key, for Python's == is not the
    database's (True == 1 and they hash alike, yet a JSON key compiles them `true` and `1`); None when a condition holds
    a subquery or is no lookup (an extra() condition)."""
    types: list[Any] = []
    for child in node.children:
        if isinstance(child, WhereNode):
            inner = _value_types(child)
            if inner is None:
                return None
            types.append(inner)
        elif not isinstance(child, Lookup) or child.contains_subquery:
            return None
        elif isinstance(child.rhs, (list, tuple)):
            types.append(tuple(_value_type(value) for value in child.rhs))
        elif isinstance(child.rhs, (set, frozenset)):
            types.append(frozenset(_value_type(value) for value in child.rhs))
        else:
            types.append(_value_type(child.rhs))
    return tuple(types)


def _value_type(value: Any) -> Any:
    """A condition's value's type; a Value's names what it wraps too, for a Value compares and hashes by that:
    Value(True) == Value(1), yet they compile True and 1. An expression's names the types of the Values inside it (a
    list of expressions is one: ExpressionList)."""
    if isinstance(value, Value):
        return (Value, type(value.value))
    if isinstance(value, BaseExpression):
        return (type(value), tuple(_value_type(inner) for inner in value.get_source_expressions()))
    return type(value)


class ListPaginator(Paginator):
    """A Paginator over an ordered queryset: its count is `count_rows`, its page the ids read first, then `rows(ids)`
    (which returns the objects of those ids, in any order; the page keeps the list's order)."""

    def __init__(
        self,
        qs: QuerySet[Any],
        per_page: int,
        rows: Callable[[list[int]], Sequence[Model] | Sequence[dict[str, Any]]],
        *,
        prepare: bool = False,
    ):
        super().__init__(qs, per_page)
        self.qs = qs
        self.rows = rows
        self.prepare = prepare

    @cached_property
    def _prepared(self) -> bool:
        """Whether the first page's statement is run prepared (`prepared`: planned once per connection, its one
        generic plan after PostgreSQL's first five): only when the caller says the list's plan does not depend on its
        values (`prepare`: a scope and a tab with an index of its own, AgreementFilters.plannable_for), its parameters
        then the scope's keys. Any other value (a 毕业年度, a college within a school) can make another index the right
        one for some values, which a generic plan cannot know."""
        return self.prepare and self._ids is not None

    @cached_property
    def _ids(self) -> tuple[str, Any, str] | None:
        """The list's ids in its order, compiled once for the count's key and the page: (sql, params, alias), or None
        when its filters refuse every row. A plain query's statement is compiled once per process (`_COMPILED_IDS`)."""
        alias = self.qs.db
        key = _compiled_key(self.qs.query, alias)
        try:
            found = _COMPILED_IDS.get(key) if key is not None else None
        except TypeError:  # a condition's value that cannot be hashed
            key = found = None
        if found is not None:
            return found
        ids = self.qs.values_list("pk", flat=True)
        try:
            sql, params = ids.query.sql_with_params()
        except EmptyResultSet:  # .none()
            return None
        if key is not None:
            if len(_COMPILED_IDS) >= 1000:
                _COMPILED_IDS.clear()
            _COMPILED_IDS[key] = (sql, params, alias)
        return sql, params, alias

    @cached_property
    def count(self) -> int:
        if self._ids is None:
            return 0
        sql, params, alias = self._ids
        return _kept_count((alias, sql, params), self._count)

    def _count(self) -> int:
        """COUNT(*) of the ids' statement without its ORDER BY (the same rows, and the plan of Django's own count: the
        subquery is flattened), so that a short list counted on every request is not compiled twice; Django's count
        where that statement does not end in an ORDER BY of columns (`_ORDER_BY_COLUMNS`)."""
        assert self._ids is not None
        sql, params, alias = self._ids
        ordered = _ORDER_BY_COLUMNS.search(sql)
        if ordered is None:
            return self.qs.count()
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql[: ordered.start()]}) subquery", params)
            return int(cursor.fetchone()[0])

    def validate_number(self, number: Any) -> int:
        # Where page() and get_page() first need the count: read with the page's ids when the list is short.
        if "count" not in self.__dict__:
            self._count_with_page(number)
        return super().validate_number(number)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        count = self.count
        # A page in the second half is read from the end: the same rows, skipping count - top instead of bottom (exact
        # with an exact count; with a kept one, as the list stood when it was counted).
        backwards = bottom > count // 2
        skip, end = (max(count - top, 0), max(count - bottom, 0)) if backwards else (bottom, top)
        every = settings.LIST_MARK_EVERY
        if self._ids is None:
            ids: list[int] = []
        elif self._read_with_count is not None and self._read_with_count[0] == number:
            ids, backwards = self._read_with_count[1], False
        elif every and skip >= every and count > settings.LIST_COUNT_EXACT_LIMIT and self._sort_key is not None:
            ids = self._ids_from_mark(skip, end, backwards, skip - skip % every)
        elif backwards:
            ids = list(self.qs.reverse().values_list("pk", flat=True)[skip:end])
        else:
            sql, params, alias = self._ids
            with self._first_page(alias, bottom == 0), connections[alias].cursor() as cursor:
                cursor.execute(f"{sql} LIMIT {int(self.per_page)} OFFSET {int(bottom)}", params)
                ids = [pk for (pk,) in cursor.fetchall()]
        if backwards:
            ids.reverse()
        by_id = {_row_id(row): row for row in self.rows(ids)} if ids else {}
        return Page([by_id[pk] for pk in ids if pk in by_id], number, self)

    def _first_page(self, alias: str, first: bool) -> AbstractContextManager[None]:
        """The first page's statement prepared where the list may be (`_prepared`): the page asked most, its statement
        one text (a deeper page's OFFSET makes each its own)."""
        return prepared(alias) if first and self._prepared else nullcontext()

    # (page number, its ids) when the count was read with the page (`_count_with_page`).
    _read_with_count: tuple[int, list[int]] | None = None

    def _count_with_page(self, number: Any) -> None:
        """The count, and for a short list the page `number`'s ids with it, in one statement: a list not kept (at most
        LIST_COUNT_EXACT_LIMIT rows) is counted on every request, and counting it apart from its page cost a second
        statement planned and a round trip. Its first LIST_COUNT_EXACT_LIMIT + 1 rows in the list's order, counted by
        a window and paged (`_windowed`); a longer list (a count above the limit) is counted as before and kept. A
        kept count is read from the cache as before, the page then read as without it."""
        if self._ids is None:
            return
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return  # validate_number says what is wrong with it
        if wanted < 1:
            return
        sql, params, alias = self._ids

        def count() -> int:
            # A page starting past the window's rows is empty in it: counted on its own, its OFFSET never written (a
            # page number an API client sends may be any integer, past the database's bigint).
            within = (wanted - 1) * int(self.per_page) <= max(settings.LIST_COUNT_EXACT_LIMIT, 0)
            windowed = self._windowed(wanted) if within else None
            if windowed is None:
                return self._count()
            with self._first_page(alias, wanted == 1), connections[alias].cursor() as cursor:
                cursor.execute(windowed, params)
                rows = cursor.fetchall()
            if not rows and wanted > 1:  # a page past the list's end: counted on its own
                return self._count()
            counted = int(rows[0][1]) if rows else 0
            if counted > settings.LIST_COUNT_EXACT_LIMIT:
                return self._count()
            self._read_with_count = (wanted, [pk for (pk, _) in rows])
            return counted

        self.__dict__["count"] = _kept_count((alias, sql, params), count)

    def _windowed(self, number: int) -> str | None:
        """The ids' statement for page `number` with the count of the list's first LIST_COUNT_EXACT_LIMIT + 1 rows on
        every row: `SELECT pk, COUNT(*) OVER () FROM (its first rows) ORDER BY its sort key LIMIT … OFFSET …` (the
        inner rows come in that order, so PostgreSQL sorts nothing again). None unless the list's ordering is a sort
        key (`_sort_key`) and its statement selects the primary key alone, as `_ids` compiles it."""
        assert self._ids is not None
        sql, _, alias = self._ids
        if self._sort_key is None:
            return None
        quote = connections[alias].ops.quote_name
        table = quote(self.qs.model._meta.db_table)
        pk = f"SELECT {table}.{quote(self.qs.model._meta.pk.column)} AS {quote('pk')}"
        if not sql.startswith(f"{pk} FROM "):
            return None
        fields, descending = self._sort_key
        keys = [f"{table}.{quote(field.column)} AS {quote(f'_key{i}')}" for i, field in enumerate(fields)]
        direction = " DESC" if descending else " ASC"
        order = ", ".join(f"{quote('_list')}.{quote(f'_key{i}')}{direction}" for i in range(len(fields)))
        cap = max(settings.LIST_COUNT_EXACT_LIMIT, 0) + 1
        return (
            f"SELECT {quote('_list')}.{quote('pk')}, COUNT(*) OVER () FROM ({pk}, {', '.join(keys)}{sql[len(pk) :]} "
            f"LIMIT {cap}) {quote('_list')} ORDER BY {order} "
            f"LIMIT {int(self.per_page)} OFFSET {(number - 1) * int(self.per_page)}"
        )

    @cached_property
    def _sort_key(self) -> tuple[list[Field[Any, Any]], bool] | None:
        """The list's ordering as (its fields, descending) when it can be sought by a row comparison: the model's own
        columns, none nullable, all in one direction, ending in the primary key (so a key is one row's place);
        otherwise None (such a list always skips with OFFSET)."""
        query = self.qs.query
        meta = query.get_meta()
        given = list(query.order_by or ((meta.ordering or ()) if query.default_ordering else ()))
        order = [name for name in given if isinstance(name, str)]
        if not order or len(order) != len(given):
            return None
        descending = {name.startswith("-") for name in order}
        names = [name.lstrip("-") for name in order]
        if len(descending) != 1 or names[-1] not in ("pk", meta.pk.name):
            return None
        fields = []
        for name in names:
            field = meta.pk if name == "pk" else next((f for f in meta.concrete_fields if f.name == name), None)
            # A relation orders by its model's own ordering, not its column: never a key.
            if field is None or field.null or field.is_relation:
                return None
            fields.append(field)
        return fields, descending.pop() == query.standard_ordering

    def _seek(self, backwards: bool, mark: Any) -> tuple[str, list[Any]] | None:
        """The ids' statement from `mark` on (at or past it in the direction read: the first row is the mark's own
        place), and its parameters; compiled once per process for each statement of the ids (`_SEEKS`), whose
        parameters it takes with the mark's after them. None when `mark` is not a key of this list (what the cache
        held under its name was not written by `_ids_from_mark`): the page is then read as without one."""
        assert self._ids is not None and self._sort_key is not None
        sql, params, alias = self._ids
        connection = connections[alias]
        fields = self._sort_key[0]
        if not isinstance(mark, tuple) or len(mark) != len(fields) or any(v is None for v in mark):
            return None  # a key's columns are never null (`_sort_key`): NULL would compare as no row at all
        try:
            # The key as the database stores it (SQLite compares datetimes as its own text).
            values = [field.get_db_prep_value(v, connection) for field, v in zip(fields, mark, strict=True)]
        except (TypeError, ValueError, ValidationError):
            return None
        seek = _SEEKS.get((alias, sql, backwards))
        if seek is not None:
            return seek, [*params, *values]
        table = connection.ops.quote_name(self.qs.model._meta.db_table)
        columns = ", ".join(f"{table}.{connection.ops.quote_name(field.column)}" for field in fields)
        operator = "<=" if self._sort_key[1] != backwards else ">="
        after = RawSQL(f"({columns}) {operator} ({', '.join(['%s'] * len(values))})", values, BooleanField())
        qs = self.qs.reverse() if backwards else self.qs
        seek, seek_params = qs.filter(after).values_list("pk", flat=True).query.sql_with_params()
        if list(seek_params) == [*params, *values]:  # the mark's parameters last: the statement can be kept
            if len(_SEEKS) >= 1000:
                _SEEKS.clear()
            _SEEKS[(alias, sql, backwards)] = seek
        return seek, list(seek_params)

    def _ids_from_mark(self, skip: int, end: int, backwards: bool, at: int) -> list[int]:
        """The ids from `skip` to `end` in the list's order (from its end when `backwards`), read from the mark kept at
        `at` (skip rounded down to LIST_MARK_EVERY): at most LIST_MARK_EVERY rows skipped past it. Without the mark
        (or with a value under its name that is none), the rows from `at` are read with OFFSET and the first one's key
        is kept as the mark."""
        assert self._ids is not None and self._sort_key is not None
        sql, params, alias = self._ids
        key = f"list-mark:v1:{_query_digest((alias, sql, params))}:{'end' if backwards else 'start'}:{at}"
        mark = cache.get(key)
        sought = None if mark is None else self._seek(backwards, mark)
        if sought is not None:
            seek, seek_params = sought
            with connections[alias].cursor() as cursor:
                cursor.execute(f"{seek} LIMIT {int(end - skip)} OFFSET {int(skip - at)}", seek_params)
                return [pk for (pk,) in cursor.fetchall()]
        qs = self.qs.reverse() if backwards else self.qs
        rows = list(qs.values_list("pk", *(field.name for field in self._sort_key[0]))[at:end])
        if rows and len(rows) > skip - at:
            cache.set(key, tuple(rows[0][1:]), settings.LIST_COUNT_CACHE_SECONDS)
        return [row[0] for row in rows[skip - at :]]


def _row_id(row: Model | dict[str, Any]) -> Any:
    return row["id"] if isinstance(row, dict) else row.pk


@IntegerField.register_lookup
class AnyOf(Lookup[Any]):
    """`pk__any_of=[ids]`: the ids as one array parameter, so the statement's text is the same however many ids
    a page has (on SQLite a JSON array read by json_each) — what lets `CompiledRead` compile and prepare it once."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} {self.operator(connection)}", [*lhs_params, self.parameter(connection, self.rhs)]

    @staticmethod
    def operator(connection: BaseDatabaseWrapper) -> str:
        return "= ANY(%s)" if connection.vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"

    @staticmethod
    def parameter(connection: BaseDatabaseWrapper, ids: Sequence[int]) -> Any:
        return list(ids) if connection.vendor == "postgresql" else json.dumps(list(ids))


_CODE = re.compile(r"[a-z0-9_]+")


@CharField.register_lookup
class OneOf(In):
    """`status__one_of=(...)`: `IN ('a', 'b')` with a fixed set of codes (a tab's statuses) written into the statement
    rather than sent as parameters, so that a prepared statement's one plan can still use the partial index whose
    predicate is that set (a parameter could be any status). Only codes of lower-case letters, digits and `_`; any
    other value is refused (ValueError), never written."""

    lookup_name = "one_of"

    def process_rhs(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        codes = [str(value) for value in self.rhs]
        if not codes or not all(_CODE.fullmatch(code) for code in codes):
            raise ValueError(f"one_of takes codes, not {codes!r}")
        return "({})".format(", ".join(f"'{code}'" for code in codes)), []


def as_given(connection: BaseDatabaseWrapper, value: Any) -> Any:
    """A CompiledRead's `parameter` for a read by one value (a session key, a token's hash, a user's id), bound as it
    is rather than as `AnyOf`'s array of ids."""
    return value


def attnames(model: type[Model]) -> tuple[str, ...]:
    """A model's concrete columns as `Model.from_db` takes them back from a CompiledRead's row."""
    return tuple(field.attname for field in model._meta.concrete_fields)


class CompiledRead:
    """A read whose SQL never changes but for one parameter: `build(value)` makes its queryset (ending in
    `values_list`), compiled once per database alias with `marker` as the value; each call then only runs the statement
    (prepared on PostgreSQL, see `prepared`) with `parameter(connection, value)` in the marker's place and converts
    the rows as Django's `values_list` would. For reads on every request whose compiling costs more than running
    them: a page's rows by id (`pk__any_of`, the default) or a token by its hash."""

    # Every one made, for ops.warm to compile in gunicorn's master (a worker's first request compiled them).
    made: list[CompiledRead] = []

    def __init__(
        self,
        build: Callable[[Any], QuerySet[Any]],
        *,
        marker: Any = (-1,),
        parameter: Callable[[BaseDatabaseWrapper, Any], Any] = AnyOf.parameter,
    ):
        self.build = build
        self.marker = marker
        self.parameter = parameter
        CompiledRead.made.append(self)
        # Per database alias, not per connection: the statement is the same for every connection of an alias (each
        # thread has its own), and the converters only read the alias' settings.
        self._compiled: dict[str, _Compiled] = {}

    def compile(self, alias: str) -> None:
        """Compile the statement for this database alias now rather than on the first read."""
        self._compile(alias)

    def _compile(self, alias: str) -> _Compiled:
        found = self._compiled.get(alias)
        if found is None:
            connection = connections[alias]
            compiler = self.build(self.marker).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            marker = self.parameter(connection, self.marker)
            slot = next(i for i, value in enumerate(params) if value == marker)
            converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
            found = self._compiled[alias] = _Compiled(compiler, sql, list(params), slot, converters)
        return found

    def rows(self, value: Any, *, using: str) -> list[Sequence[Any]]:
        """The rows read for `value`, each as `values_list` would give it."""
        compiled = self._compile(using)
        connection = connections[using]
        params = [*compiled.params]
        params[compiled.slot] = self.parameter(connection, value)
        with prepared(using), connection.cursor() as cursor:
            native_datetimes(cursor, connection)
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if not compiled.converters:
            return fetched
        return list(compiled.compiler.apply_converters(fetched, compiled.converters))


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: list[Any]
    slot: int  # where the ids go in params
    converters: dict[int, Any]


def native_datetimes(cursor: Any, connection: BaseDatabaseWrapper) -> None:
    """This cursor's timestamptz columns read by psycopg's own loader (C) rather than Django's, a Python subclass of it
    that then sets the connection's timezone: 3.5 µs a value, sixty values on a list page of twenty agreements. Only
    where both give the same datetime: Django wants UTC (USE_TZ) and the session's TimeZone is UTC (Django keeps it
    so), for which psycopg's tzinfo is datetime.timezone.utc, Django's own."""
    if connection.vendor != "postgresql" or connection.timezone is not datetime.UTC:
        return
    raw = cursor.cursor
    if raw.connection.info.timezone is datetime.UTC:
        raw.adapters.register_loader("timestamptz", _PSYCOPG_TIMESTAMPTZ)


@contextmanager
def prepared(alias: str) -> Iterator[None]:
    """Run the queries inside as prepared statements of their connection: planned once per connection, then only
    executed (PostgreSQL with server-side binding, DATABASE_PREPARED_STATEMENTS; elsewhere nothing changes). Only for
    reads whose best plan does not depend on their parameters' values, such as rows by primary key: a prepared
    statement keeps one generic plan."""
    connection = connections[alias]
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        yield
        return

    def execute(run: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if many:
            return run(sql, params, many, context)
        # What Django's own last step does (CursorWrapper._execute), with psycopg's prepare=True.
        connection.validate_no_broken_transaction()
        cursor = context["cursor"].cursor
        with connection.wrap_database_errors:
            try:
                return cursor.execute(sql, params, prepare=True)
            except psycopg.errors.FeatureNotSupported:
                # "cached plan must not change result type": a migration (run while this release still serves,
                # docs/DEPLOY.md) changed a column the statement returns, and PostgreSQL refuses this connection's
                # prepared statement on every execution from then on. Outside a transaction it is prepared again
                # (DEALLOCATE ALL, which psycopg notices and forgets its names); inside one, the rollback does it.
                if connection.in_atomic_block:
                    raise
                cursor.execute("DEALLOCATE ALL")
                return cursor.execute(sql, params, prepare=True)

    with connection.execute_wrapper(execute):
        yield


def count_each(querysets: Mapping[str, QuerySet[Any]]) -> dict[str, int]:
    """COUNT(*) of each queryset, in one round trip: one SELECT of scalar subqueries. A menu's few small counts
    cost more in compiling and sending queries than in counting; an empty queryset (`none()`) counts 0 unasked."""
    parts: list[str] = []
    params: list[Any] = []
    asked: list[str] = []
    db = ""
    for name, qs in querysets.items():
        counted = qs.order_by().annotate(_n=Func(template="COUNT(*)", output_field=IntegerField())).values("_n")
        db = db or qs.db
        try:
            sql, sql_params = counted.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:
            continue
        parts.append(f"({sql})")
        params.extend(sql_params)
        asked.append(name)
    found = dict.fromkeys(querysets, 0)
    if parts:
        with connections[db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            row = cursor.fetchone()
        found.update(zip(asked, row, strict=True))
    return found
