"""What any edge (page, API, file) accepts as an integer or as text, so no input reaches the database in a form
it cannot store.

Three traps each answered a 500 once: `str.isdigit()` is true for `²` or `٣`, which `int()` then refuses;
an integer at or above 2**63 overflows SQLite's INTEGER in a foreign-key lookup; PostgreSQL's text refuses
NUL, and UTF-8 has no lone surrogate (`"\\ud800"` in JSON). Every edge parses through this module instead.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field

# Both databases store ids as signed 64-bit integers (BigAutoField).
DB_INT_MAX = 2**63 - 1

_ASCII_INT = re.compile(r"-?[0-9]{1,19}")
# A Chinese IME types full-width digits (８０００): they mean the ASCII ones. Other digit-like characters (², ٣) do not.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９－", "0123456789-")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def parse_int(raw: object, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """`raw` as an int if it is ASCII (or full-width) digits, a sign and surrounding spaces allowed, within
    [minimum, maximum], else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).translate(_FULL_WIDTH).strip() if raw is not None else ""
        if not _ASCII_INT.fullmatch(text):
            return None
        value = int(text)
    return value if minimum <= value <= maximum else None


def parse_id(raw: object) -> int | None:
    """A database id (1 … 2**63-1) from a query or form value; None for anything else."""
    return parse_int(raw, minimum=1)


def parse_ids(values: list[str]) -> list[int]:
    """The valid ids among repeated form values (bulk actions); the others name no object."""
    return [pk for pk in (parse_id(value) for value in values) if pk is not None]


def is_storable(text: str) -> bool:
    """Whether both databases can store and UTF-8 can encode `text`."""
    return _UNSTORABLE.search(text) is None


def first_unstorable(value: Any, path: str = "") -> str | None:
    """The path (`terms.position`, `student_ids.0`) of the first string in a parsed JSON value that cannot be
    stored, `path` itself for a bad key or string; None when all is storable."""
    if isinstance(value, str):
        return path if not is_storable(value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and not is_storable(key):
            return path
        found = first_unstorable(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class IdPathConverter:
    """`<id:pk>` in URL patterns: an id within the database's range, so a path never overflows a lookup."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        pk = parse_id(value)
        if pk is None:
            raise ValueError(value)  # no match: the URL resolves to nothing, i.e. 404
        return pk

    def to_url(self, value: int) -> str:
        return str(int(value))


# For API schemas (django-ninja / pydantic): an id field or `*_id` filter within the database's range.
Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
