"""What every school-portal page shares: the left menu with its to-do counts, the 我的位置 breadcrumb."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.models import Role, User
from core.selectors import pending_employers_count, review_queue_counts


def todo_counts(user: User) -> dict[str, int]:
    """The menu's badges: what waits for this admin."""
    counts = review_queue_counts(user)
    if user.role == Role.SCHOOL_ADMIN:
        counts["employers"] = pending_employers_count()
    return counts


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    menu: str,
    crumbs: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    base = {
        "menu": menu,
        "crumbs": crumbs,
        "is_school_admin": user.role == Role.SCHOOL_ADMIN,
        "todo": todo_counts(user),
        "portal_title": "学校管理中心" if user.role == Role.SCHOOL_ADMIN else "学院管理中心",
    }
    return render(request, template, {**base, **context}, status=status)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after an action: the posted `next` if it is on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def attachment(filename: str) -> str:
    """Content-Disposition for a download with a Chinese file name (RFC 6266 filename*)."""
    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
