"""What happens after an agreement changed: started only once the transaction has committed."""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction

logger = logging.getLogger(__name__)


def agreement_changed(agreement_id: int, action: str) -> None:
    def run() -> None:
        if apps.is_installed("documents"):
            from documents.hooks import on_agreement_changed

            on_agreement_changed(agreement_id, action)
        _enqueue_emails(agreement_id, action)

    transaction.on_commit(run)


def _enqueue_emails(agreement_id: int, action: str) -> None:
    from core.models import AgreementEvent
    from core.tasks import send_event_emails

    event_id = (
        AgreementEvent.objects.filter(agreement_id=agreement_id, action=action)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if event_id is None:
        return
    try:
        send_event_emails.enqueue(event_id)
    except Exception:
        # The user's action has committed; a mail queue hiccup must not turn it into an error page.
        logger.exception("Could not queue the e-mails of event %s", event_id)
