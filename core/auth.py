"""Password rules in Chinese."""

from __future__ import annotations

from typing import Any


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
