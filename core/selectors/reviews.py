"""Reads about an agreement's review that its parties and reviewers are shown: the 退回 it is still answering."""

from __future__ import annotations

from core.models import Agreement, AgreementEvent
from core.rules import ANSWERING_RETURN_STATUSES

RETURN_ACTIONS = ("college_return", "school_return")


def open_return_of(agreement: Agreement) -> AgreementEvent | None:
    """The 退回 (with its reason) that the agreement is still answering, or None.

    That is while it stays 签约审核退回, and after the employer's 修改邀约 until the student signs again (the
    student then decides on the modified terms knowing why the reviewer sent them back)."""
    if agreement.status not in ANSWERING_RETURN_STATUSES:
        return None
    last = (
        AgreementEvent.objects.filter(agreement=agreement, action__in=(*RETURN_ACTIONS, "accept"))
        .order_by("-created_at", "-id")
        .first()
    )
    return last if last is not None and last.action in RETURN_ACTIONS else None
