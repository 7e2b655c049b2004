"""营业执照 scans: uploaded at 单位注册 (or later, while the registration waits), read by 单位资质审核.

A scan is a PDF, JPG or PNG by its first bytes (as 去向 proofs are), at most `WANGQIAN_LICENCE_MAX_BYTES`, stored
through Django's storage under a random name; the name the employer gave is kept for display only. A verified
employer's scan is what the school approved, so it is not replaced. A scan replaced while waiting is kept as a
`RetiredLicence` (佐证材料, removed by `manage.py purge_evidence` EVIDENCE_RETENTION_YEARS later).
"""

from __future__ import annotations

import contextlib
import io
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Employer, RetiredLicence, Role, User
from core.services.destinations import sniff

FIELD = "licence"
LABEL = "营业执照扫描件"


def read_licence_upload(upload: Any) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded file, reading at most one byte past the limit: a huge upload is refused, not
    loaded."""
    if upload is None:
        return "", b""
    upload.seek(0)
    return str(getattr(upload, "name", "") or ""), bytes(upload.read(settings.WANGQIAN_LICENCE_MAX_BYTES + 1))


def clean_licence(name: str, content: bytes) -> tuple[str, str, str]:
    """(display name, content type, extension) of an acceptable scan; InvalidInput naming the field otherwise."""
    display = (name or LABEL).replace("\x00", "").strip()[-100:] or LABEL
    limit = settings.WANGQIAN_LICENCE_MAX_BYTES

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, errors={FIELD: message})

    if not content:
        raise refuse(f"请上传{LABEL}（PDF、JPG或PNG）")
    if len(content) > limit:
        raise refuse(f"{LABEL}“{display}”超过大小上限（{limit / (1024 * 1024):g} MB）")
    kind = sniff(content)
    if kind is None:
        raise refuse(f"{LABEL}“{display}”不是 PDF、JPG 或 PNG 文件")
    stem = display.rsplit(".", 1)[0] if "." in display[1:] else display
    return f"{stem[: 100 - len(kind[1])]}{kind[1]}", kind[0], kind[1]


def store_licence(employer: Employer, name: str, content: bytes) -> list[str]:
    """Save the scan on `employer` (not yet saved to the database); returns the fields to save. The caller saves
    the row in its transaction, and deletes the file (`discard_licence`) when that transaction fails."""
    display, content_type, extension = clean_licence(name, content)
    employer.licence.save(f"{secrets.token_hex(16)}{extension}", ContentFile(content), save=False)
    employer.licence_name = display
    employer.licence_type = content_type
    employer.licence_size = len(content)
    employer.licence_uploaded_at = timezone.now()
    return ["licence", "licence_name", "licence_type", "licence_size", "licence_uploaded_at"]


def discard_licence(stored_name: str) -> None:
    if stored_name:
        with contextlib.suppress(OSError):
            default_storage.delete(stored_name)


def employer_upload_licence(*, name: str, content: bytes, acting_user: User) -> Employer:
    """An employer waiting for 资质审核 uploads its scan, replacing an earlier one, which is kept (RetiredLicence)."""
    if acting_user.role != Role.EMPLOYER or acting_user.employer_id is None:
        raise Forbidden("当前账号角色无权进行此操作", code="forbidden_role")
    clean_licence(name, content)  # refused before taking the lock
    stored = ""
    try:
        with transaction.atomic():
            # Locked: two uploads at once each retire the scan they replaced, none is left untracked in storage.
            employer = Employer.objects.select_for_update().get(pk=acting_user.employer_id)
            if employer.verification_status != Employer.Verification.PENDING:
                status = employer.get_verification_status_display()
                raise Conflict(f"单位资质审核{status}，不能再更换{LABEL}", code="invalid_status")
            old = RetiredLicence(
                employer=employer,
                employer_name=employer.name,
                credit_code=employer.credit_code,
                file=employer.licence.name,
                name=employer.licence_name,
                content_type=employer.licence_type,
                size=employer.licence_size,
                uploaded_at=employer.licence_uploaded_at,
            )
            fields = store_licence(employer, name, content)
            stored = employer.licence.name
            employer.save(update_fields=fields)
            if old.file:
                # The replaced scan is 佐证材料 too: kept EVIDENCE_RETENTION_YEARS, shown under the current one.
                old.retired_at = timezone.now()
                old.save()
    except Exception:
        discard_licence(stored)
        raise
    return employer


def retired_licence_content(employer: Employer, licence_id: int) -> tuple[RetiredLicence, bytes]:
    """A replaced scan of this employer, for 单位资质审核 (the caller has checked the viewer sees the employer)."""
    licence = RetiredLicence.objects.filter(employer=employer, pk=licence_id).first()
    if licence is None:
        raise NotFound(f"没有该{LABEL}")
    try:
        with default_storage.open(licence.file.name, "rb") as f:
            return licence, bytes(f.read())
    except OSError:
        raise NotFound(f"{LABEL}文件不存在")


def read_licence(employer: Employer) -> bytes:
    if not employer.licence:
        raise NotFound(f"该单位未上传{LABEL}")
    try:
        with default_storage.open(employer.licence.name, "rb") as f:
            return bytes(f.read())
    except OSError:
        raise NotFound(f"{LABEL}文件不存在")


def licence_preview_png(employer: Employer, *, width: int = 1000) -> bytes | None:
    """The first page of a PDF scan as a PNG to show inline (an image scan is shown as it is); None when the PDF
    cannot be rendered."""
    content = read_licence(employer)
    if employer.licence_type != "application/pdf":
        return content
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(content)
        try:
            page = pdf[0]
            scale = width / max(page.get_width(), 1.0)
            image = page.render(scale=min(scale, 4.0)).to_pil()
        finally:
            pdf.close()
    except Exception:  # a damaged or hostile PDF: shown as a link to the file, never a 500
        return None
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
