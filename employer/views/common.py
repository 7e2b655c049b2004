"""What every employer page shares: the left menu, the 我的位置 breadcrumb, rendering helpers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

RECRUIT_MENU = (
    "招聘指南",
    "网络招聘发布",
    "专场招聘会预定",
    "空中宣讲申请",
    "大型招聘会预订",
    "收到的简历",
    "生涯查看",
    "进校公函下载",
)


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    menu: str,
    crumbs: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    user = request.user
    base = {
        "employer": getattr(user, "employer", None),
        "menu": menu,
        "crumbs": crumbs,
        "recruit_menu": RECRUIT_MENU,
    }
    return render(request, template, {**base, **context}, status=status)


def dialog(
    request: HttpRequest,
    fragment: str,
    context: dict[str, Any],
    *,
    menu: str,
    crumbs: list[tuple[str, str]],
    status: int = 200,
) -> HttpResponse:
    """A dialog: only its content for htmx (shown in the page's modal), a full page otherwise."""
    if getattr(request, "htmx", False):
        return render(request, fragment, context, status=status)
    return page(
        request, "employer/dialog_page.html", {**context, "fragment": fragment}, menu=menu, crumbs=crumbs, status=status
    )
