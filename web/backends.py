"""How every authentication backend reads a session's user: `get_user` runs on each signed-in request, so by one
statement compiled once per process (core.selectors.users.user_by_id) that also reads the user's school, college,
employer and province, which the portals' chrome and the second factor ask for on every page.

Django's `get_user` (django.contrib.auth) still decides around it: the backend the session names, its password
hash (a changed password ends the session)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from core.models import User
from core.selectors.users import user_by_id


class SessionUserMixin:
    """`get_user` for a backend: the user with their organisations, or None for an unknown id or an inactive
    account (ModelBackend's `user_can_authenticate`, for every backend: a disabled account's sessions end)."""

    def get_user(self, user_id: Any) -> User | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        is_active = getattr(user, "is_active", None)  # ModelBackend's own rule
        return bool(is_active or is_active is None)


class AccountBackend(SessionUserMixin, ModelBackend):
    """Django's ModelBackend: the password login, and the backend a session records when it is signed in by other
    means (激活账号, a staff invitation accepted, 单位注册)."""


# The path sessions record for AccountBackend (django.contrib.auth.login's `backend`).
ACCOUNT_BACKEND = f"{AccountBackend.__module__}.{AccountBackend.__qualname__}"
