"""What every employer page shares: the left menu with its to-do counts, the unread 消息 in the header, the 我的位置
breadcrumb, the dialog page."""

from __future__ import annotations

from typing import Any

from core.selectors.notifications import employer_menu_counts
from web.pages import Portal
from web.request import AuthenticatedRequest

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


def _chrome(request: AuthenticatedRequest) -> dict[str, Any]:
    """The header's unread 消息 and the menu's to-do counts are on every page."""
    user = request.user
    counts = employer_menu_counts(user)
    return {
        "employer": user.employer,
        "recruit_menu": RECRUIT_MENU,
        "unread_count": counts["unread"],
        "todo": counts,
    }


portal = Portal(chrome=_chrome, dialog_page="employer/dialog_page.html", confirm_page="employer/confirm_step.html")
page = portal.page
dialog = portal.dialog
