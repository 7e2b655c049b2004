"""Staff accounts and how they sign in: invitations, the 账号管理 log, passkeys and the challenges of a sign-in."""

from __future__ import annotations

from django.db import models

from core.models.org import Province, School, User


class StaffInvitation(models.Model):
    """A single-use link with which a new (or re-invited) admin sets their password and second factor.

    The link's token is an HMAC of the row keyed with SECRET_KEY (core.services.staff.invitation_token), so no
    secret is stored and the e-mail task, given the row's id, writes the same link. A new invitation revokes the
    account's earlier unused ones; accepting one ends every session, token and second factor the account had (the
    link starts its sign-in anew).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="invitation_user")]


class StaffChange(models.Model):
    """账号管理's record: who changed which staff account, when, and what (shown on the school's pages)."""

    class Action(models.TextChoices):
        CREATED = "created", "新增账号"
        INVITED = "invited", "发送邀请"
        ACCEPTED = "accepted", "接受邀请"
        DISABLED = "disabled", "停用"
        ENABLED = "enabled", "启用"
        SECOND_FACTOR_RESET = "second_factor_reset", "重置两步验证"

    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_changes")
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, null=True, blank=True, related_name="staff_changes"
    )
    target = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_changes")
    # None: the platform operator (manage.py school_add / province_add / staff_invite).
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField("操作", max_length=30, choices=Action.choices)
    detail = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "-created_at"], name="staff_change_school")]


class Passkey(models.Model):
    """A WebAuthn credential (通行密钥) of any user: registered on 账号安全, used as a second factor at sign-in and,
    later, for a graduate's 本人确认 (core.services.passkeys)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    name = models.CharField("名称", max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通行密钥"
        ordering = ["created_at", "id"]


class WebAuthnChallenge(models.Model):
    """A WebAuthn ceremony's challenge, kept server-side until answered once (any worker may receive the answer).

    `purpose` says what the ceremony is for (register, login, …) and `binding` what it is bound to (a sign-in, an
    act): an assertion made for one binding never verifies another."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    challenge = models.CharField(max_length=100, unique=True)  # base64url, as the client data carries it
    purpose = models.CharField(max_length=20)
    binding = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class LoginChallenge(models.Model):
    """The API's sign-in between the password and the second factor (POST /auth/token, then /auth/token/second-factor).

    Only the SHA-256 of its key is stored; it lives a few minutes, is used once, and allows a few wrong codes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)


class LoginFailure(models.Model):
    """One counted failure of the login throttle (core.throttle), kept for LOGIN_COOLOFF_MINUTES.

    `kind` keeps the budgets apart: a wrong password, a wrong activation code, a reset request (no failure, but it
    sends mail) and a wrong reset or invitation link never count against each other. `username` is the name typed
    (bounded; "" where none), `known_device` whether the request came from a device the account signed in on before.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "登录"
        ACTIVATION = "activation", "激活"
        RESET = "reset", "找回密码"
        LINK = "link", "链接"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    username = models.CharField(max_length=255, blank=True)
    address = models.GenericIPAddressField()
    known_device = models.BooleanField(default=False)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "kind", "at"], name="login_failure_account"),
            models.Index(fields=["address", "kind", "at"], name="login_failure_address"),
        ]


class LockLift(models.Model):
    """解除锁定: an admin ended the throttle's refusal of one account (its counted failures were cleared)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="lock_lifts")
    lifted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    failures = models.PositiveIntegerField("清除的失败次数", default=0)
    addresses = models.CharField("失败来自的地址", max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-at"], name="lock_lift_user")]


class KnownAddress(models.Model):
    """An address the account signed in from (core.throttle): there, guesses from elsewhere do not refuse it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    address = models.GenericIPAddressField()
    last_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "address"], name="known_address_unique")]


class SmsCode(models.Model):
    """A six-digit code sent by SMS to prove a phone (core.services.sms_codes): kept as an HMAC, never in the clear;
    valid `WANGQIAN_SMS_CODE_TTL_SECONDS`, used once, void after `WANGQIAN_SMS_CODE_MAX_ATTEMPTS` wrong tries. The rows
    are also the send throttle's memory (per phone, per client address)."""

    phone = models.CharField("手机号", max_length=11)
    purpose = models.CharField("用途", max_length=40)
    code_hash = models.CharField(max_length=64)
    address = models.GenericIPAddressField("请求地址", null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone", "created_at"], name="sms_code_phone"),
            models.Index(fields=["address", "created_at"], name="sms_code_address"),
        ]
