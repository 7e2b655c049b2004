"""Log-in tokens for the API and password changes."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from core.errors import DomainError, InvalidInput
from core.models import ApiToken, User


class AuthenticationFailed(DomainError):
    status = 401
    code = "not_authenticated"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, username: str, password: str, request: HttpRequest | None = None) -> tuple[str, User]:
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise AuthenticationFailed("用户名或密码错误", code="invalid_credentials")
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(key))
    return key, user  # type: ignore[return-value]


def token_user(key: str) -> User | None:
    token = ApiToken.objects.select_related("user", "user__employer").filter(key_hash=_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def password_change(user: User, *, old_password: str, new_password: str) -> None:
    if not authenticate(username=user.username, password=old_password):
        raise InvalidInput("原密码不正确", errors={"old_password": "原密码不正确"})
    if old_password == new_password:
        raise InvalidInput("新密码不能与原密码相同", errors={"new_password": "新密码不能与原密码相同"})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        message = "；".join(m.rstrip("。.") for m in exc.messages)
        raise InvalidInput(f"新密码不符合要求：{message}", errors={"new_password": message})
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
