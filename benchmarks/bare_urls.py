"""One JSON view that reads nothing: the throughput ceiling of Django on this server (see bare_settings.py)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bare/", bare)]
