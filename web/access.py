"""The one guard every portal view goes through: log in first, the right role, and domain errors at the edge.

Anonymous visitors go to the login page; a role that may never use the page gets 403; an object that is not
the user's (core.errors.NotFound) answers 404, and core.errors.Forbidden answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import Forbidden, NotFound
from core.models import User

View = Callable[..., HttpResponse]


def role_required(
    roles: tuple[str, ...], message: str, *, check: Callable[[User], str | None] | None = None
) -> Callable[[View], View]:
    """`check` may refuse a user of the right role with a message (e.g. an account with no school)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            assert isinstance(user, User)
            if user.role not in roles:
                raise PermissionDenied(message)
            refusal = check(user) if check else None
            if refusal:
                raise PermissionDenied(refusal)
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404("对象不存在或无权访问")
            except Forbidden as exc:
                raise PermissionDenied(exc.detail)

        return wrapper

    return decorator
