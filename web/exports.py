"""导出 on every portal: a small list is written while the browser waits; a large one (more rows than
WANGQIAN_EXPORT_SYNC_MAX_ROWS) becomes a background job, and the portal's job page shows its progress (htmx polls
the panel) and then the download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.errors import Conflict
from core.models import Agreement, Job, Role
from core.selectors.exports import export_job_of
from core.services.export_jobs import export_job_open, export_job_start, needs_job
from core.services.exports import agreements_export_xlsx, export_filename
from core.services.jobs import job_is_quiet
from core.services.xlsx import XLSX_CONTENT_TYPE
from web.access import role_required
from web.downloads import content_disposition, xlsx_download
from web.request import AuthenticatedRequest

PANEL = "includes/job_panel.html"


def export_or_job(
    request: AuthenticatedRequest, qs: QuerySet[Agreement], *, title: str, job_page: str, back: str
) -> HttpResponse:
    """The xlsx at once, or a job and a redirect to the portal's job page (URL name `job_page`); a job refused
    (the account's running jobs at their limit) leads back to the list (`back`) with the reason."""
    if needs_job(qs):
        try:
            job = export_job_start(qs, title=title, acting_user=request.user)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return redirect(back)
        return redirect(reverse(job_page, args=[job.pk]))
    return xlsx_download(agreements_export_xlsx(qs, request.user, title=title), export_filename(title))


def job_context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "download_url": reverse("web:export_download", args=[job.pk]),
        "keep_hours": settings.WANGQIAN_JOB_KEEP_HOURS,
        "stale": job_is_quiet(job),
    }


def job_page(
    request: AuthenticatedRequest, pk: int, render_page: Callable[[dict[str, Any]], HttpResponse]
) -> HttpResponse:
    """The portal's job page (call it from a view behind the portal's guard, which answers 404 for another's job);
    for htmx only the panel, which polls itself while the job runs."""
    context = job_context(export_job_of(request.user, pk))
    if request.htmx:
        return render(request, PANEL, context)
    return render_page(context)


@require_GET
@role_required(tuple(Role.values), "当前账号不能下载导出文件")
def export_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The finished file of one's own job; anyone else's, or one not finished, answers 404."""
    job = export_job_of(request.user, pk)
    if job.state != Job.State.DONE or not job.file:
        raise Http404()
    response = FileResponse(export_job_open(job), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(job.filename)
    return response  # type: ignore[return-value]  # streamed: a FileResponse is what role_required passes on
