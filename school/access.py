"""Who may open the school portal and what each admin sees.

Anonymous visitors go to the login page; roles other than the two admins get 403. A page limited to the
school admin answers 403 to a college admin (a role that may never do it); objects outside the admin's
school or college answer 404 (through core.selectors and the domain functions).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import Forbidden, NotFound
from core.models import Role, School, User

View = Callable[..., HttpResponse]
ADMIN_ROLES = (Role.SCHOOL_ADMIN, Role.COLLEGE_ADMIN)


def current_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def current_school(request: HttpRequest) -> School:
    school = current_user(request).school
    assert school is not None
    return school


def is_school_admin(user: User) -> bool:
    return user.role == Role.SCHOOL_ADMIN


def _guard(roles: tuple[str, ...], message: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = getattr(user, "role", "")
            if role not in roles or getattr(user, "school_id", None) is None:
                raise PermissionDenied(message)
            if role == Role.COLLEGE_ADMIN and getattr(user, "college_id", None) is None:
                raise PermissionDenied("该学院管理员账号未关联院系")
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404("对象不存在或无权访问")
            except Forbidden as exc:
                raise PermissionDenied(exc.detail)

        return wrapper

    return decorator


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
