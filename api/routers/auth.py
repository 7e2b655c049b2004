from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from api.account_schemas import PasskeyRequestOptions, SecondFactorOut
from api.representations import me_data
from api.schemas import DetailOut, MeOut, TokenOut, responses
from core.models import ApiToken, User
from core.services.accounts import credentials_check, password_change, token_issue, token_revoke
from core.services.activation import account_activate
from core.services.mfa import login_challenge_complete, login_challenge_create, methods_of, second_factor_required
from core.services.password_reset import password_reset_confirm, password_reset_request

router = Router(tags=["auth"])

RESET_SENT = "如果该账号存在且登记了邮箱，重置密码的链接已发送到该邮箱，请在有效期内使用"


class TokenIn(Schema):
    username: str = Field(description="用人单位、管理员的用户名；学生的学号（或“院校代码:学号”）")
    password: str
    school_code: str = Field(
        default="",
        description="学生所在学校的院校代码（如 10145）；学生也可把 username 写成“院校代码:学号”。"
        "不填时，只有一所学校有该学号才能登录，多所学校都有则答复 400（code: school_required）。用人单位、管理员不填",
    )


class SecondFactorIn(Schema):
    challenge: str = Field(description="POST /auth/token 答复中的 challenge")
    code: str = Field(default="", description="验证器应用显示的6位验证码，或一个恢复码")
    credential: dict[str, Any] | None = Field(
        default=None,
        description="用 passkey_options 调用 navigator.credentials.get() 的结果（AuthenticationResponseJSON）",
    )


class PasswordIn(Schema):
    old_password: str
    new_password: str


class ActivateIn(Schema):
    username: str = Field(description="学号（或“院校代码:学号”）")
    code: str
    new_password: str
    school_code: str = Field(
        default="",
        description="学生所在学校的院校代码（如 10145）；学生也可把 username 写成“院校代码:学号”。"
        "不填时，只有一所学校有该学号才能登录，多所学校都有则答复 400（code: school_required）。用人单位、管理员不填",
    )


class PasswordResetIn(Schema):
    username: str
    school_code: str = Field(
        default="",
        description="学生所在学校的院校代码（如 10145）；学生也可把 username 写成“院校代码:学号”。"
        "不填时，只有一所学校有该学号才能登录，多所学校都有则答复 400（code: school_required）。用人单位、管理员不填",
    )


class PasswordResetConfirmIn(Schema):
    uid: str
    token: str
    new_password: str


def _token_body(key: str, user: User) -> TokenOut:
    return TokenOut(kind="token", token=key, role=user.role, must_change_password=user.must_change_password)


@router.post(
    "/auth/token",
    auth=None,
    response=responses(Annotated[TokenOut | SecondFactorOut, Field(discriminator="kind")], 400, 401, 403, 429),
    summary="登录，获取令牌（须两步验证的管理员账号：先答复 challenge，再用 /auth/token/second-factor 换取令牌）",
    description=(
        "用户名和密码正确时：\n\n"
        "- 不须两步验证的账号，答复 `{kind: 'token', token, role, must_change_password}`；\n"
        "- 学校要求两步验证的学校、学院管理员（以及省级主管部门管理员），答复 "
        "`{kind: 'second_factor', second_factor_required: true, methods, challenge, expires_at, passkey_options}`，"
        "此时不发放令牌。"
        "客户端用 `methods` 中的一种方式完成验证：`totp`（验证器应用的6位验证码）或 `recovery`（恢复码，用后作废）"
        "提交 `{challenge, code}`；`passkey` 用 `passkey_options` 调用 `navigator.credentials.get()`，"
        "提交 `{challenge, credential}`。`challenge` 有效5分钟、只能成功使用一次，答错5次作废（须重新登录）；"
        "每次答错后验证器应用的等待时间加倍。\n"
        "- 须两步验证但尚未设置的账号答复 403（code: second_factor_enrollment_required）：请先在网页登录并按提示设置。"
    ),
)
def token(request: HttpRequest, payload: TokenIn) -> TokenOut | SecondFactorOut:
    user = credentials_check(
        username=payload.username, password=payload.password, school_code=payload.school_code, request=request
    )
    if second_factor_required(user):
        key, challenge, options = login_challenge_create(user)
        return SecondFactorOut(
            kind="second_factor",
            second_factor_required=True,
            methods=methods_of(user),  # type: ignore[arg-type]
            challenge=key,
            expires_at=challenge.expires_at,
            passkey_options=PasskeyRequestOptions.model_validate(options) if options else None,
        )
    return _token_body(token_issue(user), user)


@router.post(
    "/auth/token/second-factor",
    auth=None,
    response=responses(TokenOut, 400, 401),
    summary="两步验证：用 challenge 和验证码（或通行密钥的凭据）换取令牌",
    description=(
        "答错为 400（code: wrong_code，challenge 仍可再试，至多5次）；challenge 未知、已过期、已使用或已作废为 401"
        "（code: challenge_invalid），须重新用用户名和密码登录。"
    ),
)
def token_second_factor(request: HttpRequest, payload: SecondFactorIn) -> TokenOut:
    user = login_challenge_complete(payload.challenge, code=payload.code, credential=payload.credential)
    return _token_body(token_issue(user, second_factor=True), user)


@router.delete("/auth/token", response=responses(DetailOut, 401), summary="退出登录：吊销当前令牌")
def logout(request: HttpRequest) -> dict:
    current: ApiToken = request.api_token  # type: ignore[attr-defined]
    token_revoke(current)
    return {"detail": "已退出登录，令牌已失效"}


@router.post(
    "/auth/activate",
    auth=None,
    response=responses(TokenOut, 400, 429),
    summary="学生用学校、学号和学校发放的激活码激活账号并设置密码（答复同 /auth/token）",
)
def activate(request: HttpRequest, payload: ActivateIn) -> TokenOut:
    user = account_activate(
        username=payload.username,
        code=payload.code,
        new_password=payload.new_password,
        school_code=payload.school_code,
        request=request,
    )
    return _token_body(token_issue(user), user)


@router.post(
    "/auth/password-reset",
    auth=None,
    response=responses(DetailOut, 400, 429),
    summary="忘记密码：向账号登记的邮箱发送一次性重置链接（答复不透露账号是否存在）",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> dict:
    password_reset_request(username=payload.username, school_code=payload.school_code, request=request)
    return {"detail": RESET_SENT}


@router.post(
    "/auth/password-reset/confirm",
    auth=None,
    response=responses(DetailOut, 400, 429),
    summary="用重置链接中的 uid 和 token 设置新密码",
)
def password_reset_confirm_view(request: HttpRequest, payload: PasswordResetConfirmIn) -> dict:
    password_reset_confirm(uid=payload.uid, token=payload.token, new_password=payload.new_password, request=request)
    return {"detail": "密码已重置，请用新密码登录"}


@router.post(
    "/auth/password",
    response=responses(DetailOut, 400, 401, 429),
    summary="修改密码（当前令牌继续有效，本账号的其他令牌失效）",
)
def change_password(request: HttpRequest, payload: PasswordIn) -> dict:
    user: User = request.auth  # type: ignore[attr-defined]
    password_change(
        user,
        old_password=payload.old_password,
        new_password=payload.new_password,
        request=request,
        keep_token=request.api_token,  # type: ignore[attr-defined]
    )
    return {"detail": "密码已修改"}


@router.get("/me", response=responses(MeOut, 401), summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    return me_data(request.auth)  # type: ignore[attr-defined]
