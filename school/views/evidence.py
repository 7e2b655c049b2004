"""留存佐证材料: the files of students deleted from the roster, kept EVIDENCE_RETENTION_YEARS for 就业数据核查 (issue 20
item 3). A 去向's own deleted proofs are listed on its page; these have no page left, so the school admin finds them
here (the province on its page of the school)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from core.selectors import orphaned_evidence
from school.access import school_admin_required
from school.views.common import page
from web.evidence import with_kept_until
from web.request import AuthenticatedRequest

PAGE_SIZE = 20


@require_GET
@school_admin_required
def evidence(request: AuthenticatedRequest) -> HttpResponse:
    files = Paginator(orphaned_evidence(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_kept_until(list(files.object_list))
    context = {"page": files, "files": rows, "query": "", "retention_years": settings.EVIDENCE_RETENTION_YEARS}
    return page(
        request, "school/evidence.html", context, menu="evidence", crumbs=[("生源管理", ""), ("留存佐证材料", "")]
    )
