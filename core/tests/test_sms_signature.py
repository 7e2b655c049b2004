"""Every short message goes out led by the deployment's 短信签名 (SMS_SIGNATURE): the 本人确认 and registration codes
had none, while invitations carried a hard-coded one; providers refuse unsigned template messages."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core import sms
from core.services.confirmations import confirmation_start
from core.services.sms_codes import PURPOSE_EMPLOYER_REGISTER, sms_code_send
from testsupport import World

pytestmark = pytest.mark.django_db

LOCMEM = "core.sms.backends.locmem.SmsBackend"


@override_settings(SMS_BACKEND=LOCMEM, SMS_SIGNATURE="【辽宁大学就业】")
def test_each_kind_of_message_starts_with_the_configured_signature_once(world: World) -> None:
    sms.outbox.clear()
    agreement = world.reach("invited")  # the invitation's SMS
    assert world.student.user is not None
    confirmation_start(world.student.user, "accept", agreement.pk, method="sms")  # a 本人确认 code
    sms_code_send("13900001111", purpose=PURPOSE_EMPLOYER_REGISTER, address="203.0.113.9")  # registration code
    texts = [m.text for m in sms.outbox]
    assert len(texts) >= 2
    for text in texts:
        assert text.startswith("【辽宁大学就业】") and text.count("【") == 1, text


@override_settings(SMS_BACKEND=LOCMEM)
def test_the_default_signature_is_the_platforms() -> None:
    sms.outbox.clear()
    sms.send_sms("13900001111", "验证码123456")
    sms.send_sms("13900001111", "【就业协议书网签】已签名的短信")
    assert [m.text for m in sms.outbox] == ["【就业协议书网签】验证码123456", "【就业协议书网签】已签名的短信"]
