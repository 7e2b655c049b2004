"""The v1 JSON API: one NinjaAPI, token auth, and errors in SPEC §6's shape."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer

from api.renderers import AnswerRenderer
from api.schemas import describe_errors
from core.errors import DomainError
from core.inputs import first_unstorable
from core.models import User
from core.services.accounts import token_authenticate
from core.services.mfa import refuse_token_without_second_factor

# Calls a user who still has the initial password may make.
PASSWORD_CHANGE_EXEMPT = ("/api/v1/auth/password", "/api/v1/auth/token", "/api/v1/me")


class PasswordChangeRequired(DomainError):
    status = 403
    code = "password_change_required"


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]  # for log-out and password change
        refuse_token_without_second_factor(user, token_passed=api_token.second_factor)
        if user.must_change_password and request.path.rstrip("/") not in PASSWORD_CHANGE_EXEMPT:
            raise PasswordChangeRequired("请先修改初始密码", code="password_change_required")
        request.user = user
        return user


class UnstorableText(ValueError):
    """A JSON string holding NUL or a lone surrogate (`"\\ud800"`): neither database can store it."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field or "body"


class StorableJsonParser(Parser):
    """The one JSON parser of the API: whatever it returns both databases can store and UTF-8 can encode."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = json.loads(request.body)
        field = first_unstorable(data)
        if field is not None:
            raise UnstorableText(field)
        return data


# The operations' groups. A generated client names its modules after them (api/agreements/…), so the names are ASCII;
# what each holds is said in Chinese here, and every router's tag must be one of them (api/tests/test_openapi.py).
TAGS = {
    "auth": "账号：登录令牌、激活账号、修改密码、找回密码、当前用户",
    "codes": "代码表",
    "employer": "用人单位：签约信息、精确搜索学生、签约发送列表、导入拟签约名单",
    "agreements": "协议书：邀约、应约、审核、解约、纸质协议、导出和下载",
    "webhooks": "学校 · 数据推送（webhook）",
    "school": "学校：生源导入、单位资质审核、统计、激活码",
    "verify": "公开验证",
    "destinations": "毕业去向",
    "attachments": "附件",
    "province": "省级主管部门：所辖院校统计（只读）",
    "record": "我的档案：学生本人的全部协议、毕业去向及记录证明",
    "verifications": "核查：抽样、核查链接、答复与核查报告",
}


class WangqianAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        spec = super().get_openapi_schema(**kwargs)
        describe_errors(spec)
        spec["tags"] = [{"name": name, "description": description} for name, description in TAGS.items()]
        return spec

    def get_openapi_operation_id(self, operation: Any) -> str:
        """`agreements_accept`: the router's module and the view, ASCII, unique; a generated client's function."""
        module = operation.view_func.__module__.rsplit(".", 1)[-1]
        return f"{module}_{operation.view_func.__name__.rstrip('_')}"


api = WangqianAPI(
    # A generated client is named after the title (wangqian-api-client, package wangqian_api_client): ASCII.
    title="wangqian API",
    version="1",
    description=(
        "网签：就业协议书（三方协议）网上签约系统的 JSON API。登录后在请求头携带 `Authorization: Bearer <token>`。"
        "文件（协议书 PDF、导出的 xlsx、附件）按其媒体类型返回；"
        "请求头 `Accept: application/octet-stream` 时以该类型返回。"
    ),
    auth=BearerAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StorableJsonParser(),
    renderer=AnswerRenderer(),
)


def error(request: HttpRequest, status: int, detail: str, code: str, errors: dict | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, "errors": errors or {}}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error(request, exc.status, exc.detail, exc.code, exc.errors)


FIELD_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "greater_than_equal": "超出允许的范围",
    "less_than_equal": "超出允许的范围",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
}


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    if any(item.get("loc", ("",))[0] == "path" for item in exc.errors):
        # /agreements/abc names no object: the same answer as an id that does not exist.
        return error(request, 404, "对象不存在或无权访问", "not_found")
    errors: dict[str, str] = {}
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload", "form")]
        field = ".".join(loc) or "body"
        errors[field] = FIELD_MESSAGES.get(item.get("type", ""), "格式不正确")
    first_field, first_message = next(iter(errors.items()), ("body", "格式不正确"))
    detail = first_message if first_field == "body" else f"字段 {first_field}：{first_message}"
    return error(request, 400, f"请求参数有误：{detail}", "invalid", errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "未登录或登录已失效，请重新获取令牌", "not_authenticated")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "对象不存在或无权访问", "not_found")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, UnstorableText):
        field = exc.__cause__.field
        return error(
            request, 400, f"请求参数有误：字段 {field} 含有不允许的字符", "invalid", {field: "含有不允许的字符"}
        )
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error(request, 400, "请求体不是合法的 JSON", "invalid", {"body": "请求体不是合法的 JSON"})
    return error(request, exc.status_code, str(exc), "error")


from api.routers import (  # noqa: E402
    agreements,
    attachments,
    auth,
    codes,
    confirmations,
    destinations,
    employer,
    passkeys,
    province,
    record,
    school,
    staff,
    verifications,
    verify,
    webhooks,
)

api.add_router("", auth.router)
api.add_router("/codes", codes.router)
api.add_router("/employer", employer.router)
api.add_router("/agreements", agreements.router)
api.add_router("/school/webhooks", webhooks.router)
api.add_router("/school/staff", staff.router)
api.add_router("/auth/passkeys", passkeys.router)
api.add_router("/auth/confirmations", confirmations.router)
api.add_router("/school", school.router)
api.add_router("/verify", verify.router)
api.add_router("/destinations", destinations.router)
api.add_router("/attachments", attachments.router)
api.add_router("/province", province.router)
api.add_router("/me/record", record.router)
api.add_router("/verifications", verifications.router)
