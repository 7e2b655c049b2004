"""Prints each short message on stdout (the development default, like Django's console e-mail backend)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from core.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from core.sms import SmsMessage

_lock = threading.Lock()


class SmsBackend(BaseSmsBackend):
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        with _lock:
            for message in messages:
                self.stream.write(f"[短信] 至 {message.phone}：{message.text}\n")
            self.stream.flush()
        return len(messages)
