"""The answers of 账号管理 (/school/staff), passkeys (/auth/passkeys) and the two-step sign-in (/auth/token)."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field

from api.schemas import Answer, Named, omitted

SecondFactorMethod = Literal["passkey", "totp", "recovery"]


# --- WebAuthn options, as the WebAuthn Level 3 JSON form (PublicKeyCredential.parse…OptionsFromJSON) ------------


class WebAuthnRelyingParty(Answer):
    id: str = Field(description="依赖方标识：SITE_URL 的主机名")
    name: str


class WebAuthnUser(Answer):
    id: str = Field(description="用户句柄（base64url），不含用户名或学号")
    name: str
    displayName: str


class WebAuthnAlgorithm(Answer):
    type: Literal["public-key"]
    alg: int = Field(description="COSE 算法编号：-7 ES256，-8 EdDSA，-257 RS256")


class WebAuthnCredential(Answer):
    id: str = Field(description="凭据 id（base64url）")
    type: Literal["public-key"]
    transports: list[str] | None = omitted("登记时浏览器报告的传输方式（internal、hybrid、usb……）")


class WebAuthnSelection(Answer):
    residentKey: str
    requireResidentKey: bool
    userVerification: Literal["required"] = Field(description="始终要求用户验证（指纹、面容或锁屏密码）")


class PasskeyCreationOptions(Answer):
    """PublicKeyCredentialCreationOptionsJSON: for navigator.credentials.create()."""

    rp: WebAuthnRelyingParty
    user: WebAuthnUser
    challenge: str = Field(description="一次有效，5分钟内（SECOND_FACTOR_CHALLENGE_MINUTES）")
    pubKeyCredParams: list[WebAuthnAlgorithm]
    timeout: int = Field(description="毫秒")
    excludeCredentials: list[WebAuthnCredential]
    authenticatorSelection: WebAuthnSelection
    attestation: str


class PasskeyRequestOptions(Answer):
    """PublicKeyCredentialRequestOptionsJSON: for navigator.credentials.get()."""

    challenge: str = Field(description="一次有效，5分钟内（SECOND_FACTOR_CHALLENGE_MINUTES）")
    timeout: int = Field(description="毫秒")
    rpId: str
    allowCredentials: list[WebAuthnCredential]
    userVerification: Literal["required"]


class SecondFactorOut(Answer):
    """POST /auth/token's answer for an account that needs a second factor: no token yet."""

    kind: Literal["second_factor"] = Field(
        "second_factor", description="second_factor：密码正确，还须完成两步验证才发放令牌"
    )
    second_factor_required: Literal[True] = Field(description="始终为 true：还须完成两步验证才发放令牌")
    methods: list[SecondFactorMethod] = Field(
        description="可用的验证方式：passkey（通行密钥）、totp（验证器应用的6位验证码）、recovery（恢复码）"
    )
    challenge: str = Field(description="本次登录的验证标识（tfa_…），提交到 POST /auth/token/second-factor；一次有效")
    expires_at: datetime.datetime = Field(
        description="challenge 的有效期（SECOND_FACTOR_CHALLENGE_MINUTES，默认5分钟）"
    )
    passkey_options: PasskeyRequestOptions | None = Field(
        description=(
            "有通行密钥时：WebAuthn PublicKeyCredentialRequestOptionsJSON，交给 navigator.credentials.get()；"
            "否则为 null"
        )
    )


class StaffOut(Answer):
    id: int
    username: str
    display_name: str
    email: str
    role: Literal["college_admin", "school_admin"]
    role_label: str
    college: Named | None = Field(description="学院管理员所属院系；学校管理员为 null")
    active: bool = Field(description="false：已停用")
    state: Literal["active", "invited", "invitation_expired", "disabled"] = Field(
        description="active 正常；invited 待接受邀请；invitation_expired 邀请已过期；disabled 已停用"
    )
    state_label: str
    second_factor: bool = Field(description="是否已设置两步验证（通行密钥或验证器应用）")
    invitation_expires_at: datetime.datetime | None = Field(description="未使用的邀请链接的有效期；没有则为 null")


class InvitationOut(Answer):
    detail: str
    expires_at: datetime.datetime = Field(description="新邀请链接的有效期（STAFF_INVITATION_DAYS，默认3天）")


class PasskeyOut(Answer):
    id: int
    name: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    backed_up: bool = Field(description="是否为可同步（备份）的通行密钥")
    transports: list[str]
