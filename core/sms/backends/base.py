"""What an SMS backend is: a provider's adapter implements `send_messages`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.sms import SmsMessage


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Send the messages; return how many were accepted by the provider. Raise on a failure worth retrying."""
        raise NotImplementedError
