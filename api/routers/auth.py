from django.http import HttpRequest
from ninja import Router, Schema

from api.representations import me_data
from api.schemas import DetailOut, MeOut, TokenOut, responses
from core.models import User
from core.services.accounts import password_change, token_create

router = Router(tags=["账号"])


class TokenIn(Schema):
    username: str
    password: str


class PasswordIn(Schema):
    old_password: str
    new_password: str


@router.post("/auth/token", auth=None, response=responses(TokenOut, 400, 401, 429), summary="登录，获取令牌")
def token(request: HttpRequest, payload: TokenIn) -> dict:
    key, user = token_create(username=payload.username, password=payload.password, request=request)
    return {"token": key, "role": user.role, "must_change_password": user.must_change_password}


@router.post("/auth/password", response=responses(DetailOut, 400, 401), summary="修改密码")
def change_password(request: HttpRequest, payload: PasswordIn) -> dict:
    user: User = request.auth  # type: ignore[attr-defined]
    password_change(user, old_password=payload.old_password, new_password=payload.new_password)
    return {"detail": "密码已修改"}


@router.get("/me", response=responses(MeOut, 401), summary="当前用户")
def me(request: HttpRequest) -> MeOut:
    return me_data(request.auth)  # type: ignore[attr-defined]
