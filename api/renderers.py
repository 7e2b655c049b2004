"""The API's JSON renderer: ninja's answers, written by orjson.

ninja's own JSONRenderer (the standard library's json with NinjaJSONEncoder) cost a list page of twenty agreements
about 0.4 ms of its ~4 ms, most of it in the encoder's `default` for each datetime. orjson writes the same JSON at a
tenth of that. What JSON has no type for is still written by NinjaJSONEncoder's rules, so the values are the same:
datetimes, dates and times are passed to its `default` (Django's format: milliseconds, `Z` for UTC, where orjson
would write microseconds and `+00:00`), as are Decimal, lazy translations and pydantic models. The text differs only
where JSON says it means the same: no spaces after separators, and Chinese written as UTF-8 rather than `\\uXXXX`.

What orjson refuses and the standard library writes (an integer beyond 64 bits, a lone surrogate in a string) is
rendered by ninja's renderer, as before. Webhooks sign their bodies and write them by their own path
(webhooks.services), not through this renderer."""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

_NINJA_DEFAULT = NinjaJSONEncoder().default


def _default(value: Any) -> Any:
    """NinjaJSONEncoder.default; a datetime (sixty on a list page) formatted here first, as Django does it: to the
    millisecond, truncated, and UTC as `Z`."""
    if value.__class__ is datetime.datetime:
        text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _NINJA_DEFAULT(value)


# OPT_NON_STR_KEYS: integer keys written as strings, as json.dumps does (a dict[int, ...] in an answer).
# OPT_PASSTHROUGH_DATETIME / _DATACLASS: to NinjaJSONEncoder.default, which formats the one and refuses the other.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class AnswerRenderer(JSONRenderer):
    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        try:
            return orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            # What orjson cannot write (see the module's note), or what neither can: then json raises as it did.
            return super().render(request, data, response_status=response_status)
