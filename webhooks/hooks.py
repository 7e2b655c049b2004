"""webhooks' subscription to the core (connected in WebhooksConfig.ready): an agreement event that has committed
becomes one delivery per subscribed endpoint of the agreement's school, sent by the task queue."""

from __future__ import annotations

import logging

from webhooks.services import deliveries_for_event

logger = logging.getLogger(__name__)


def on_event_committed(*, event_id: int, agreement_id: int, action: str, **_: object) -> None:
    # In the committing request's on_commit chain: the user's action is done, whatever happens here.
    try:
        deliveries_for_event(event_id, agreement_id, action)
    except Exception:
        logger.exception("Could not make the webhook deliveries of event %s", event_id)
