"""本人确认 on a page (issue 20): the graduate's proof for an act that binds them, then the act, in the act's own
form. `templates/includes/confirm_act.html` shows the two ways:

- 通行密钥: the form is marked `data-passkey="login"`; static/js/passkeys.js posts to the options URL
  (`passkey_options`, which starts the confirmation and names it in the `X-Confirmation-Id` header), lets the
  device sign, and submits the act's form with `credential` and `confirmation_id`.
- 短信验证码: a first POST with `send_code` sends the code to the roster phone (the page then shows the code field
  and carries `confirmation_id`); the act's POST carries the code.

The act's view calls `proven(request, action, object_id)` when its form is confirmed: the token for the act's
service, or the refusal to show. Nothing here decides what binds: core.services.confirmations does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, JsonResponse

from core.client_address import client_address
from core.errors import DomainError, NotFound
from core.inputs import parse_id
from core.models import Confirmation
from core.services.confirmations import (
    OWN_ACTS,
    ConfirmationRequired,
    confirmation_methods,
    confirmation_start,
    confirmation_verify,
    get_confirmation_for_user,
)
from web.actions import Refusal, attempt
from web.request import AuthenticatedRequest

SEND_CODE = "send_code"


def _version(request: AuthenticatedRequest) -> int | None:
    raw = request.POST.get("version") or request.GET.get("version") or ""
    try:
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    except ValueError:
        return None


def send_code(request: AuthenticatedRequest, action: str, object_id: int) -> Confirmation | Refusal:
    """The SMS way: start a confirmation and send its code."""
    outcome = attempt(
        confirmation_start,
        request.user,
        action,
        object_id,
        method=Confirmation.Method.SMS,
        version=_version(request),
        address=client_address(request),
    )
    return outcome if isinstance(outcome, Refusal) else outcome[0]


def passkey_options(request: AuthenticatedRequest, action: str, object_id: int) -> HttpResponse:
    """The passkey way's first call (from passkeys.js): WebAuthn request options, the confirmation in a header."""
    try:
        confirmation, options = confirmation_start(
            request.user,
            action,
            object_id,
            method=Confirmation.Method.PASSKEY,
            version=_version(request),
            address=client_address(request),
        )
    except DomainError as error:
        status = 404 if isinstance(error, NotFound) else error.status
        return JsonResponse({"detail": error.detail, "code": error.code}, status=status)
    response = JsonResponse(options)
    response["X-Confirmation-Id"] = str(confirmation.pk)
    return response


def proven(request: AuthenticatedRequest, action: str, object_id: int) -> str | Refusal:
    """The act's confirmed POST: verify the proof it carries (passkey answer or code) for its confirmation, and
    answer the token the act's service spends ("" when the POST carries none), or why not."""
    confirmation_id = parse_id(request.POST.get("confirmation_id", ""))
    credential = request.POST.get("credential", "")
    code = request.POST.get("code", "")
    if confirmation_id is None or not (credential or code):
        return ""  # no proof: the act's service refuses with what stops it first (its state, or 本人确认)
    try:
        confirmation = get_confirmation_for_user(request.user, confirmation_id)
    except NotFound:
        return Refusal.of(ConfirmationRequired("本人确认无效，请重新确认"))
    own = action in OWN_ACTS  # the graduate's own record: the act's service checks which one
    if confirmation.action != action or (confirmation.object_id != object_id and not own):
        return Refusal.of(ConfirmationRequired("本人确认不是为这项操作发起的，请重新确认"))
    outcome = attempt(
        confirmation_verify,
        confirmation.pk,
        acting_user=request.user,
        assertion=credential or None,
        code=code,
        address=client_address(request),
    )
    return outcome if isinstance(outcome, Refusal) else outcome[0]


def confirm_context(
    request: AuthenticatedRequest, action: str, object_id: int, version: int | None, *, sent: Confirmation | None
) -> dict[str, Any]:
    """What templates/includes/confirm_act.html needs: the ways open to this graduate, and the code just sent."""
    if sent is None and (pending := parse_id(request.POST.get("confirmation_id", ""))) is not None:
        sent = Confirmation.objects.filter(pk=pending, user=request.user, method=Confirmation.Method.SMS).first()
    methods = confirmation_methods(request.user)
    return {
        "confirm": {
            "action": action,
            "object_id": object_id,
            "version": version,
            "passkey": Confirmation.Method.PASSKEY in methods,
            "sms": Confirmation.Method.SMS in methods,
            "sent": sent,
        }
    }


# A refusal the 本人确认 section answers (shown beside it, the section open): no proof yet, a wrong or stale one.
PROOF_CODES = frozenset(
    {
        "confirmation_required",
        "wrong_code",
        "confirmation_expired",
        "challenge_expired",
        "unknown_passkey",
        "sms_failed",
        "too_many_attempts",
        "no_confirmation_method",
    }
)


def asks_proof(outcome: object) -> bool:
    return isinstance(outcome, Refusal) and (
        outcome.code in PROOF_CODES or bool({"code", "credential", "assertion"} & set(outcome.errors))
    )


@dataclass(frozen=True)
class Attempt:
    """A binding act's POST: the act's result or refusal (None when only a code was sent), and the code sent."""

    outcome: Any = None
    sent: Confirmation | None = None

    @property
    def asking(self) -> bool:
        """The page shows its 本人确认 section: a code was just sent, or the proof is missing or wrong."""
        return self.sent is not None or asks_proof(self.outcome)

    @property
    def refusal(self) -> Refusal | None:
        return self.outcome if isinstance(self.outcome, Refusal) else None


def attempt_confirmed(request: AuthenticatedRequest, action: str, object_id: int, act: Callable[[str], Any]) -> Attempt:
    """The POST of a page whose act binds the graduate: `send_code` sends the SMS code (nothing else happens);
    otherwise the proof it carries is verified and `act(token)` runs (with "" when it carries none, so the act's
    own checks speak first and 本人确认 last)."""
    if SEND_CODE in request.POST:
        started = send_code(request, action, object_id)
        return Attempt(started) if isinstance(started, Refusal) else Attempt(sent=started)
    token = proven(request, action, object_id)
    return Attempt(token if isinstance(token, Refusal) else act(token))
