"""Who may open the province portal: a 省级主管部门 admin of a province; other roles get 403 (and a province admin
gets 403 in every other portal: web.access.role_required lets each portal's roles only)."""

from __future__ import annotations

from core.models import Role, User
from web.access import role_required


def _has_province(user: User) -> str | None:
    return None if user.province_id is not None else "该账号未关联省级主管部门"


province_admin_required = role_required((Role.PROVINCE_ADMIN,), "仅省级主管部门可以使用此页面", check=_has_province)
