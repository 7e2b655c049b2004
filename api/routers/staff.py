"""账号管理 (SPEC §6): a school admin's 学院管理员 and 学校管理员, invited by single-use links."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api.account_schemas import InvitationOut, StaffOut
from api.schemas import Named, responses
from core.errors import Forbidden
from core.inputs import Id
from core.models import Role, User
from core.selectors import open_invitation_of, staff_of_school, staff_state
from core.services.staff import get_staff_for_admin, staff_create, staff_reinvite, staff_set_active

router = Router(tags=["school"])


class StaffIn(Schema):
    username: str = Field(description="3到30位英文字母、数字或 _ . -，以字母开头")
    display_name: str = Field(description="姓名")
    email: str = Field(description="邀请链接发送到这个邮箱")
    role: str = Field(description="college_admin（学院管理员）或 school_admin（学校管理员）")
    college_id: int | None = Field(default=None, description="学院管理员所属院系（本校）的 id")


class StaffPatchIn(Schema):
    active: bool = Field(description="false 停用（立即在所有设备上退出登录、令牌失效）；true 启用并发送新的邀请")


def _school_admin(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise Forbidden("仅学校管理员可用", code="forbidden_role")
    return user


def _one(user: User, staff_id: int) -> User:
    get_staff_for_admin(user, staff_id)  # 404 unless of the admin's school
    assert user.school_id is not None
    return staff_of_school(user.school_id).get(pk=staff_id)


def staff_data(staff: User) -> StaffOut:
    """One account of staff_of_school (its annotations and prefetched invitations)."""
    state = staff_state(staff)
    invitation = open_invitation_of(staff)
    has_factor = bool(staff.has_passkey or staff.has_totp)  # type: ignore[attr-defined]
    return StaffOut(
        id=staff.pk,
        username=staff.username,
        display_name=staff.display_name,
        email=staff.email,
        role=staff.role,  # type: ignore[arg-type]
        role_label=staff.get_role_display(),
        college=Named(id=staff.college.pk, name=staff.college.name) if staff.college else None,
        active=staff.is_active,
        state=state.code,  # type: ignore[arg-type]
        state_label=state.label,
        second_factor=has_factor,
        invitation_expires_at=invitation.expires_at if invitation else None,
    )


@router.get("", response=responses(list[StaffOut], 401, 403), summary="账号管理：本校学校管理员和学院管理员")
def staff_list(request: HttpRequest) -> list[StaffOut]:
    user = _school_admin(request)
    assert user.school_id is not None
    return [staff_data(staff) for staff in staff_of_school(user.school_id)]


@router.post(
    "",
    response=responses(StaffOut, 400, 401, 403, status=201),
    summary="添加学院管理员或学校管理员：账号没有密码，邀请链接发送到 email，由本人设置密码（和两步验证）",
)
def staff_add(request: HttpRequest, payload: StaffIn) -> Status[StaffOut]:
    user = _school_admin(request)
    assert user.school is not None
    staff, _ = staff_create(
        school=user.school,
        username=payload.username,
        display_name=payload.display_name,
        email=payload.email,
        role=payload.role,
        college_id=payload.college_id,
        acting_user=user,
    )
    return Status(201, staff_data(_one(user, staff.pk)))


@router.patch(
    "/{staff_id}",
    response=responses(StaffOut, 400, 401, 403, 404, 409),
    summary="停用或启用账号（停用立即在所有设备上退出登录；本校最后一个可登录的学校管理员不能停用：409）",
)
def staff_patch(request: HttpRequest, staff_id: Id, payload: StaffPatchIn) -> StaffOut:
    user = _school_admin(request)
    staff_set_active(staff_id, payload.active, acting_user=user)
    return staff_data(_one(user, staff_id))


@router.post(
    "/{staff_id}/invite",
    response=responses(InvitationOut, 401, 403, 404, 409),
    summary="重新邀请：向账号的邮箱发送新的邀请链接（此前未使用的链接失效；已停用的账号 409）",
)
def staff_invite(request: HttpRequest, staff_id: Id) -> InvitationOut:
    user = _school_admin(request)
    invitation = staff_reinvite(staff_id, acting_user=user)
    return InvitationOut(detail=f"邀请链接已发送到 {invitation.user.email}", expires_at=invitation.expires_at)
