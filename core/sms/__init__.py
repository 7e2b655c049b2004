"""Short messages (短信), beside e-mail: one interface, the provider chosen by `SMS_BACKEND` as Django chooses a
mail backend by `EMAIL_BACKEND`.

A backend is a class with `send_messages(messages) -> int` (how many went out). Shipped: `console` (prints them),
`file` (appends them to a file under `SMS_FILE_PATH`), `locmem` (keeps them in `core.sms.outbox`, for tests) and
`dummy` (drops them). A school plugs in its provider by writing a class like `backends.base.BaseSmsBackend` and
naming it in `SMS_BACKEND` (docs/DEPLOY.md). Unset, no short message is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from core.sms.backends.base import BaseSmsBackend

# Filled by the locmem backend, as django.core.mail.outbox is by Django's.
outbox: list[SmsMessage] = []


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


def sms_enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def get_connection(backend: str | None = None) -> BaseSmsBackend:
    path = backend or settings.SMS_BACKEND
    return import_string(path)()  # type: ignore[no-any-return]


def signed(text: str) -> str:
    """The text as it goes out: led by the deployment's SMS signature (短信签名, `SMS_SIGNATURE`), which mainland
    providers require on every message, added here once rather than by each sender."""
    signature = settings.SMS_SIGNATURE
    return text if not signature or text.startswith(signature) else f"{signature}{text}"


def send_sms(phone: str, text: str) -> int:
    """Send one short message, signed; 0 when no backend is configured or the phone is blank."""
    if not sms_enabled() or not phone:
        return 0
    return get_connection().send_messages([SmsMessage(phone=phone, text=signed(text))])
