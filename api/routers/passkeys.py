"""Passkeys (通行密钥, WebAuthn) of the signed-in user, any role (SPEC §6): register in two calls, list, rename,
delete. The ceremony's JSON is the WebAuthn Level 3 JSON form (base64url), as navigator.credentials.create() takes
it after PublicKeyCredential.parseCreationOptionsFromJSON() and as credential.toJSON() returns the answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api.account_schemas import PasskeyCreationOptions, PasskeyOut
from api.schemas import DetailOut, responses
from core.inputs import Id
from core.models import Passkey, User
from core.services.mfa import passkey_delete
from core.services.passkeys import passkey_register, passkey_registration_options, passkey_rename, passkeys_of

router = Router(tags=["auth"])


class PasskeyIn(Schema):
    credential: dict[str, Any] = Field(
        description="navigator.credentials.create() 的结果（RegistrationResponseJSON，即 credential.toJSON()）"
    )
    name: str = Field(default="", description="名称，如“办公室电脑”（50字以内；留空则自动命名）")


class PasskeyRenameIn(Schema):
    name: str


def _out(passkey: Passkey) -> PasskeyOut:
    return PasskeyOut(
        id=passkey.pk,
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
        backed_up=passkey.backed_up,
        transports=list(passkey.transports),
    )


@router.post(
    "/options",
    response=responses(PasskeyCreationOptions, 401, 403, 409),
    summary="添加通行密钥第一步：取得 WebAuthn 注册参数（PublicKeyCredentialCreationOptionsJSON，一次有效）",
)
def options(request: HttpRequest) -> PasskeyCreationOptions:
    user: User = request.auth  # type: ignore[attr-defined]
    return PasskeyCreationOptions.model_validate(passkey_registration_options(user))


@router.post(
    "",
    response=responses(PasskeyOut, 400, 401, 403, 409, status=201),
    summary="添加通行密钥第二步：提交浏览器生成的凭据（须经用户验证：指纹、面容或锁屏密码）",
)
def register(request: HttpRequest, payload: PasskeyIn) -> Status[PasskeyOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    return Status(201, _out(passkey_register(user, payload.credential, name=payload.name)))


@router.get("", response=responses(list[PasskeyOut], 401, 403), summary="本人的通行密钥")
def passkey_list(request: HttpRequest) -> list[PasskeyOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    return [_out(p) for p in passkeys_of(user)]


@router.patch("/{passkey_id}", response=responses(PasskeyOut, 400, 401, 403, 404), summary="修改通行密钥的名称")
def rename(request: HttpRequest, passkey_id: Id, payload: PasskeyRenameIn) -> PasskeyOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return _out(passkey_rename(passkey_id, payload.name, acting_user=user))


@router.delete(
    "/{passkey_id}",
    response=responses(DetailOut, 401, 403, 404, 409),
    summary="删除通行密钥（学校要求两步验证时，不能删除最后一种验证方式：409）",
)
def delete(request: HttpRequest, passkey_id: Id) -> DetailOut:
    user: User = request.auth  # type: ignore[attr-defined]
    passkey_delete(passkey_id, acting_user=user)
    return DetailOut(detail="通行密钥已删除")
