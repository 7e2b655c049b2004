"""Log-in tokens for the API and password changes.

Tokens expire API_TOKEN_LIFETIME after they were issued, whether used or not: a leaked token stops working
at a known time, and checking it needs no write. They are refused once the password changed (see ApiToken)
and deleted by log-out.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import ApiToken, User
from core.selectors.accounts import login_username
from core.selectors.tokens import api_token_by_hash
from core.throttle import guard, is_refused, record_failure, refusal, succeeded
from core.validators import validate_email

# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


# Said for every failed login alike, whether the name exists or not (no enumeration): a roster student who has not
# activated has no password yet, and is told where the first one comes from.
LOGIN_FAILED = "用户名或密码错误。学生首次登录须先用学校发放的激活码在“激活账号”页设置密码。"


class AuthenticationFailed(DomainError):
    status = 401
    code = "not_authenticated"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(user: User, *, second_factor: bool = False) -> str:
    """A new API token; `second_factor` when this sign-in passed one (core.services.mfa.login_challenge_complete)."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=_hash(key),
        auth_hash=user.get_session_auth_hash(),
        second_factor=second_factor,
        expires_at=now + settings.API_TOKEN_LIFETIME,
    )
    return key


def credentials_check(
    *, username: str, password: str, school_code: str = "", request: HttpRequest | None = None
) -> User:
    """The account these credentials sign in to (throttled with the login page, see core.throttle), else 401.

    A student names their school (`school_code`) and 学号, or `院校代码:学号`, or a 学号 only one school has
    (core.selectors.accounts.login_username); a 学号 several schools have without a school is a 400."""
    name = login_username(username, school_code)
    user = authenticate(request, username=name, password=password) if name else None
    if user is None or not user.is_active:
        if is_refused(request):
            raise refusal(request, name)  # type: ignore[arg-type]
        raise AuthenticationFailed(LOGIN_FAILED, code="invalid_credentials")
    succeeded(request, user)  # type: ignore[arg-type]  # as a page login does (user_logged_in): this address's failures for it are done
    return user  # type: ignore[return-value]


def token_authenticate(key: str) -> ApiToken | None:
    """The live token with this key, or None: unknown, expired, its user inactive or its password changed."""
    now = timezone.now()
    token = api_token_by_hash(_hash(key))
    if token is None or token.expires_at <= now or not token.user.is_active:
        return None
    if not constant_time_compare(token.auth_hash, token.user.get_session_auth_hash()):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so concurrent calls of one token write once.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION), pk=token.pk
        ).update(last_used_at=now)
    return token


def token_revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def check_new_password(user: User | None, new_password: str) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        message = "；".join(m.rstrip("。.") for m in exc.messages)
        raise InvalidInput(f"新密码不符合要求：{message}", errors={"new_password": message})


def password_set(user: User, new_password: str, *, keep_token: ApiToken | None = None) -> None:
    """The one place a password is set: the account's other API tokens end here (the caller's may stay)."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    others = ApiToken.objects.filter(user=user)
    if keep_token is not None:
        others = others.exclude(pk=keep_token.pk)
        ApiToken.objects.filter(pk=keep_token.pk).update(auth_hash=user.get_session_auth_hash())
    others.delete()


def password_change(
    user: User,
    *,
    old_password: str,
    new_password: str,
    request: HttpRequest | None = None,
    keep_token: ApiToken | None = None,
) -> None:
    """修改密码. A session or token that guesses the old password is throttled like a login."""
    guard(request, user.username)
    if not user.check_password(old_password):
        record_failure(request, user.username)
        if is_refused(request):
            raise refusal(request, user.username)  # type: ignore[arg-type]
        raise InvalidInput("原密码不正确", errors={"old_password": "原密码不正确"})
    if old_password == new_password:
        raise InvalidInput("新密码不能与原密码相同", errors={"new_password": "新密码不能与原密码相同"})
    check_new_password(user, new_password)
    password_set(user, new_password, keep_token=keep_token)


def account_update_notifications(user: User, *, email: str, email_notifications: bool, acting_user: User) -> User:
    """消息提醒 of one account: its own e-mail address (blank: an HR account is written to at its employer's
    registered 邮箱) and whether workflow e-mail and reminders go to it. Only the account itself changes them."""
    if acting_user.pk != user.pk:
        raise Forbidden("只能修改本账号的消息提醒设置")
    email = (email or "").strip()
    if len(email) > 254:
        raise InvalidInput("接收邮箱不能超过254个字符", errors={"email": "接收邮箱不能超过254个字符"})
    if email:
        try:
            email = validate_email(email, field="接收邮箱")
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, errors={"email": exc.detail}) from None
    user.email, user.email_notifications = email, bool(email_notifications)
    user.save(update_fields=["email", "email_notifications"])
    return user
