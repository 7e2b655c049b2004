"""Appends each short message as one JSON line to `SMS_FILE_PATH/sms.log` (a demo or a staging host)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from core.sms import SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, path: str | Path | None = None) -> None:
        folder = path or settings.SMS_FILE_PATH
        if not folder:
            raise ImproperlyConfigured("SMS_FILE_PATH must name a folder for the file SMS backend")
        self.folder = Path(folder)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        lines = [
            json.dumps({"time": timezone.now().isoformat(), "phone": m.phone, "text": m.text}, ensure_ascii=False)
            for m in messages
        ]
        # One write in append mode: lines of several processes do not interleave.
        with open(self.folder / "sms.log", "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        return len(messages)
