"""本人确认 (issue 20, SPEC §6/§11): a graduate's proof for one act that binds them, in two calls, then the act
carries `{"confirmation": "cfm_…"}` in its body. Without one, such an act answers 403 `confirmation_required`."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api.account_schemas import PasskeyRequestOptions
from api.schemas import Answer, responses
from core.client_address import client_address
from core.inputs import Id
from core.models import User
from core.services.confirmations import confirmation_start, confirmation_verify

router = Router(tags=["auth"])

ConfirmAction = Literal[
    "accept",
    "termination",
    "termination/accept",
    "termination/decline",
    "paper",
    "resubmit",
    "destination_submit",
    "destination_confirm",
    "verification_answer",
]
Method = Literal["passkey", "sms"]


class ConfirmationStartIn(Schema):
    action: ConfirmAction = Field(
        description=(
            "要确认的操作，与操作接口同名：accept（同意邀约）、termination（申请解约）、termination/accept、"
            "termination/decline（答复单位的解约申请）、paper（纸质协议登记）、resubmit（纸质协议重新提交）、"
            "destination_submit（提交毕业去向）、destination_confirm（确认学校代为登记的毕业去向）、"
            "verification_answer（答复核查，有通行密钥时须本人确认）"
        )
    )
    object_id: Id | None = Field(
        default=None,
        description=(
            "协议书 id；verification_answer 为核查样本 id（GET /verifications/mine）；"
            "paper、destination_submit、destination_confirm 是本人的记录，不填"
        ),
    )
    method: Method | None = Field(
        default=None, description="passkey（通行密钥）或 sms（短信验证码）；不填时有通行密钥用通行密钥，否则发短信"
    )


class ConfirmationOut(Answer):
    id: int = Field(description="本次确认的 id，提交到 POST /auth/confirmations/{id}")
    methods: list[Method] = Field(description="该学生可用的确认方式")
    method: Method = Field(description="本次使用的方式；sms 时验证码已发送到学生名单中的手机号")
    description: str = Field(description="确认的内容，如“同意某单位的邀约（签约信息第2版）”，须展示给学生")
    sms_phone: str = Field(description="sms：验证码发送到的号码（已隐藏中间四位）；passkey 时为空")
    expires_at: datetime.datetime = Field(description="确认须在此前完成并用于操作（CONFIRMATION_MINUTES，默认5分钟）")
    passkey_options: PasskeyRequestOptions | None = Field(
        description=(
            "passkey：WebAuthn PublicKeyCredentialRequestOptionsJSON，交给 navigator.credentials.get()；sms 时为 null"
        )
    )


class ConfirmationProofIn(Schema):
    assertion: dict[str, Any] | None = Field(
        default=None, description="passkey：navigator.credentials.get() 的结果（AuthenticationResponseJSON）"
    )
    code: str = Field(default="", description="sms：短信中的6位验证码")


class ConfirmationTokenOut(Answer):
    confirmation: str = Field(description="本人确认凭证（cfm_…），放在操作请求体的 confirmation 字段；只能用一次")
    expires_at: datetime.datetime


@router.post(
    "",
    response=responses(ConfirmationOut, 400, 401, 403, 404, 409, 429, status=201),
    summary="本人确认第一步：为一项须本人确认的操作发起确认（通行密钥参数，或向名单手机号发送验证码）",
)
def start(request: HttpRequest, payload: ConfirmationStartIn) -> Status[ConfirmationOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    confirmation, options = confirmation_start(
        user, payload.action, payload.object_id or 0, method=payload.method or "", address=client_address(request)
    )
    return Status(
        201,
        ConfirmationOut(
            id=confirmation.pk,
            methods=confirmation.methods,  # type: ignore[arg-type]
            method=confirmation.method,  # type: ignore[arg-type]
            description=confirmation.description,
            sms_phone=confirmation.sms_phone,
            expires_at=confirmation.expires_at,
            passkey_options=PasskeyRequestOptions.model_validate(options) if options else None,
        ),
    )


@router.post(
    "/{confirmation_id}",
    response=responses(ConfirmationTokenOut, 400, 401, 403, 404, 409),
    summary="本人确认第二步：提交通行密钥的断言（assertion）或短信验证码（code），取得一次有效的确认凭证",
)
def verify(request: HttpRequest, confirmation_id: Id, payload: ConfirmationProofIn) -> ConfirmationTokenOut:
    user: User = request.auth  # type: ignore[attr-defined]
    token, expires_at = confirmation_verify(
        confirmation_id,
        acting_user=user,
        assertion=payload.assertion,
        code=payload.code,
        address=client_address(request),
    )
    return ConfirmationTokenOut(confirmation=token, expires_at=expires_at)
