"""学校管理中心 / 学院管理中心: the landing page with what waits for the admin and this year's figures."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from core.rules import review_status_for
from core.services.stats import stats_for_user
from school.access import admin_required
from school.views.common import page
from web.request import AuthenticatedRequest


@require_GET
@admin_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context = {
        "stats": stats_for_user(user),
        "review_label": review_status_for(user).label,
    }
    return page(request, "school/home.html", context, menu="home", crumbs=[])
