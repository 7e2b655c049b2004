"""The platform operator adds a school or a province (manage.py school_add / province_add, docs/DEPLOY.md).

Both are idempotent-safe: a second run with the same values says what exists and changes nothing; a run whose
values contradict what exists says how, and changes nothing either. The first admin is invited by a single-use
link (core.services.staff), printed for the operator and e-mailed; the operator never chooses a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from core.models import Province, Role, School, StaffInvitation, User
from core.services.schools import validate_time_zone
from core.services.staff import invitation_issue, invitation_link, province_admin_create, staff_create

SCHOOL_CODE = re.compile(r"[0-9]{5}")


@dataclass
class Onboarded:
    """What a run did: `created` False means it changed nothing; `lines` say what exists or was made."""

    created: bool
    lines: list[str] = field(default_factory=list)
    link: str = ""
    invitation: StaffInvitation | None = None


def _account_state(user: User) -> str:
    if not user.is_active:
        return "已停用"
    if user.has_usable_password():
        return "已设置密码"
    if user.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).exists():
        return "已邀请，尚未接受（过期后可用 manage.py staff_invite 重新发送）"
    return "尚未设置密码"


def _validate_name(name: str, label: str) -> str:
    value = (name or "").strip()
    if not value or len(value) > 100 or not value.isprintable():
        raise InvalidInput(f"{label}应为1到100个字的文字", errors={"name": f"{label}应为1到100个字的文字"})
    return value


def school_add(
    *,
    code: str,
    name: str,
    admin_username: str,
    admin_email: str,
    time_zone: str = "Asia/Shanghai",
    admin_name: str = "",
) -> Onboarded:
    code = (code or "").strip()
    if not code.isascii() or not SCHOOL_CODE.fullmatch(code):
        raise InvalidInput("院校代码应为5位数字（教育部颁发的院校代码，如 10145）", errors={"code": "应为5位数字"})
    name = _validate_name(name, "院校名称")
    validate_time_zone(time_zone)
    existing = School.objects.filter(code=code).first()
    named = School.objects.filter(name=name).exclude(code=code).first()
    if named is not None:
        raise Conflict(f"院校名称“{name}”已被院校代码 {named.code} 使用，未做任何修改")
    if existing is not None:
        return _school_exists(existing, name=name, time_zone=time_zone, admin_username=admin_username)
    if User.objects.filter(username__iexact=(admin_username or "").strip()).exists():
        raise Conflict(f"用户名 {admin_username} 已被其他账号使用，未做任何修改", errors={"username": "已被使用"})
    with transaction.atomic():
        school = School.objects.create(code=code, name=name, time_zone=time_zone)
        user, invitation = staff_create(
            school=school,
            username=admin_username,
            display_name=admin_name or admin_username,
            email=admin_email,
            role=Role.SCHOOL_ADMIN,
            acting_user=None,
        )
    link = invitation_link(invitation)
    two_step = "开启" if school.second_factor_required else "关闭"
    return Onboarded(
        created=True,
        lines=[
            f"已添加院校：{school.code} {school.name}（时区 {school.time_zone}，管理员两步验证：{two_step}）",
            f"已邀请学校管理员：{user.username} <{user.email}>，邀请链接已发送到该邮箱",
            f"邀请链接（一次有效，{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M} 前有效，请只交给本人）：",
            link,
        ],
        link=link,
        invitation=invitation,
    )


def _school_exists(school: School, *, name: str, time_zone: str, admin_username: str) -> Onboarded:
    lines = [f"院校已存在：{school.code} {school.name}（时区 {school.time_zone}）"]
    differences = []
    if school.name != name:
        differences.append(f"现有名称为“{school.name}”，不是“{name}”")
    if school.time_zone != time_zone:
        differences.append(f"现有时区为 {school.time_zone}，不是 {time_zone}")
    admin = User.objects.filter(username__iexact=(admin_username or "").strip()).first()
    if admin is None:
        differences.append(f"学校管理员 {admin_username} 不存在：其他管理员请由本校学校管理员在“账号管理”中添加")
    elif admin.school_id != school.pk or admin.role != Role.SCHOOL_ADMIN:
        differences.append(f"用户名 {admin.username} 已被其他账号使用，不是本校学校管理员")
    else:
        lines.append(f"学校管理员已存在：{admin.username} <{admin.email}>，{_account_state(admin)}")
    if differences:
        raise Conflict("；".join([*lines, *differences]) + "。未做任何修改")
    lines.append("未做任何修改")
    return Onboarded(created=False, lines=lines)


def _schools_by_code(codes: list[str]) -> list[School]:
    wanted = [c.strip() for c in codes if c.strip()]
    found = {s.code: s for s in School.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        message = f"院校代码不存在：{', '.join(missing)}（请先用 school_add 添加院校）"
        raise InvalidInput(message, errors={"schools": message})
    return [found[c] for c in dict.fromkeys(wanted)]


def _codes(schools: list[School] | set[School]) -> str:
    return "、".join(f"{s.code} {s.name}" for s in sorted(schools, key=lambda s: s.code)) or "无"


def province_add(
    *,
    name: str,
    school_codes: list[str],
    admin_username: str,
    admin_email: str,
    admin_name: str = "",
    update_schools: bool = False,
) -> Onboarded:
    name = _validate_name(name, "省级主管部门名称")
    schools = _schools_by_code(school_codes)
    province = Province.objects.filter(name=name).first()
    if province is not None:
        return _province_exists(province, schools, admin_username=admin_username, update_schools=update_schools)
    if User.objects.filter(username__iexact=(admin_username or "").strip()).exists():
        raise Conflict(f"用户名 {admin_username} 已被其他账号使用，未做任何修改", errors={"username": "已被使用"})
    with transaction.atomic():
        province = Province.objects.create(name=name)
        province.schools.set(schools)
        user, invitation = province_admin_create(
            province=province, username=admin_username, email=admin_email, display_name=admin_name or admin_username
        )
    link = invitation_link(invitation)
    return Onboarded(
        created=True,
        lines=[
            f"已添加省级主管部门：{province.name}，所辖院校：{_codes(schools)}",
            f"已邀请管理员：{user.username} <{user.email}>，邀请链接已发送到该邮箱",
            f"邀请链接（一次有效，{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M} 前有效，请只交给本人）：",
            link,
        ],
        link=link,
        invitation=invitation,
    )


def _province_exists(
    province: Province, schools: list[School], *, admin_username: str, update_schools: bool
) -> Onboarded:
    current = set(province.schools.all())
    lines = [f"省级主管部门已存在：{province.name}，所辖院校：{_codes(current)}"]
    admin = User.objects.filter(username__iexact=(admin_username or "").strip()).first()
    differences = []
    if admin is None:
        differences.append(f"管理员 {admin_username} 不存在")
    elif admin.role != Role.PROVINCE_ADMIN or admin.province_id != province.pk:
        differences.append(f"用户名 {admin.username} 已被其他账号使用，不是该部门的管理员")
    else:
        lines.append(f"管理员已存在：{admin.username} <{admin.email}>，{_account_state(admin)}")
    if differences:
        raise Conflict("；".join([*lines, *differences]) + "。未做任何修改")
    wanted = set(schools)
    if wanted == current:
        return Onboarded(created=False, lines=[*lines, "未做任何修改"])
    if not update_schools:
        lines.append(f"本次给出的所辖院校不同：{_codes(wanted)}；未做任何修改（要改为这些院校，请加 --update-schools）")
        return Onboarded(created=False, lines=lines)
    province.schools.set(schools)
    lines.append(f"所辖院校已改为：{_codes(wanted)}")
    return Onboarded(created=True, lines=lines)


def staff_invite_by_operator(username: str) -> Onboarded:
    """A new invitation link for an existing school, college or province admin (e.g. the first one's expired)."""
    user = User.objects.filter(
        username__iexact=(username or "").strip(),
        role__in=(Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN, Role.PROVINCE_ADMIN),
    ).first()
    if user is None:
        raise InvalidInput(f"没有用户名为 {username} 的学校、学院或省级管理员账号")
    invitation = invitation_issue(user, acting_user=None)
    link = invitation_link(invitation)
    return Onboarded(
        created=True,
        lines=[
            f"已重新邀请：{user.username} <{user.email}>（此前未使用的邀请链接已失效），邀请链接已发送到该邮箱",
            f"邀请链接（一次有效，{timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M} 前有效，请只交给本人）：",
            link,
        ],
        link=link,
        invitation=invitation,
    )
