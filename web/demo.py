"""Pages that exist only in the demo (`WANGQIAN_DEMO`): 演示短信, the short messages the demo would have sent.

`make run` writes SMS through the file backend (`SMS_FILE_PATH/sms.log`, one JSON line each); a newcomer trying the
demo without a phone reads their 验证码 here. The route is not even in the URL conf outside the demo, and the view
answers 404 there too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

SHOWN = 50
TAIL_BYTES = 256 * 1024  # the end of the file is enough for the newest messages, however long the demo has run


def _messages(phone: str) -> list[dict[str, Any]]:
    log = Path(settings.SMS_FILE_PATH or ".") / "sms.log"
    try:
        with open(log, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - TAIL_BYTES))
            lines = f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for line in reversed(lines):
        try:
            item = json.loads(line)
        except ValueError:
            continue  # the first line of the tail may be cut
        if not isinstance(item, dict) or (phone and item.get("phone") != phone):
            continue
        found.append({"time": str(item.get("time", ""))[:19].replace("T", " "), **item})
        if len(found) >= SHOWN:
            break
    return found


@require_GET
def demo_sms(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO:
        raise Http404()
    phone = "".join(ch for ch in request.GET.get("phone", "") if ch.isdigit())[:11]
    context = {
        "items": _messages(phone),
        "phone": phone,
        "file_backend": settings.SMS_BACKEND == "core.sms.backends.file.SmsBackend",
        "shown": SHOWN,
    }
    return render(request, "web/demo_sms.html", context)
