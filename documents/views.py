"""Edges of the documents app: PDF download, 查看原图, the public verification page, the school admin's retry list.

Views only fetch through the scoped selectors and call documents.services; domain errors become status codes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import DomainError, Forbidden, NotFound
from core.models import Agreement, Status, User
from core.rules import shows_review_draft
from core.selectors import get_agreement_for_user, get_attachment_for_user
from core.services.destinations import read_attachment
from documents import selectors, services
from documents.images import page_count, render_page_png
from documents.services import AgreementPdf
from web.actions import Refusal, attempt
from web.downloads import download

PREVIEW_SCALE = 1.6  # ≈115 dpi: the small print stays legible on screen, a page stays under 300 KB


def _agreement_for(request: HttpRequest, pk: int) -> Agreement:
    user: User = request.user  # type: ignore[assignment]
    try:
        return get_agreement_for_user(user, pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _pdf_for(request: HttpRequest, pk: int) -> AgreementPdf | HttpResponse:
    agreement = _agreement_for(request, pk)
    try:
        return services.agreement_pdf(agreement)
    except DomainError as exc:
        return render(request, "documents/unavailable.html", {"message": exc.detail}, status=exc.status)


def _scan_answer(request: HttpRequest, agreement: Agreement) -> HttpResponse:
    """A paper agreement's download: its scan, as uploaded (PDF, JPG or PNG)."""
    try:
        scan = services.paper_scan(agreement)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = download(scan.content, scan.filename, scan.content_type, inline=request.GET.get("inline") == "1")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """下载协议书; `?inline=1` opens it in the browser instead. A paper agreement's is its scan."""
    agreement = _agreement_for(request, pk)
    if agreement.paper:
        return _scan_answer(request, agreement)
    result = _pdf_for(request, pk)
    if isinstance(result, HttpResponse):
        return result
    response = download(result.content, result.filename, "application/pdf", inline=request.GET.get("inline") == "1")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """查看原图: the pages as images (a paper agreement's: its scan, opened in the browser)."""
    if _agreement_for(request, pk).paper:
        return redirect(reverse("documents:pdf", args=[pk]) + "?inline=1")
    result = _pdf_for(request, pk)
    if isinstance(result, HttpResponse):
        return result
    agreement = _agreement_for(request, pk)
    pages = range(1, page_count(result.content) + 1)
    return render(
        request,
        "documents/preview.html",
        {"agreement": agreement, "pages": pages, "document": result.document, "draft": result.document is None},
    )


@login_required
@require_safe
def page_image(request: HttpRequest, pk: int, page: int) -> HttpResponse:
    result = _pdf_for(request, pk)
    if isinstance(result, HttpResponse):
        return result
    # Issued versions never change, so their pages can be cached by content hash; drafts are rendered each time.
    key = f"documents:page:{result.document.sha256}:{page}:{PREVIEW_SCALE}" if result.document else None
    png = cache.get(key) if key else None
    if png is None:
        try:
            png = render_page_png(result.content, page - 1, scale=PREVIEW_SCALE)
        except IndexError as exc:
            raise Http404("没有这一页") from exc
        if key:
            cache.set(key, png, 3600)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=600" if key else "private, no-store"
    return response


@login_required
@require_safe
def review_page(request: HttpRequest, pk: int, page: int) -> HttpResponse:
    """The reviewers' preview (签约审核): a page of the agreement as it will print, watermarked 未生效.

    Only for the admins who may review the agreement; its parties and everyone else get 404."""
    agreement = _agreement_for(request, pk)
    if not shows_review_draft(agreement, request.user):  # type: ignore[arg-type]
        raise Http404()
    try:
        png = services.review_draft_page(agreement.pk, page, scale=PREVIEW_SCALE)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def scan_page(request: HttpRequest, pk: int, page: int) -> HttpResponse:
    """A page of a PDF scan (a paper agreement's, or a 去向's proof) as PNG, so its reviewer reads it on the page
    itself; whoever may not see the file gets 404, and so does a page the file does not have or cannot render."""
    try:
        attachment = get_attachment_for_user(request.user, pk)  # type: ignore[arg-type]
        content = read_attachment(attachment)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if attachment.content_type != "application/pdf":
        raise Http404()
    try:
        png = render_page_png(content, page - 1, scale=PREVIEW_SCALE)
    except Exception as exc:  # a broken upload is a page we cannot show, never a 500
        raise Http404("无法显示该页") from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


# --- public verification -----------------------------------------------------------------------------------


@require_safe
def verify_index(request: HttpRequest) -> HttpResponse:
    code = selectors.normalize_code(request.GET.get("code", ""))
    if code:
        return redirect("documents:verify_code", code=code)
    return render(request, "documents/verify_index.html", {"submitted": "code" in request.GET})


STATUS_VERDICTS: dict[str, tuple[str, str]] = {
    Status.EFFECTIVE: ("success", "该协议书真实有效，已经学校审核生效。"),
    Status.TERMINATION_REQUESTED: ("warning", "该协议书已生效，目前正在办理解约。"),
    Status.TERMINATION_REVIEW: ("warning", "该协议书已生效，双方已同意解约，正等待学校解约审核。"),
    Status.TERMINATED: ("danger", "该协议书已解约，不再有效。"),
}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    verification = selectors.public_verification(code)
    if verification is None:
        return render(
            request,
            "documents/verify_index.html",
            {"unknown_code": code, "submitted": True},
            status=404,
        )
    if verification.code != code:
        return redirect("documents:verify_code", code=verification.code)
    agreement = verification.agreement
    check = None
    upload_error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            upload_error = "请选择要核对的协议书 PDF 文件"
        elif upload.size is not None and upload.size > settings.WANGQIAN_MAX_UPLOAD_BYTES:
            upload_error = "文件过大，协议书 PDF 通常不超过 1 MB"
        else:
            outcome = attempt(services.verify_upload, agreement, upload.read())
            if isinstance(outcome, Refusal):
                upload_error = outcome.detail
            else:
                check = outcome
    tone, verdict = STATUS_VERDICTS.get(agreement.status, ("secondary", agreement.get_status_display()))
    return render(
        request,
        "documents/verify_code.html",
        {
            "agreement": agreement,
            "code": verification.printed_code,
            "student_name": verification.student_name,
            "confirmation": verification.confirmation,
            "tone": tone,
            "verdict": verdict,
            "versions": selectors.issued_versions(agreement),
            "check": check,
            "upload_error": upload_error,
        },
        status=400 if upload_error else 200,
    )


# --- school admin: documents that failed -------------------------------------------------------------------


@login_required
@require_safe
def attention(request: HttpRequest) -> HttpResponse:
    """协议书生成异常: failed documents of the admin's school, with 重新生成."""
    try:
        documents = list(selectors.documents_needing_attention(request.user))  # type: ignore[arg-type]
    except Forbidden as exc:
        return HttpResponseForbidden(exc.detail)
    return render(request, "documents/attention.html", {"documents": documents})


@login_required
@require_POST
def retry(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        services.document_retry(document_id, acting_user=request.user)  # type: ignore[arg-type]
    except Forbidden as exc:
        return HttpResponseForbidden(exc.detail)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    messages.success(request, "已重新加入生成队列")
    return redirect(reverse("documents:attention"))
