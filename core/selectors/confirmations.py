"""本人确认 evidence as each viewer may read it (issue 20 item 3): every party sees that an act was confirmed by the
graduate, how and when; the graduate, their school's reviewers and the province also see the client address and
the passkey's credential (or the masked phone the code went to)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from core.models import Confirmation, Role, User
from core.models.timeline import TimelineEvent

# Who reads the evidence in full (address, credential): the graduate and the school side, as for the 身份证号.
FULL_EVIDENCE_ROLES = frozenset({Role.STUDENT, Role.COLLEGE_ADMIN, Role.SCHOOL_ADMIN, Role.PROVINCE_ADMIN})


def confirmation_of(event: TimelineEvent) -> Confirmation | None:
    """The evidence hung on this 流程追踪 event, if the act was confirmed (read with the event by
    `select_related("confirmation")`, so no query per event)."""
    try:
        return event.confirmation  # type: ignore[attr-defined,no-any-return]
    except ObjectDoesNotExist:
        return None


def evidence_display(confirmation: Confirmation | None, viewer: User) -> dict[str, Any] | None:
    """What a page shows of one act's 本人确认 to this viewer, or None when the act carries none."""
    if confirmation is None:
        return None
    full = viewer.role in FULL_EVIDENCE_ROLES
    details: list[str] = []
    if full:
        if confirmation.method == Confirmation.Method.PASSKEY and confirmation.credential_id:
            credential = bytes(confirmation.credential_id).hex()
            details.append(f"凭证 {credential[:8]}…{credential[-4:]}")
        if confirmation.sms_phone:
            details.append(f"验证码发送至 {confirmation.sms_phone}")
        if confirmation.verified_address:
            details.append(f"地址 {confirmation.verified_address}")
    return {
        "label": f"本人确认（{confirmation.get_method_display()}）",
        "method": confirmation.method,
        "time": confirmation.verified_at,
        "details": "；".join(details),
    }
