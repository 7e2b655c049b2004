"""The request a portal view receives once the role guard (web.access.role_required) has let it through.

Annotating a view's `request` with AuthenticatedRequest types `request.user` as core's User (never anonymous),
so views read `request.user.employer`, `request.user.school` without a per-portal `current_user` helper.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from core.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails  # set by django_htmx's middleware on every request
