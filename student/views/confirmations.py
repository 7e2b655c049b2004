"""本人确认 by passkey: the options the page's script asks for before the device signs (web.confirmations)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from core.inputs import parse_id
from core.services.confirmations import OWN_ACTS
from student.access import student_required
from web.actions import Refusal
from web.confirmations import passkey_options, send_code
from web.request import AuthenticatedRequest


@require_POST
@student_required
def confirmation_passkey_options(request: AuthenticatedRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    object_id = 0 if action in OWN_ACTS else parse_id(request.GET.get("object", ""))
    if object_id is None:
        return JsonResponse({"detail": "对象不存在或无权访问", "code": "not_found"}, status=404)
    return passkey_options(request, action, object_id)


@require_POST
@student_required
def confirmation_send_code(request: AuthenticatedRequest) -> HttpResponse:
    """The SMS way from a form's script (static/js/confirm.js): the code sent, the confirmation named."""
    object_id = parse_id(request.GET.get("object", "")) or 0
    sent = send_code(request, request.GET.get("action", ""), object_id)
    if isinstance(sent, Refusal):
        return JsonResponse({"detail": sent.detail, "code": sent.code}, status=sent.status)
    valid = f"{settings.CONFIRMATION_MINUTES}分钟内有效"
    return JsonResponse({"confirmation_id": sent.pk, "sms_phone": sent.sms_phone, "valid": valid})
