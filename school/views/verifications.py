"""核查 of the school's own graduates (issue 21 item 2): the province's pages and functions, in the school portal."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from province.views import Pages, verification_page, verification_report_download, verifications_page
from school.access import school_admin_required
from school.views.common import page
from web.request import AuthenticatedRequest


def _render(
    request: AuthenticatedRequest, template: str, context: dict[str, Any], *, crumbs: list[Any], status: int = 200
) -> HttpResponse:
    return page(request, template, context, menu="verifications", crumbs=[("统计报表", ""), *crumbs], status=status)


SCHOOL_PAGES = Pages(
    "school/base.html", "school:verifications", "school:verification", "school:verification_report", _render
)


@require_http_methods(["GET", "POST"])
@school_admin_required
def verifications(request: AuthenticatedRequest) -> HttpResponse:
    return verifications_page(request, SCHOOL_PAGES)


@require_GET
@school_admin_required
def verification(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return verification_page(request, pk, SCHOOL_PAGES)


@require_GET
@school_admin_required
def verification_report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return verification_report_download(request, pk)
