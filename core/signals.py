"""What the core tells other apps. The core imports none of them: they subscribe in their AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once per 流程追踪 event, after the transaction that recorded it has committed, with keyword arguments
# event_id, agreement_id and action (sender: AgreementEvent). Receivers take ids and read what they need;
# documents issue the agreement's PDF, notifications e-mail the parties.
event_committed = Signal()

# Sent once per 核查 draw, after its transaction committed, with keyword argument campaign_id (sender:
# VerificationCampaign). documents signs a ledger checkpoint at each draw (issue 21: "every hour and at each 核查
# draw").
verification_drawn = Signal()
