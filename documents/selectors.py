"""Reads of issued documents and the public verification of a code; the writes are in `documents/services.py`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import Forbidden
from core.masking import mask_name
from core.models import Agreement, Confirmation, Role, User
from core.rules import counts_as_effective
from documents.builder import format_code
from documents.models import AgreementDocument

State = AgreementDocument.State
# A pending document older than this has lost its job (a worker died, the queue was flushed).
STALE_AFTER = datetime.timedelta(minutes=15)


def current_document(agreement: Agreement) -> AgreementDocument | None:
    return (
        AgreementDocument.objects.filter(agreement=agreement, state=State.READY, superseded_at__isnull=True)
        .order_by("-version")
        .first()
    )


def issued_versions(agreement: Agreement) -> list[AgreementDocument]:
    return list(AgreementDocument.objects.filter(agreement=agreement, state=State.READY).order_by("-version"))


def documents_needing_attention(user: User) -> QuerySet[AgreementDocument]:
    """Failed documents, and pending ones whose job seems lost, of the admin's school."""
    if user.role != Role.SCHOOL_ADMIN or user.school_id is None:
        raise Forbidden("只有学校管理员可以查看协议书生成情况", code="forbidden_role")
    stale = timezone.now() - STALE_AFTER
    return (
        AgreementDocument.objects.filter(agreement__school_id=user.school_id)
        .filter(Q(state=State.FAILED) | Q(state=State.PENDING, created_at__lt=stale))
        .select_related("agreement", "agreement__student", "agreement__employer")
        .order_by("-created_at")
    )


# --- public verification ----------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """The code as stored from the code as typed: printed groups (K7QF-2M9X-TR4D), lower case and spaces all
    lead to the same agreement."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class PublicVerification:
    """What anybody holding the code may learn: the page and `GET /api/v1/verify/{code}` both show this."""

    agreement: Agreement
    code: str  # normalised, as stored
    # In force: approved by the school and no 解约 approved yet (a 解约 being handled does not end it).
    effective: bool
    # The graduate's 本人确认 of the signature (同意 online, or the paper's registration), when the act carried one.
    confirmation: Confirmation | None = None

    @property
    def printed_code(self) -> str:
        return format_code(self.code)

    @property
    def student_name(self) -> str:
        return mask_name(self.agreement.student.name)


def public_verification(code: str) -> PublicVerification | None:
    """The agreement a verification code stands for, or None for a code nobody was given."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    agreement = (
        Agreement.objects.select_related("school", "employer", "student").filter(verification_code=normalized).first()
    )
    if agreement is None:
        return None
    signed = (
        Confirmation.objects.filter(
            agreement_event__agreement=agreement,
            agreement_event__action__in=("accept", "paper_register", "paper_resubmit"),
        )
        .order_by("-pk")
        .first()
    )
    return PublicVerification(
        agreement=agreement, code=normalized, effective=counts_as_effective(agreement), confirmation=signed
    )
