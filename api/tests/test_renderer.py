"""The API's answers are written by orjson (api.renderers) and must read back as ninja's own renderer's did: every
value JSON has no type for formatted by NinjaJSONEncoder's rules, and what orjson refuses still written."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
import zoneinfo
from typing import Any

import pytest
from django.db import models
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from pydantic import BaseModel

from api.renderers import AnswerRenderer
from core.rules import Action
from testsupport import ApiClient, World

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class _Level(models.IntegerChoices):
    LOW = 1, "低"


class _Part(BaseModel):
    name: str
    at: datetime.datetime


def _both(data: Any) -> tuple[Any, Any]:
    ours = AnswerRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    ninjas = JSONRenderer().render(None, data, response_status=200)  # type: ignore[arg-type]
    return json.loads(ours), json.loads(ninjas)


def test_values_json_has_no_type_for_read_back_as_ninjas_renderer_wrote_them() -> None:
    data = {
        "utc": datetime.datetime(2027, 5, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC),
        "utc_whole_second": datetime.datetime(2027, 5, 1, 8, 30, 15, tzinfo=datetime.UTC),
        "shanghai": datetime.datetime(2027, 5, 1, 16, 30, 15, 999, tzinfo=SHANGHAI),
        "truncated": datetime.datetime(2027, 12, 31, 23, 59, 59, 999999, tzinfo=zoneinfo.ZoneInfo("UTC")),
        "west": datetime.datetime(27, 5, 1, 1, 2, 3, 4000, tzinfo=datetime.timezone(-datetime.timedelta(hours=3.5))),
        "naive": datetime.datetime(2027, 5, 1, 16, 30),
        "naive_micro": datetime.datetime(2027, 5, 1, 16, 30, 0, 1),
        "date": datetime.date(2027, 5, 1),
        "time": datetime.time(9, 5, 1, 250000),
        "duration": datetime.timedelta(days=1, seconds=5),
        "decimal": decimal.Decimal("8000.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": gettext_lazy("协议书"),
        "model": _Part(name="王伟", at=datetime.datetime(2027, 5, 1, tzinfo=datetime.UTC)),
        "str_enum": Action.ACCEPT,
        "int_choice": _Level.LOW,
        "int_keys": {1: "一", 2: ["二", None, True, 2.5]},
        "text": '就业协议书 "引号" \\ 换行\n\t',
        "tuple": (1, "二"),
    }
    ours, ninjas = _both(data)
    assert ours == ninjas
    # The formats a client reads: milliseconds and Z, as Django writes them (not orjson's microseconds, +00:00).
    assert ours["utc"] == "2027-05-01T08:30:15.123Z" and ours["utc_whole_second"] == "2027-05-01T08:30:15Z"
    assert ours["shanghai"] == "2027-05-01T16:30:15.000+08:00" and ours["truncated"] == "2027-12-31T23:59:59.999Z"


@pytest.mark.parametrize("value", [2**70, "\ud800"], ids=["integer-beyond-64-bits", "lone-surrogate"])
def test_what_orjson_refuses_is_still_written(value: object) -> None:
    ours, ninjas = _both({"value": value})
    assert ours == ninjas == {"value": value}


def test_what_neither_can_write_is_refused_as_before() -> None:
    with pytest.raises(TypeError):
        AnswerRenderer().render(None, {"value": {1, 2}}, response_status=200)  # type: ignore[arg-type]


def test_an_answer_is_utf8_json(api: ApiClient, world: World) -> None:
    answer = api.login(world.employer).get("/me")
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert world.employer.name.encode() in answer.content  # written as UTF-8, not \\uXXXX
    assert json.loads(answer.content.decode("utf-8"))["name"] == world.employer.name
