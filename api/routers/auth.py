from django.http import HttpRequest
from ninja import Router, Schema

from api.representations import me_data
from api.schemas import DetailOut, MeOut, TokenOut, responses
from core.models import ApiToken, User
from core.services.accounts import password_change, token_create, token_issue, token_revoke
from core.services.activation import account_activate
from core.services.password_reset import password_reset_confirm, password_reset_request

router = Router(tags=["账号"])

RESET_SENT = "如果该账号存在且登记了邮箱，重置密码的链接已发送到该邮箱，请在有效期内使用"


class TokenIn(Schema):
    username: str
    password: str


class PasswordIn(Schema):
    old_password: str
    new_password: str


class ActivateIn(Schema):
    username: str
    code: str
    new_password: str


class PasswordResetIn(Schema):
    username: str


class PasswordResetConfirmIn(Schema):
    uid: str
    token: str
    new_password: str


def _token_body(key: str, user: User) -> dict:
    return {"token": key, "role": user.role, "must_change_password": user.must_change_password}


@router.post("/auth/token", auth=None, response=responses(TokenOut, 400, 401, 429), summary="登录，获取令牌")
def token(request: HttpRequest, payload: TokenIn) -> dict:
    key, user = token_create(username=payload.username, password=payload.password, request=request)
    return _token_body(key, user)


@router.delete("/auth/token", response=responses(DetailOut, 401), summary="退出登录：吊销当前令牌")
def logout(request: HttpRequest) -> dict:
    current: ApiToken = request.api_token  # type: ignore[attr-defined]
    token_revoke(current)
    return {"detail": "已退出登录，令牌已失效"}


@router.post(
    "/auth/activate",
    auth=None,
    response=responses(TokenOut, 400, 429),
    summary="学生用学号和学校发放的激活码激活账号并设置密码（答复同 /auth/token）",
)
def activate(request: HttpRequest, payload: ActivateIn) -> dict:
    user = account_activate(
        username=payload.username, code=payload.code, new_password=payload.new_password, request=request
    )
    return _token_body(token_issue(user), user)


@router.post(
    "/auth/password-reset",
    auth=None,
    response=responses(DetailOut, 400, 429),
    summary="忘记密码：向账号登记的邮箱发送一次性重置链接（答复不透露账号是否存在）",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> dict:
    password_reset_request(username=payload.username, request=request)
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
