from django.http import HttpRequest
from ninja import Router

from api.schemas import CodeRow, responses
from core import codes
from core.errors import NotFound

router = Router(tags=["codes"])


@router.get("/{table}", summary="代码表", response=responses(list[CodeRow], 401, 403, 404))
def code_table(request: HttpRequest, table: str, parent: str | None = None) -> list[dict[str, str]]:
    if table not in codes.TABLES:
        raise NotFound(f"没有名为 {table} 的代码表（可用：{'、'.join(codes.TABLES)}）")
    try:
        return codes.get_table(table, parent=parent if table == "region" else None)
    except KeyError:
        raise NotFound("上级行政区划代码不存在")
