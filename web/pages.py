"""The one way a portal renders a page: its chrome (what the portal's base.html shows on every page), the menu
entry that is active and the 我的位置 breadcrumb; and a dialog, which htmx shows in the page's modal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from web.request import AuthenticatedRequest

# (label, url) from the portal's home to this page; the last one, the page itself, has no url.
Crumbs = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Portal:
    # What the portal's base.html needs besides menu and crumbs (the employer, the to-do counts, the unread count).
    chrome: Callable[[AuthenticatedRequest], Mapping[str, Any]]
    # The page a dialog's fragment is shown in when it is opened without htmx (a plain link, no JavaScript).
    dialog_page: str = ""
    # The page that asks before a step that cannot be undone when the dialog could not (web.actions.Question).
    confirm_page: str = ""

    def page(
        self,
        request: AuthenticatedRequest,
        template: str,
        context: Mapping[str, Any],
        *,
        menu: str,
        crumbs: Crumbs = (),
        status: int = 200,
    ) -> HttpResponse:
        base = {**self.chrome(request), "menu": menu, "crumbs": list(crumbs)}
        return render(request, template, {**base, **context}, status=status)

    def dialog(
        self,
        request: AuthenticatedRequest,
        fragment: str,
        context: Mapping[str, Any],
        *,
        menu: str,
        crumbs: Crumbs = (),
        status: int = 200,
    ) -> HttpResponse:
        """Only the fragment for htmx (shown in the page's modal), the full dialog page otherwise."""
        if request.htmx:
            return render(request, fragment, context, status=status)
        assert self.dialog_page, "this portal has no dialog page"
        return self.page(
            request, self.dialog_page, {**context, "fragment": fragment}, menu=menu, crumbs=crumbs, status=status
        )

    def ask(self, request: AuthenticatedRequest, question: Any, *, menu: str, crumbs: Crumbs = ()) -> HttpResponse:
        """The confirmation of a step that cannot be undone (web.actions): it changes nothing, and its button posts
        what was posted to the same address, confirmed. For htmx, only the fragment (shown in the page's modal)."""
        from web.actions import resent_fields

        context = {"question": question, "fields": resent_fields(request), "action": request.get_full_path()}
        if request.htmx:
            return render(request, "includes/confirm_step.html", context)
        assert self.confirm_page, "this portal has no confirmation page"
        return self.page(request, self.confirm_page, context, menu=menu, crumbs=[*crumbs, (question.title, "")])
