"""核查's one-time link (issue 21 item 2): the record as the platform holds it, and 属实 / 不属实 with a remark. The
graduate's link asks them to sign in first (someone else's account sees no such link); a graduate with a passkey
answers under 本人确认 (the passkey, or the SMS code where they choose it: templates/includes/confirm_fields.html),
one without answers signed in. The employer's link is the HR's proof by itself. Answered, expired or unknown links
say so in Chinese, and change nothing."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import NotFound
from core.models import User
from core.models.verifications import VerificationRow
from core.services.confirmations import VERIFICATION_ANSWER
from core.services.verifications import answer_needs_confirmation, row_for_token, verification_answer
from web.actions import Refusal, attempt
from web.confirmations import attempt_confirmed, confirm_context
from web.request import AuthenticatedRequest

PAGE = "province/verification_answer.html"


def _context(row: VerificationRow, who: str) -> dict[str, Any]:
    answered = row.student_answer if who == "student" else row.employer_answer
    return {
        "row": row,
        "who": who,
        "shown": row.shown,
        "answered": dict(VerificationRow.Answer.choices).get(answered, ""),
        "closed": timezone.now() > row.campaign.deadline,
        "school": row.school,
    }


def _refused(context: dict[str, Any], refusal: Refusal, request: HttpRequest) -> dict[str, Any]:
    if refusal.conflict:
        return {**context, "conflict": refusal.detail}
    errors = dict(refusal.errors)
    if not {"answer", "remark"} & set(errors):  # the 本人确认 was refused (no proof, a wrong code): said above it
        errors["confirm"] = str(errors.get("code") or refusal.detail)
    return {**context, "errors": errors, "remark": request.POST.get("remark", ""), "chosen": request.POST.get("answer")}


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    try:
        row, who = row_for_token(token)
    except NotFound:
        return render(request, PAGE, {"invalid": True}, status=404)
    if who == "student":
        if user is None:
            return redirect_to_login(request.get_full_path())
        if row.student.user_id != user.pk:
            return render(request, PAGE, {"invalid": True}, status=404)
        return _graduate(cast(AuthenticatedRequest, request), token, row)
    context = _context(row, who)
    if request.method == "POST":
        outcome = attempt(
            verification_answer,
            token,
            answer=request.POST.get("answer", ""),
            remark=request.POST.get("remark", ""),
            acting_user=user if isinstance(user, User) else None,
        )
        if isinstance(outcome, Refusal):
            return render(request, PAGE, _refused(context, outcome, request), status=outcome.status)
        context = {**_context(outcome, who), "thanks": True}
    return render(request, PAGE, context)


def _graduate(request: AuthenticatedRequest, token: str, row: VerificationRow) -> HttpResponse:
    """The sampled graduate's page: with a passkey the form carries the 本人确认 (web.confirmations), else the
    signed-in answer alone."""
    needs = answer_needs_confirmation(request.user)
    context = _context(row, "student")
    sent = None
    if request.method == "POST":

        def act(proof: str) -> VerificationRow | Refusal:
            return attempt(
                verification_answer,
                token,
                answer=request.POST.get("answer", ""),
                remark=request.POST.get("remark", ""),
                acting_user=request.user,
                confirmation=proof or None,
            )

        if needs:
            tried = attempt_confirmed(request, VERIFICATION_ANSWER, row.pk, act)
            outcome, sent = tried.outcome, tried.sent
        else:
            outcome = act("")
        if isinstance(outcome, Refusal):
            context = _refused(context, outcome, request)
            if needs:
                context.update(confirm_context(request, VERIFICATION_ANSWER, row.pk, None, sent=sent))
            return render(request, PAGE, {**context, "act_label": "提交"}, status=outcome.status)
        if isinstance(outcome, VerificationRow):
            context = {**_context(outcome, "student"), "thanks": True}
        else:  # a code was sent: the form again, with what was chosen and typed
            context.update(remark=request.POST.get("remark", ""), chosen=request.POST.get("answer"))
    if needs and not context.get("thanks"):
        context.update(confirm_context(request, VERIFICATION_ANSWER, row.pk, None, sent=sent))
    return render(request, PAGE, {**context, "act_label": "提交"})
