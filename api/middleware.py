"""Every error under /api/v1 has SPEC §6's shape, including those answered before or beside the API's own
views: an unrouted path (404), a method the path lacks (405, answered by django-ninja itself) and a body Django
refuses to parse (400: a multipart body without a boundary, a NUL byte)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/v1/"

# status → (code, Chinese detail) for answers that did not come from an API view.
EDGE_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid", "请求有误：含有不允许的字符，或请求体无法解析"),
    401: ("not_authenticated", "未登录或登录已失效，请重新获取令牌"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "接口或对象不存在"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    413: ("too_large", "请求体过大"),
}


def error_response(status: int, detail: str, code: str, errors: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "code": code, "errors": errors or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        code, detail = EDGE_ERRORS.get(response.status_code, ("error", "请求未能完成"))
        shaped = error_response(response.status_code, detail, code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped
