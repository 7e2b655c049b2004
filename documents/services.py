"""The lifecycle of issued documents: request a version when the agreement needs one, generate and sign it in the
background with retries, supersede the previous version, and let the school admin see and retry failures.

Which document an agreement needs follows from its status alone, so every entry point (the post-commit hook, a
retry, a download that finds nothing ready) converges on the same rows:
- effective, or a 解约 in progress: the signed effective agreement;
- terminated: a new version marked 已解约, which supersedes it;
- anything before the school's approval: no issued document (downloads get an unsigned 未生效 draft).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import traceback
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from core.errors import DomainError, InvalidInput, NotFound
from core.models import Agreement, Attachment, Status, User
from core.models.status import FINAL_STATUSES
from core.rules import counts_as_effective
from core.services.destinations import read_attachment, sniff
from core.tasks import enqueue_on_commit
from documents.builder import build_document_data, load_agreement
from documents.images import page_count, render_page_png
from documents.models import AgreementDocument, document_file_name
from documents.render import PAGES_PER_COPY, render_agreement_pdf
from documents.selectors import STALE_AFTER, current_document, documents_needing_attention
from documents.signing import SignatureReport, sign_pdf, verify_signature

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Delays before the 2nd, 3rd, ... attempt: a missing font or key needs an operator, a locked database does not.
RETRY_DELAYS = (
    datetime.timedelta(seconds=10),
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
)


class DocumentUnavailable(DomainError):
    """The issued document cannot be produced right now; it has been queued for another attempt."""

    status = 503
    code = "document_unavailable"


Kind = AgreementDocument.Kind
State = AgreementDocument.State


def needed_kind(agreement: Agreement) -> str | None:
    if not agreement.number:
        return None
    if agreement.status == Status.TERMINATED:
        return Kind.TERMINATED
    if counts_as_effective(agreement):
        return Kind.EFFECTIVE
    return None


# --- requesting and generating ---------------------------------------------------------------------------


def document_request(agreement_id: int, *, enqueue: bool = True, reissue: bool = False) -> AgreementDocument | None:
    """Make sure a document of the kind the agreement needs exists or is on its way; idempotent.

    `reissue` asks for a new version of the same kind because what the document prints changed (the school
    corrected the student's data); a version not yet generated will print the new data anyway."""
    # Most events leave an agreement that needs no document (an invitation, an acceptance into review): said by one
    # plain read, without the transaction and the lock. It runs after the event committed, so it sees that state or
    # a later one, and a later change that needs a document calls this again from its own event.
    glance = Agreement.objects.filter(pk=agreement_id).only("number", "status", "effective_at").first()
    if glance is None or needed_kind(glance) is None:
        return None
    try:
        with transaction.atomic():
            # Lock the agreement so that two hooks for one agreement cannot both add a version.
            agreement = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
            if agreement is None:
                return None
            kind = needed_kind(agreement)
            if kind is None:
                return None
            latest = AgreementDocument.objects.filter(agreement=agreement).order_by("-version").first()
            if latest is not None and latest.kind == kind and (not reissue or latest.state != State.READY):
                return latest  # already issued, or on its way with its own job (retries included)
            version = (latest.version if latest else 0) + 1
            document = AgreementDocument.objects.create(agreement=agreement, version=version, kind=kind)
    except IntegrityError:
        # A concurrent request created the same version first; it is on its way.
        return AgreementDocument.objects.filter(agreement_id=agreement_id).order_by("-version").first()
    if enqueue:
        _enqueue(document.pk)
    return document


def _enqueue(document_id: int, *, delay: datetime.timedelta | None = None) -> None:
    enqueue_on_commit(generate_document, document_id, delay=delay)


@task()
def generate_document(document_id: int) -> str:
    try:
        document = document_generate(document_id)
    except Exception:
        # The attempt is recorded on the row; queue the next one (with back-off) unless attempts are used up,
        # then let the task fail so the queue's own record shows the error too.
        schedule_retry(document_id)
        raise
    return document.state


def document_generate(document_id: int, *, force: bool = False) -> AgreementDocument:
    """Render, sign and store one pending version. Raises on failure after recording the attempt.

    A document whose attempts are used up (failed) is left alone unless `force`: it waits for an admin's
    重新生成, or for someone who needs it right now (a download).
    """
    document = AgreementDocument.objects.get(pk=document_id)
    if document.state == State.READY or (document.state == State.FAILED and not force):
        return document
    try:
        agreement = load_agreement(document.agreement_id)
        data = build_document_data(agreement)
        pdf = sign_pdf(render_agreement_pdf(data), location=agreement.school.name)
    except Exception as exc:
        _record_failure(document, exc)
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    # Written before the row is marked ready, under a name no other attempt uses; if this attempt loses the race
    # below (another worker finished first) or the transaction fails, its file is removed again.
    document.sha256 = digest
    name = default_storage.save(document_file_name(document, ""), ContentFile(pdf))
    try:
        document = _mark_ready(document_id, name=name, size=len(pdf), digest=digest)
    except BaseException:
        default_storage.delete(name)
        raise
    if document.file.name != name:
        default_storage.delete(name)
    return document


def _mark_ready(document_id: int, *, name: str, size: int, digest: str) -> AgreementDocument:
    now = timezone.now()
    with transaction.atomic():
        document = AgreementDocument.objects.select_for_update().get(pk=document_id)
        if document.state == State.READY:  # another worker finished it meanwhile
            return document
        newer = AgreementDocument.objects.filter(
            agreement_id=document.agreement_id, version__gt=document.version, state=State.READY
        ).exists()
        document.file.name, document.size, document.sha256 = name, size, digest
        document.signed, document.state, document.generated_at = True, State.READY, now
        document.attempts += 1
        document.last_error = ""
        # Versions can finish out of order after retries; the highest version stays current.
        document.superseded_at = now if newer else None
        document.save(
            update_fields=[
                "file",
                "size",
                "sha256",
                "signed",
                "state",
                "generated_at",
                "attempts",
                "last_error",
                "superseded_at",
            ]
        )
        if not newer:
            AgreementDocument.objects.filter(
                agreement_id=document.agreement_id, version__lt=document.version, superseded_at__isnull=True
            ).update(superseded_at=now)
    return document


def document_content(document: AgreementDocument) -> bytes:
    """The issued PDF from the storage, checked against the SHA-256 recorded when it was signed."""
    if not document.file:
        raise DocumentUnavailable("协议书文件正在生成，请稍后再试")
    try:
        with default_storage.open(document.file.name, "rb") as f:
            content = f.read()
    except Exception as exc:
        logger.exception("Agreement document %s: cannot read %s", document.pk, document.file.name)
        raise DocumentUnavailable("协议书文件暂时无法读取，请稍后再试") from exc
    if hashlib.sha256(content).hexdigest() != document.sha256:
        logger.error("Agreement document %s: %s does not match its SHA-256", document.pk, document.file.name)
        raise DocumentUnavailable("协议书文件暂时无法读取，请稍后再试")
    return content


def _record_failure(document: AgreementDocument, exc: BaseException) -> None:
    logger.exception("Generating agreement document %s failed", document.pk)
    attempts = document.attempts + 1
    AgreementDocument.objects.filter(pk=document.pk).update(
        attempts=attempts,
        last_error="".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000],
        state=State.FAILED if attempts >= MAX_ATTEMPTS else State.PENDING,
    )


def schedule_retry(document_id: int) -> bool:
    """After a failed attempt: enqueue the next one with back-off, unless attempts are used up."""
    document = AgreementDocument.objects.filter(pk=document_id).first()
    if document is None or document.state != State.PENDING:
        return False
    delay = RETRY_DELAYS[min(document.attempts, len(RETRY_DELAYS)) - 1] if document.attempts else None
    _enqueue(document_id, delay=delay)
    return True


def schedule_retry_for(agreement_id: int) -> None:
    latest = AgreementDocument.objects.filter(agreement_id=agreement_id).order_by("-version").first()
    if latest is not None:
        schedule_retry(latest.pk)


def issue_document(agreement_id: int) -> AgreementDocument | None:
    """Request and generate the needed version right now (used when a download finds nothing ready)."""
    document = document_request(agreement_id, enqueue=False)
    if document is None or document.state == State.READY:
        return document
    return document_generate(document.pk, force=True)


# --- downloading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementPdf:
    content: bytes
    filename: str
    document: AgreementDocument | None  # None for an unsigned draft


@dataclass(frozen=True)
class PaperScan:
    """A paper agreement's document: the scan its student uploaded (the latest, after a resubmission)."""

    content: bytes
    filename: str
    content_type: str
    attachment: Attachment


def paper_scan(agreement: Agreement) -> PaperScan:
    """What downloading a paper agreement gives: its scan (PDF, JPG or PNG), never a 网上签约 PDF we generate."""
    scan = agreement.attachments.order_by("-created_at", "-pk").first()
    if scan is None:
        if agreement.status in FINAL_STATUSES:  # purge_evidence removed it, the retention over (issue 20 item 3)
            years = settings.EVIDENCE_RETENTION_YEARS
            raise NotFound(f"该纸质协议已结束超过{years}年，扫描件已按佐证材料留存期限删除")
        raise NotFound("该纸质协议没有扫描件")
    return PaperScan(read_attachment(scan), scan.name, scan.content_type, scan)


def scan_pages(attachment: Attachment) -> range:
    """The pages of a PDF scan its reviewer reads inline (`documents:scan_page`); none for an image, which shows
    as itself, or for a PDF that does not open (the reviewer downloads it instead)."""
    if attachment.content_type != "application/pdf":
        return range(0)
    try:
        return range(1, page_count(read_attachment(attachment)) + 1)
    except Exception:  # PDFium refuses a damaged file in many ways; the page says so instead
        return range(0)


def scan_pages_shown(pages: range) -> tuple[range, int]:
    """The pages of a scan shown on the review page (at most WANGQIAN_SCAN_PREVIEW_MAX_PAGES) and how many more."""
    limit = settings.WANGQIAN_SCAN_PREVIEW_MAX_PAGES
    return pages[:limit], max(0, len(pages) - limit)


def review_scans(agreement: Agreement) -> list[dict[str, Any]]:
    """A paper agreement's scans as its reviewer reads them, the latest first and shown inline (an image as
    itself, a PDF page by page); earlier ones (before a resubmission) as links."""
    scans = list(agreement.attachments.order_by("-created_at", "-pk"))
    shown, more = scan_pages_shown(scan_pages(scans[0])) if scans else (range(0), 0)
    return [
        {
            "attachment": scan,
            "latest": i == 0,
            "image": scan.content_type.startswith("image/"),
            "pages": shown if i == 0 else range(0),
            "more_pages": more if i == 0 else 0,
        }
        for i, scan in enumerate(scans)
    ]


def agreement_pdf(agreement: Agreement) -> AgreementPdf:
    """The PDF a party or reviewer downloads: the current issued version, or an unsigned 未生效 draft.

    An agreement that needs a document but has none ready gets it generated on the spot, so a download never
    finds it missing even when the background worker is behind. A paper agreement has none of ours: its
    document is its scan (`paper_scan`), and asking for a PDF of it is a 404.
    """
    if agreement.paper:
        raise NotFound("纸质协议没有网上签约的协议书文件，请下载其扫描件")
    kind = needed_kind(agreement)
    if kind is not None:
        document = current_document(agreement)
        if document is None or document.kind != kind:
            try:
                document = issue_document(agreement.pk)
            except Exception as exc:
                schedule_retry_for(agreement.pk)
                raise DocumentUnavailable("协议书文件正在生成，请稍后再试") from exc
        if document is None or document.state != State.READY:
            raise DocumentUnavailable("协议书文件正在生成，请稍后再试")
        return AgreementPdf(document_content(document), f"就业协议书-{agreement.number}.pdf", document)
    data = build_document_data(load_agreement(agreement.pk), draft=True)
    return AgreementPdf(render_agreement_pdf(data), f"就业协议书-草稿-{agreement.pk}.pdf", None)


# --- the reviewers' preview -------------------------------------------------------------------------------

REVIEW_PREVIEW_TTL = 3600


def review_draft_page(agreement_id: int, page: int, *, scale: float) -> bytes:
    """One page of the first copy (第一联) of the agreement as it will print, watermarked 未生效, as PNG.

    Rendered on request from what the PDF would print now and never signed nor stored as a version: the cache key
    is a digest of that content, so any change (terms, events, the student's data) shows at once, while the
    reviewer's second page and later looks come from the cache."""
    if not 1 <= page <= PAGES_PER_COPY:
        raise NotFound("没有这一页")
    data = build_document_data(load_agreement(agreement_id), draft=True)
    content = hashlib.sha256(repr(replace(data, issued_at=None)).encode()).hexdigest()
    key = f"documents:review:{content}:{page}:{scale}"
    png: bytes | None = cache.get(key)
    if png is None:
        png = render_page_png(render_agreement_pdf(data), page - 1, scale=scale)
        cache.set(key, png, REVIEW_PREVIEW_TTL)
    return png


# --- the school admin's retries ----------------------------------------------------------------------------


def document_retry(document_id: int, *, acting_user: User) -> AgreementDocument:
    """重新生成: give a failed (or stuck) document a fresh set of attempts."""
    document = documents_needing_attention(acting_user).filter(pk=document_id).first()
    if document is None:
        raise NotFound()
    AgreementDocument.objects.filter(pk=document.pk).update(state=State.PENDING, attempts=0)
    logger.info("Document %s retried by %s", document.pk, acting_user.pk)
    _enqueue(document.pk)
    return document


def documents_retry_stale() -> int:
    """For a periodic job: re-enqueue pending documents whose job seems lost. Failed ones wait for an admin."""
    stale = timezone.now() - STALE_AFTER
    ids = list(AgreementDocument.objects.filter(state=State.PENDING, created_at__lt=stale).values_list("pk", flat=True))
    for pk in ids:
        _enqueue(pk)
    return len(ids)


# --- public verification: checking an uploaded file ------------------------------------------------------


@dataclass(frozen=True)
class UploadCheck:
    """What the verification page says about an uploaded file."""

    sha256: str
    verdict: str  # current | superseded | other_agreement | unknown
    message: str
    document: AgreementDocument | None
    current_version: int | None
    signature: SignatureReport


def verify_upload(agreement: Agreement, content: bytes) -> UploadCheck:
    """Compare an uploaded file's SHA-256 with every version ever issued, and check its signature.

    Only a PDF is compared: a photo or a scan of the paper (or any other file) is not a modified copy of ours,
    it is not what the checker reads, and the person is asked for the PDF."""
    kind = sniff(content)
    if kind is None or kind[0] != "application/pdf":
        message = "请上传 PDF 文件：核对的是本系统签发的协议书 PDF，照片、扫描件或其他文件无法核对"
        raise InvalidInput(message, errors={"file": message})
    digest = hashlib.sha256(content).hexdigest()
    match = AgreementDocument.objects.filter(sha256=digest, state=State.READY).first()
    current = current_document(agreement)
    current_version = current.version if current else None
    if match is None:
        verdict, message = "unknown", "不是本系统签发的文件：内容与本系统签发的任何版本都不一致（可能经过修改）"
    elif match.agreement_id != agreement.pk:
        verdict, message = "other_agreement", "该文件是本系统签发的另一份协议书，与此验证码不符"
    elif match.superseded_at is None:
        verdict, message = "current", f"是本系统签发的原件，为现行版本（第{match.version}版）"
    else:
        when = timezone.localtime(match.superseded_at).strftime("%Y-%m-%d %H:%M")
        verdict = "superseded"
        message = f"是本系统签发的第{match.version}版，但已于{when}被第{current_version}版取代，不再是现行版本"
    return UploadCheck(
        sha256=digest,
        verdict=verdict,
        message=message,
        document=match,
        current_version=current_version,
        signature=verify_signature(content),
    )
