"""Whose name is which: every school's 学号 space is its own.

A student's account is named `<院校代码>:<学号>` inside the platform, so two schools may each have a student 2027001
and neither blocks the other. Employers' and staff accounts' names may not contain the separator (nor whitespace,
nor be digits only), so no name anyone registers ever equals or shadows a student's. People never see the internal
form as a 学号: pages, exports and documents show `Student.student_no`, and `shown_username` strips the school.

What a sign-in names is resolved by `core.selectors.accounts.login_username`.
"""

from __future__ import annotations

import re

SEPARATOR = ":"
# 院校代码 学号 typed with a space (or a full-width colon) instead of the separator: the same account.
_TYPED_PAIR = re.compile(r"(?P<code>[0-9A-Za-z]{1,10})\s*[:：\s]\s*(?P<number>\S+)")


def login_name(username: str) -> str:
    """The username as typed, or "" when it cannot name an account (too long, NUL, lone surrogates)."""
    if not username or len(username) > 150 or "\x00" in username:
        return ""
    try:
        username.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return username


def student_username(school_code: str, student_no: str) -> str:
    return f"{school_code}{SEPARATOR}{student_no}"


def is_student_username(username: str) -> bool:
    return SEPARATOR in username


def split_student_username(username: str) -> tuple[str, str] | None:
    """(院校代码, 学号) of a student's internal name, else None."""
    code, sep, number = username.partition(SEPARATOR)
    return (code, number) if sep and code and number else None


def shown_username(username: str) -> str:
    """The name to show a person: a student's 学号 without the school, anyone else's name as it is."""
    parts = split_student_username(username)
    return parts[1] if parts else username


def typed_pair(typed: str) -> tuple[str, str] | None:
    """`10145:2027001`, `10145：2027001` or `10145 2027001` as (院校代码, 学号); None for anything else."""
    found = _TYPED_PAIR.fullmatch(typed.strip())
    return (found["code"], found["number"]) if found else None
