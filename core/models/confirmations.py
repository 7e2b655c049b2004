"""本人确认 (issue 20): a graduate's own proof for one act that binds them, and the evidence it leaves.

A Confirmation is asked for one act (user, action, object, and the SHA-256 of the exact terms version shown), proven
once by a passkey assertion or a code sent to the roster phone, then spent by that act, which links it to the
流程追踪 event it recorded. Spent, it is the act's evidence: the method, the passkey's credential id and the signed
assertion (or the SMS delivery record: masked phone, time, what the provider reported; never the code), times and
client addresses. Evidence outlives the agreement, the event and the account (SET_NULL everywhere, with the
subject, object and description kept as text) until `manage.py purge_evidence` removes it after
EVIDENCE_RETENTION_YEARS.
"""

from __future__ import annotations

from django.db import models

from core.models.accounts import Passkey
from core.models.agreements import AgreementEvent
from core.models.destinations import DestinationEvent
from core.models.org import User
from core.models.verifications import VerificationAnswer


class Confirmation(models.Model):
    class Method(models.TextChoices):
        PASSKEY = "passkey", "通行密钥"
        SMS = "sms", "短信验证码"

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    subject = models.CharField("本人", max_length=100)  # name and account at the time, kept if the account goes
    action = models.CharField("操作", max_length=40)
    object_id = models.BigIntegerField("对象")
    binding = models.CharField(max_length=64)  # SHA-256 (hex) of the act's exact content: terms version shown
    version = models.PositiveIntegerField(null=True, blank=True)  # the terms version shown, when there is one
    description = models.CharField("确认内容", max_length=200)
    method = models.CharField("确认方式", max_length=10, choices=Method.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_address = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField()

    # SMS: the code's salted hash only while it can be used; the delivery record for good.
    code_hash = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sms_phone = models.CharField("短信发送号码", max_length=20, blank=True)  # masked
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_accepted = models.PositiveSmallIntegerField(default=0)  # messages the SMS provider accepted

    # Passkey: the credential and the assertion it signed (WebAuthn JSON, as the client sent it).
    passkey = models.ForeignKey(Passkey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    credential_id = models.BinaryField(max_length=1023, null=True, blank=True)
    assertion = models.JSONField(null=True, blank=True)

    verified_at = models.DateTimeField("确认时间", null=True, blank=True)
    verified_address = models.GenericIPAddressField("确认地址", null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    agreement_event = models.OneToOneField(
        AgreementEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )
    destination_event = models.OneToOneField(
        DestinationEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )
    verification_answer = models.OneToOneField(
        VerificationAnswer, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )

    # Not stored: how the user could confirm when confirmation_start made this one (the API answers it beside).
    methods: list[str]

    class Meta:
        verbose_name = verbose_name_plural = "本人确认"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="confirmation_user_time"),
            models.Index(fields=["action", "object_id"], name="confirmation_object"),
            models.Index(fields=["used_at"], name="confirmation_used"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}：{self.description}"
