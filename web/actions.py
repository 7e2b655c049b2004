"""The one way a page calls a service (STYLE: "the edge turns domain errors into a message or an HTTP status").

`attempt(service, ...)` calls it and hands back either its result or a `Refusal`: what the page shows (the
sentence, each field's message, the status it answers with). `act(request, agreement, action, ...)` does the same
for a workflow action through core's action → service map (`core.services.actions`). `settle(...)` is the common
end of a button: the success or the refusal as the page's message, then the next page.

An object that is not the user's (NotFound) or a role that may never act (Forbidden) is no message on the page:
it goes on to the role guard (`web.access`), which answers 404 or 403 as for any other view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from core.errors import DomainError, Forbidden, NotFound
from core.models import Agreement
from core.rules import Action
from core.services.actions import agreement_act
from web.request import AuthenticatedRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """A service's refusal as a page shows it."""

    detail: str  # the sentence: the page's message, or the banner above a form
    errors: dict[str, Any] = field(
        default_factory=dict
    )  # each field's (or file row's) message, when input was at fault
    status: int = 400  # what the page answers with: 400 bad input, 409 the object's state does not allow it
    code: str = "invalid"

    @classmethod
    def of(cls, error: DomainError) -> Refusal:
        return cls(error.detail, dict(error.errors), error.status, error.code)

    @property
    def conflict(self) -> bool:
        """The state refused it (nothing the person typed can fix it)."""
        return self.status == 409

    def field_errors(self, where: str = "form") -> dict[str, Any]:
        """Each field's message, or the sentence under `where` (the form's banner) when no field was at fault."""
        return dict(self.errors) or {where: self.detail}


def attempt(service: Callable[..., T], /, *args: Any, **kwargs: Any) -> T | Refusal:
    """`service(*args, **kwargs)`, or its refusal."""
    try:
        return service(*args, **kwargs)
    except (NotFound, Forbidden):
        raise  # 404 / 403 by the role guard, never a message
    except DomainError as error:
        return Refusal.of(error)


def act(
    request: AuthenticatedRequest, agreement: Agreement | int, action: Action, **inputs: Any
) -> Agreement | Refusal:
    """Carry out a workflow action as the request's user (`core.services.actions.agreement_act`), or its refusal."""
    return attempt(agreement_act, agreement, action, acting_user=request.user, **inputs)


def settle(request: AuthenticatedRequest, outcome: object, *, done: str, then: str) -> HttpResponse:
    """The end of a button: `done` (or the refusal) as the next page's message, then that page (`then`)."""
    if isinstance(outcome, Refusal):
        messages.error(request, outcome.detail)
    else:
        messages.success(request, done)
    return redirect(then)


# --- steps that cannot be undone ask once ------------------------------------------------------------------
#
# A step that cannot be undone, or that undoes another party's answer, runs only on a POST that carries
# `confirmed=1`. The page's button asks first in a dialog (static/js/wangqian.js: a form or button with
# `data-confirm`) and sends it; without JavaScript, the POST without it answers with a confirmation page
# (`Portal.ask`) that changes nothing and re-posts what was sent, confirmed. A form that is itself the question
# (a dialog that says what will happen, the student's 同意 page) carries `confirmed=1` from the start.

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Question:
    """What a confirmation asks: the title, the question, what the step will do, the button, where 取消 leads."""

    title: str
    text: str
    consequence: str
    button: str
    cancel: str
    danger: bool = False


def confirmed(request: AuthenticatedRequest) -> bool:
    return request.POST.get(CONFIRMED) == "1"


def resent_fields(request: AuthenticatedRequest) -> list[tuple[str, str]]:
    """What the unconfirmed POST carried, to be sent again from the confirmation page (the CSRF token is the page's
    own; `confirmed` is added by the page)."""
    return [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRMED)
        for value in request.POST.getlist(name)
    ]
