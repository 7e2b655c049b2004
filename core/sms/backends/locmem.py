"""Keeps short messages in `core.sms.outbox` (tests), as Django's locmem backend does with mail."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from core.sms import SmsMessage

_lock = threading.Lock()


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        from core import sms

        with _lock:
            sms.outbox.extend(messages)
        return len(messages)
