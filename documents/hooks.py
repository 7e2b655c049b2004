"""documents' subscription to the core: after an agreement's event has committed, make sure the document its
status needs exists (connected in DocumentsConfig.ready)."""

from __future__ import annotations

import logging

from documents.services import document_request

logger = logging.getLogger(__name__)


# Actions that change what an issued document prints without changing the agreement's status.
REISSUE_ACTIONS = {"student_corrected"}


def on_event_committed(*, agreement_id: int, action: str, **_: object) -> None:
    # This runs in the committing request's on_commit chain: a failure here must not turn the user's successful
    # action into an error page. Downloads generate a missing document on the spot, and the school admin sees
    # documents that failed, so logging is enough.
    try:
        document_request(agreement_id, reissue=action in REISSUE_ACTIONS)
    except Exception:
        logger.exception("Could not request the document of agreement %s after %s", agreement_id, action)


def on_verification_drawn(*, campaign_id: int, **_: object) -> None:
    """Sign the ledger head at each 核查 draw, so the sample's record is covered by a checkpoint from that moment.
    A failure (no signing key, authority down) must not undo the draw: the hourly checkpoint covers it later."""
    from documents.checkpoints import checkpoint_create

    try:
        checkpoint_create(reason="verification")
    except Exception:
        logger.exception("Could not sign a ledger checkpoint at 核查 draw %s", campaign_id)
