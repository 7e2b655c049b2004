"""账号管理's reads: a school's staff accounts with where each stands, and the record of changes to them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Passkey, Role, StaffChange, StaffInvitation, User

STAFF_ROLES = (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN)


@dataclass(frozen=True)
class StaffState:
    code: str  # active | invited | invitation_expired | disabled
    label: str


ACTIVE = StaffState("active", "正常")
INVITED = StaffState("invited", "待接受邀请")
INVITATION_EXPIRED = StaffState("invitation_expired", "邀请已过期")
DISABLED = StaffState("disabled", "已停用")


def staff_of_school(school_id: int) -> QuerySet[User]:
    """The school's 学校管理员 first, then 学院管理员 by 院系, each with their open invitation and whether they have
    a second factor (`has_passkey`, `has_totp`)."""
    open_invitations = StaffInvitation.objects.filter(used_at__isnull=True, revoked_at__isnull=True).order_by(
        "-created_at"
    )
    return (
        User.objects.filter(school_id=school_id, role__in=STAFF_ROLES)
        .select_related("college")
        .annotate(
            has_passkey=Exists(Passkey.objects.filter(user=OuterRef("pk"))),
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .prefetch_related(Prefetch("invitations", queryset=open_invitations, to_attr="open_invitations"))
        .order_by("-role", "college__name", "username")
    )


def staff_state(user: User) -> StaffState:
    """Where an account of staff_of_school stands."""
    if not user.is_active:
        return DISABLED
    if user.has_usable_password():
        return ACTIVE
    if open_invitation_of(user) is not None:
        return INVITED
    return INVITATION_EXPIRED


def open_invitation_of(user: User) -> StaffInvitation | None:
    """The account's invitation link that still works, if any (from staff_of_school's prefetch when there)."""
    prefetched: list[StaffInvitation] | None = getattr(user, "open_invitations", None)
    if prefetched is not None:
        now = timezone.now()
        return next((i for i in prefetched if i.expires_at > now), None)
    return (
        user.invitations.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def staff_changes_of_school(school_id: int) -> QuerySet[StaffChange]:
    """账号管理's record, newest first, with who made each change and to whom."""
    return StaffChange.objects.filter(school_id=school_id).select_related("actor", "target", "target__college")


def staff_changes_of(user: User) -> QuerySet[StaffChange]:
    return StaffChange.objects.filter(target=user).select_related("actor")


def describe_change(change: StaffChange) -> str:
    """What a StaffChange did, in the record's words."""
    detail = change.detail or {}
    if change.action == StaffChange.Action.CREATED:
        where = f"（{detail['college']}）" if detail.get("college") else ""
        return f"角色：{detail.get('role', '')}{where}；邮箱：{detail.get('email', '')}"
    if change.action == StaffChange.Action.INVITED:
        expires = detail.get("expires_at", "")
        until = ""
        if expires:
            until = f"，有效期至{timezone.localtime(datetime.datetime.fromisoformat(expires)):%Y-%m-%d %H:%M}"
        return f"邀请链接发送到 {detail.get('email', '')}{until}"
    if change.action == StaffChange.Action.ACCEPTED:
        return "本人通过邀请链接设置了密码"
    if change.action == StaffChange.Action.DISABLED:
        return "已在所有设备上退出登录，接口令牌全部失效"
    return ""
