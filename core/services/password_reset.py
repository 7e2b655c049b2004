"""忘记密码: a single-use, time-limited link by e-mail, with Django's PasswordResetTokenGenerator.

The request answers the same whether or not the account exists: the lookup and the e-mail happen in the task
queue, and the request itself is throttled by the name typed, existing or not.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_tasks import task

from core.errors import InvalidInput
from core.models import LoginFailure, User
from core.selectors.accounts import login_username
from core.services.accounts import check_new_password, password_set
from core.throttle import count_for_account, guard, is_refused, record_failure, record_request, refusal
from core.usernames import login_name, shown_username, student_username

LINK = LoginFailure.Kind.LINK
INVALID_LINK = "重置链接无效、已使用或已过期，请重新申请"


def user_email(user: User) -> str:
    """Where a reset link goes: the account's own address, else the student's or the employer's."""
    if user.email:
        return user.email
    student = getattr(user, "student", None)
    if student is not None and student.email:
        return str(student.email)
    if user.employer is not None and user.employer.email:
        return str(user.employer.email)
    return ""


def password_reset_request(*, username: str, school_code: str = "", request: HttpRequest | None) -> None:
    # Which account is meant is decided in the task: the request answers alike whatever the name (a 学号 several
    # schools have, without a school, sends nothing rather than a different answer).
    name = login_name(username.strip())
    code = login_name((school_code or "").strip())[:10]
    counted = student_username(code, name) if code and name else name
    # Its own budget (per name and address, per address), never a login failure; the mails one account receives
    # are bounded too, silently (the answer is the same whether or not the account exists).
    record_request(request, counted)
    if name and count_for_account(LoginFailure.Kind.RESET, counted) <= settings.PASSWORD_RESET_MAILS_PER_ACCOUNT:
        send_password_reset.enqueue(name, code)


def reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse("web:password_reset_confirm", args=[uid, token])


def password_reset_email(username: str, school_code: str = "") -> int:
    """Send the link if the account exists, is active, has its own password and an address; 1 if sent."""
    try:
        name = login_username(username, school_code, ambiguous=False)
    except InvalidInput:
        return 0  # no school with that code
    if not name:
        return 0
    user = User.objects.select_related("student__school", "employer").filter(username=name, is_active=True).first()
    if user is None or not user.has_usable_password():
        return 0
    address = user_email(user)
    if not address:
        return 0
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    body = "\n".join(
        [
            f"{user.name}，您好：",
            "",
            f"有人为账号 {_account_label(user)} 申请了重置密码。",
            f"如果是您本人，请在{minutes}分钟内打开下面的链接设置新密码（链接只能使用一次）：",
            reset_link(user),
            "",
            "如果不是您本人申请，请忽略本邮件，您的密码不会改变。",
        ]
    )
    send_mail("【就业协议书网签】重置密码", body, None, [address])
    return 1


def user_from_uid(uid: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def reset_token_valid(user: User | None, token: str) -> bool:
    return user is not None and default_token_generator.check_token(user, token)


def password_reset_confirm(*, uid: str, token: str, new_password: str, request: HttpRequest | None) -> User:
    """Set a new password with a reset link; a wrong link counts towards the address's throttle."""
    guard(request, "", LINK)
    user = user_from_uid(uid)
    if user is None or not reset_token_valid(user, token):
        record_failure(request, "", LINK)
        if is_refused(request):
            raise refusal(request, "", LINK)  # type: ignore[arg-type]
        raise InvalidInput(INVALID_LINK, code="invalid_token", errors={"token": INVALID_LINK})
    check_new_password(user, new_password)
    password_set(user, new_password)
    return user


def _account_label(user: User) -> str:
    student = getattr(user, "student", None)
    if student is not None:
        return f"{student.school.name} 学号 {student.student_no}"
    return shown_username(user.username)


@task()
def send_password_reset(username: str, school_code: str = "") -> int:
    return password_reset_email(username, school_code)
