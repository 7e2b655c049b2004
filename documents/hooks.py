"""Called by core.services.side_effects after an agreement's transition has committed."""

from __future__ import annotations

import logging

from documents.services import document_request

logger = logging.getLogger(__name__)


# Actions that change what an issued document prints without changing the agreement's status.
REISSUE_ACTIONS = {"student_corrected"}


def on_agreement_changed(agreement_id: int, action: str) -> None:
    # This runs in the committing request's on_commit chain: a failure here must not turn the user's successful
    # action into an error page. Downloads generate a missing document on the spot, and the school admin sees
    # documents that failed, so logging is enough.
    try:
        document_request(agreement_id, reissue=action in REISSUE_ACTIONS)
    except Exception:
        logger.exception("Could not request the document of agreement %s after %s", agreement_id, action)
