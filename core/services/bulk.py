"""Many rows at once, set-based on PostgreSQL (issue 11: a 20,000-row roster validated and written within 5 s).

Django's bulk_create builds a model instance per row and prepares every value of every instance in Python; for
plain values that is most of an import's time. `insert_rows` draws the ids from the table's sequence and COPYs the
rows instead, the columns not given taking their model defaults, and `in_values` matches thousands of keys
through one array parameter instead of a placeholder each. Other databases (SQLite) take the ordinary path.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone


def in_values(values: Sequence[str]) -> Sequence[str] | RawSQL:
    """The right-hand side of an `__in` filter on a text column for many values."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", (list(values),))
    return list(values)


def insert_rows(
    model: type[models.Model], columns: Mapping[str, Sequence[Any] | Any], *, count: int, returning: str = ""
) -> list[tuple[int, Any]]:
    """Insert `count` rows of `model`: each of `columns` (field name → a list of `count` values, or one value for
    every row) already in its field's Python type; every other field takes its default. Returns (id, value of
    `returning`) per row when `returning` is given."""
    for name, values in columns.items():
        if isinstance(values, list) and len(values) != count:
            raise ValueError(f"insert_rows: {name} has {len(values)} values for {count} rows")
    if connection.vendor != "postgresql":
        return _bulk_create(model, columns, count=count, returning=returning)
    meta = model._meta
    given = {name: cast("models.Field[Any, Any]", meta.get_field(name)) for name in columns}
    now = timezone.now()
    constants: dict[models.Field[Any, Any], Any] = {}
    for field in meta.concrete_fields:
        if field.primary_key or field in given.values():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants[field] = now
        else:
            # What a model instance would hold: the default, "" for text, None where null is allowed.
            constants[field] = field.get_default()
            if constants[field] is None and not field.null:
                raise ValueError(f"insert_rows: {meta.label}.{field.name} has no default; give it")
    fields = [*given.values(), *constants]
    values = [columns[name] for name in given] + list(constants.values())
    # Constants prepared once, as Django would for each instance; lists are plain values of the field's type.
    values = [
        v if isinstance(v, list) else field.get_db_prep_save(v, connection)
        for field, v in zip(fields, values, strict=True)
    ]
    quote = connection.ops.quote_name
    names = [quote(str(field.column)) for field in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            # The ids drawn first from the table's own sequence, so the rows can be copied with them.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            ids = [row[0] for row in cursor.fetchall()]
            names.insert(0, quote(str(meta.pk.column)))
            values.insert(0, ids)
        columns_rows = [v if isinstance(v, list) else itertools.repeat(v, count) for v in values]
        sql = f"COPY {quote(meta.db_table)} ({', '.join(names)}) FROM STDIN"
        # COPY on Django's own connection: inside the caller's transaction; rows formatted by psycopg in C.
        with cursor.connection.cursor() as raw, raw.copy(sql) as copy:
            for row in zip(*columns_rows, strict=True):
                copy.write_row(row)
    if not returning:
        return []
    keys = columns[returning]
    if not isinstance(keys, list):
        keys = [keys] * count
    return list(zip(ids, keys, strict=True))


def _bulk_create(
    model: type[models.Model], columns: Mapping[str, Sequence[Any] | Any], *, count: int, returning: str
) -> list[tuple[int, Any]]:
    rows = [
        model(**{name: values[i] if isinstance(values, list) else values for name, values in columns.items()})
        for i in range(count)
    ]
    created = model._default_manager.bulk_create(rows, batch_size=1000)
    if not returning:
        return []
    if not all(row.pk for row in created):  # backends without RETURNING ids
        keys = [getattr(row, returning) for row in created]
        ids = dict(model._default_manager.filter(**{f"{returning}__in": keys}).values_list(returning, "pk"))
        return [(ids[key], key) for key in keys]
    return [(row.pk, getattr(row, returning)) for row in created]
