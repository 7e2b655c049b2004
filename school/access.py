"""Who may open the school portal and what each admin sees.

Anonymous visitors go to the login page; roles other than the two admins get 403. A page limited to the
school admin answers 403 to a college admin (a role that may never do it); objects outside the admin's
school or college answer 404 (through core.selectors and the domain functions).
"""

from __future__ import annotations

from collections.abc import Callable

from core.models import Role, School, User
from web.access import View, role_required
from web.request import AuthenticatedRequest

ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN)


def current_school(request: AuthenticatedRequest) -> School:
    school = request.user.school
    assert school is not None
    return school


def is_school_admin(user: User) -> bool:
    return user.role == Role.SCHOOL_ADMIN


def _has_school_and_college(user: User) -> str | None:
    if user.school_id is None:
        return "该管理员账号未关联学校"
    if user.role == Role.COLLEGE_ADMIN and user.college_id is None:
        return "该学院管理员账号未关联院系"
    return None


def _guard(roles: tuple[str, ...], message: str) -> Callable[[View], View]:
    return role_required(roles, message, check=_has_school_and_college)


# Pages for both admins (a college admin sees their college only).
admin_required = _guard(ADMIN_ROLES, "仅学校或学院管理员可以使用学校管理中心")
# Pages for the school admin only.
school_admin_required = _guard((Role.SCHOOL_ADMIN,), "仅学校管理员可以使用此功能")


def school_id_of(user: User) -> int:
    """The admin's school (the guards above make sure there is one)."""
    assert user.school_id is not None
    return user.school_id


def college_id_of(user: User) -> int:
    assert user.college_id is not None
    return user.college_id
