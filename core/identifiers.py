"""Generators of valid national identifiers, for demo data and tests (never for real people)."""

from __future__ import annotations

import datetime

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def make_id_number(
    serial: int, *, region: str = "210102", birth: datetime.date = datetime.date(2004, 5, 1), female: bool = False
) -> str:
    """A valid GB 11643 number; the 17th digit's parity carries the gender."""
    seq = (serial * 2) % 1000 + (0 if female else 1)
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def make_credit_code(serial: int, *, region: str = "210102") -> str:
    """A valid GB 32100 统一社会信用代码 (registering authority 9, type 1: an enterprise)."""
    body = f"91{region}{serial:09d}"[:17]
    return body + uscc_check_char(body)
