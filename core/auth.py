"""Students log in first with the initial password derived from their ID number.

Roster imports create tens of thousands of accounts; hashing each initial password would dominate the
import, so the account gets an unusable password and this backend checks the derived one until the
student sets their own (which the first login forces).
"""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from core.models import Role, User


def initial_password(id_number: str) -> str:
    return id_number[-6:]


class InitialPasswordBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or not password:
            return None
        user = User.objects.filter(username=username, role=Role.STUDENT).select_related("student").first()
        if user is None or user.has_usable_password() or not user.must_change_password:
            return None
        student = getattr(user, "student", None)
        if student is None:
            return None
        if hmac.compare_digest(initial_password(student.id_number), password) and self.user_can_authenticate(user):
            return user
        return None


class MinimumLengthValidator:
    """Django's own has no Chinese translation of its message in 5.2; same rule, our words."""

    def __init__(self, min_length: int = 8):
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        from django.core.exceptions import ValidationError

        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要{self.min_length}个字符", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符"
