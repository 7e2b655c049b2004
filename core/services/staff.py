"""账号管理: a school's 学院管理员 and 学校管理员 (and a province's admins, added by the operator), invited by link.

Nobody ever chooses a password for somebody else: an account is created without one and its owner sets it by a
single-use invitation link (e-mailed; printed too when the operator runs manage.py school_add), valid
STAFF_INVITATION_DAYS. Disabling an account signs it out everywhere at once: it can no longer authenticate (its
sessions are refused by Django's is_active check, its API tokens by token_authenticate), and its password is
cleared, so no old session or token comes back if it is enabled again; enabling sends a new invitation. The last
学校管理员 who can sign in is never disabled. Every change is a StaffChange row (who, when, what).
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_tasks import task

from core.calendar import school_time
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import ApiToken, College, LoginFailure, Province, Role, School, StaffChange, StaffInvitation, User
from core.services.accounts import check_new_password, password_set
from core.services.mfa import second_factor_required, second_factors_clear
from core.tasks import enqueue_on_commit
from core.throttle import guard, is_refused, record_failure, refusal
from core.validators import validate_email

STAFF_ROLES = (Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN)
# Staff usernames start with a letter, so none reads as a 学号 or a 院校代码; the rest is what people type easily.
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{2,29}")
USERNAME_RULE = "用户名应为3到30位英文字母、数字或 _ . -，以字母开头"
INVALID_LINK = "邀请链接无效、已使用或已过期，请联系学校管理员重新发送邀请"


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={field: message})


def validate_staff_username(value: str) -> str:
    username = (value or "").strip()
    if not USERNAME.fullmatch(username):
        raise _field_error("username", USERNAME_RULE)
    if User.objects.filter(username__iexact=username).exists():
        raise _field_error("username", f"用户名 {username} 已被使用，请换一个")
    return username


def validate_display_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise _field_error("display_name", "姓名不能为空")
    if len(name) > 50 or not name.isprintable():
        raise _field_error("display_name", "姓名应为50个字以内的文字")
    return name


def _email(value: str) -> str:
    email = (value or "").strip()
    if len(email) > 254:
        raise _field_error("email", "邮箱不能超过254个字符")
    try:
        return validate_email(email, field="邮箱")
    except InvalidInput as exc:
        raise _field_error("email", exc.detail) from None


# --- invitations ---------------------------------------------------------------------------------------------


def invitation_token(invitation: StaffInvitation) -> str:
    mac = salted_hmac(
        "wangqian.staff-invitation",
        f"{invitation.pk}:{invitation.user_id}:{invitation.created_at.isoformat()}",
        algorithm="sha256",
    ).hexdigest()
    return f"{invitation.pk}-{mac[:40]}"


def invitation_link(invitation: StaffInvitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("web:invitation", args=[invitation_token(invitation)])


def invitation_from_token(token: str) -> StaffInvitation | None:
    """The open invitation this link names (unused, not revoked, not expired, its account active), or None."""
    pk, _, _ = (token or "").partition("-")
    if not pk.isascii() or not pk.isdigit() or not 0 < int(pk) < 2**63:
        return None
    invitation = (
        StaffInvitation.objects.select_related("user", "user__school", "user__college", "user__province")
        .filter(pk=int(pk), used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or not invitation.user.is_active:
        return None
    if not constant_time_compare(invitation_token(invitation), token):
        return None
    return invitation


def _log(target: User, action: str, actor: User | None, **detail: object) -> StaffChange:
    return StaffChange.objects.create(
        school_id=target.school_id,
        province_id=target.province_id,
        target=target,
        actor=actor,
        action=action,
        detail=detail,
    )


def invitation_issue(user: User, *, acting_user: User | None) -> StaffInvitation:
    """A new single-use link for this account (its earlier unused links stop working), e-mailed after commit."""
    if not user.is_active:
        raise Conflict("账号已停用，请先启用", code="account_disabled")
    if not user.email:
        raise Conflict("该账号没有登记邮箱，无法发送邀请", code="no_email")
    now = timezone.now()
    with transaction.atomic():
        StaffInvitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
        invitation = StaffInvitation.objects.create(
            user=user,
            created_by=acting_user,
            expires_at=now + datetime.timedelta(days=settings.STAFF_INVITATION_DAYS),
        )
        _log(
            user,
            StaffChange.Action.INVITED,
            acting_user,
            email=user.email,
            expires_at=invitation.expires_at.isoformat(),
        )
        enqueue_on_commit(send_staff_invitation, invitation.pk)
    return invitation


def _organisation(user: User) -> str:
    if user.role == Role.PROVINCE_ADMIN and user.province is not None:
        return user.province.name
    parts = [user.school.name if user.school else "", user.college.name if user.college else ""]
    return "".join(parts)


def invitation_email(invitation_id: int) -> int:
    """Send the invitation's link to its account's address; 1 if sent (0 when it was revoked or used meanwhile)."""
    invitation = (
        StaffInvitation.objects.select_related("user", "user__school", "user__college", "user__province", "created_by")
        .filter(pk=invitation_id, used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None or not invitation.user.email:
        return 0
    user = invitation.user
    inviter = invitation.created_by.name if invitation.created_by else "平台管理员"
    second = "和两步验证（通行密钥或验证器应用）" if second_factor_required(user) else ""
    body = "\n".join(
        [
            f"{user.name}，您好：",
            "",
            f"{inviter}为您开通了就业协议书网签系统的{_organisation(user)}{user.get_role_display()}账号，"
            f"用户名：{user.username}。",
            f"请在{school_time(invitation.expires_at, user.school)}之前打开下面的链接，设置登录密码{second}"
            "（链接只能使用一次）：",
            invitation_link(invitation),
            "",
            "如果您并不知道这个账号，请忽略本邮件。",
        ]
    )
    send_mail("【就业协议书网签】账号开通邀请", body, None, [user.email])
    return 1


@task()
def send_staff_invitation(invitation_id: int) -> int:
    return invitation_email(invitation_id)


def invitation_check(token: str, *, request: HttpRequest | None) -> StaffInvitation:
    """The open invitation of this link; a wrong link counts towards the address's throttle like a failed login
    (TooManyAttempts once it is spent), so links cannot be tried in bulk."""
    guard(request, "", LoginFailure.Kind.LINK)
    invitation = invitation_from_token(token)
    if invitation is None:
        record_failure(request, "", LoginFailure.Kind.LINK)
        if is_refused(request):
            raise refusal(request, "", LoginFailure.Kind.LINK)  # type: ignore[arg-type]
        raise InvalidInput(INVALID_LINK, code="invalid_token", errors={"token": INVALID_LINK})
    return invitation


def invitation_accept(*, token: str, new_password: str, request: HttpRequest | None) -> User:
    """Set the account's password with its invitation link. Whatever the account had before ends here: its other
    sessions and tokens (the password changed) and its second factors (its owner enrols a new one next)."""
    invitation = invitation_check(token, request=request)
    user = invitation.user
    check_new_password(user, new_password)
    with transaction.atomic():
        spent = StaffInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=timezone.now())
        if spent != 1:
            raise InvalidInput(INVALID_LINK, code="invalid_token", errors={"token": INVALID_LINK})
        password_set(user, new_password)
        second_factors_clear(user)
        _log(user, StaffChange.Action.ACCEPTED, user)
    return user


# --- the school's 账号管理 ------------------------------------------------------------------------------------


def _require_school_admin(acting_user: User, school: School) -> None:
    if acting_user.role != Role.SCHOOL_ADMIN or acting_user.school_id != school.pk:
        raise Forbidden("仅学校管理员可以管理本校账号", code="forbidden_role")


def staff_create(
    *,
    school: School,
    username: str,
    display_name: str,
    email: str,
    role: str,
    college_id: int | None = None,
    acting_user: User | None,
) -> tuple[User, StaffInvitation]:
    """A new 学院管理员 (of one 院系 of the school) or 学校管理员, invited by e-mail. `acting_user` None is the
    platform operator (manage.py school_add)."""
    if acting_user is not None:
        _require_school_admin(acting_user, school)
    if role not in STAFF_ROLES:
        raise _field_error("role", "角色应为 college_admin（学院管理员）或 school_admin（学校管理员）")
    errors: dict[str, object] = {}
    values: dict[str, str] = {}
    for field, check, value in (
        ("username", validate_staff_username, username),
        ("display_name", validate_display_name, display_name),
        ("email", _email, email),
    ):
        try:
            values[field] = check(value)
        except InvalidInput as exc:
            errors.update(exc.errors)
    college = None
    if role == Role.COLLEGE_ADMIN:
        college = College.objects.filter(pk=college_id or 0, school=school).first()
        if college is None:
            errors["college_id"] = "请选择本校的院系" if not college_id else "院系不存在"
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(str(first), errors=errors)
    try:
        with transaction.atomic():
            user = User(
                username=values["username"],
                display_name=values["display_name"],
                email=values["email"],
                role=role,
                school=school,
                college=college,
            )
            user.set_unusable_password()
            user.save()
            _log(
                user,
                StaffChange.Action.CREATED,
                acting_user,
                role=user.get_role_display(),
                college=college.name if college else "",
                email=user.email,
            )
            invitation = invitation_issue(user, acting_user=acting_user)
    except IntegrityError:
        raise _field_error("username", f"用户名 {values['username']} 已被使用，请换一个") from None
    return user, invitation


def get_staff_for_admin(acting_user: User, staff_id: int) -> User:
    """A staff account of the acting school admin's school; anyone else's answers 404."""
    if acting_user.role != Role.SCHOOL_ADMIN or acting_user.school_id is None:
        raise Forbidden("仅学校管理员可以管理本校账号", code="forbidden_role")
    staff = (
        User.objects.select_related("school", "college")
        .filter(pk=staff_id, school_id=acting_user.school_id, role__in=STAFF_ROLES)
        .first()
    )
    if staff is None:
        raise NotFound("账号不存在或无权访问")
    return staff


def school_id_of(user: User) -> int:
    assert user.school_id is not None, "staff of a school"
    return user.school_id


def can_sign_in(user: User) -> bool:
    return user.is_active and user.has_usable_password()


def staff_set_active(staff_id: int, active: bool, *, acting_user: User) -> User:
    """停用 / 启用. Disabling signs the account out everywhere at once; enabling sends it a new invitation."""
    staff = get_staff_for_admin(acting_user, staff_id)
    with transaction.atomic():
        # One school's changes queue here, so two admins disabling each other cannot leave the school with none.
        School.objects.select_for_update().get(pk=school_id_of(staff))
        staff = User.objects.select_for_update(of=("self",)).select_related("school", "college").get(pk=staff.pk)
        actor = User.objects.get(pk=acting_user.pk)
        if not actor.is_active:
            raise Forbidden("您的账号已被停用", code="account_disabled")
        if staff.is_active == active:
            return staff
        if not active:
            _refuse_last_school_admin(staff)
            staff.is_active = False
            staff.set_unusable_password()
            staff.save(update_fields=["is_active", "password"])
            ApiToken.objects.filter(user=staff).delete()
            StaffInvitation.objects.filter(user=staff, used_at__isnull=True, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            _log(staff, StaffChange.Action.DISABLED, acting_user)
        else:
            staff.is_active = True
            staff.save(update_fields=["is_active"])
            _log(staff, StaffChange.Action.ENABLED, acting_user)
            invitation_issue(staff, acting_user=acting_user)
    return staff


def _refuse_last_school_admin(staff: User) -> None:
    if staff.role != Role.SCHOOL_ADMIN:
        return
    others = (
        User.objects.filter(school_id=school_id_of(staff), role=Role.SCHOOL_ADMIN, is_active=True)
        .exclude(pk=staff.pk)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )
    if not others.exists():
        raise Conflict("这是本校最后一个可登录的学校管理员账号，不能停用", code="last_school_admin")


def staff_reinvite(staff_id: int, *, acting_user: User) -> StaffInvitation:
    """重新邀请: a new link (e.g. for one who forgot their password or lost their second factor)."""
    staff = get_staff_for_admin(acting_user, staff_id)
    return invitation_issue(staff, acting_user=acting_user)


# --- the platform operator (manage.py) -----------------------------------------------------------------------


def province_admin_create(
    *, province: Province, username: str, email: str, display_name: str
) -> tuple[User, StaffInvitation]:
    values = {
        "username": validate_staff_username(username),
        "email": _email(email),
        "display_name": validate_display_name(display_name),
    }
    with transaction.atomic():
        user = User(role=Role.PROVINCE_ADMIN, province=province, **values)
        user.set_unusable_password()
        user.save()
        _log(user, StaffChange.Action.CREATED, None, role=user.get_role_display(), email=user.email)
        invitation = invitation_issue(user, acting_user=None)
    return user, invitation
