"""What waits for a school-side admin: the school portal menu's badges, on every page of the portal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.models import Employer, Role, User
from core.selectors.agreements import review_queues
from core.selectors.destinations import destination_queue
from core.selectors.employers import employers_by_verification
from core.selectors.notifications import destination_unread
from core.selectors.paging import count_each


def admin_todo_counts(user: User) -> dict[str, int]:
    """Signing (and, for the school, 解约) reviews, 毕业去向 to review, unread 消息 and, for the school, registrations
    waiting for 单位资质审核: each the count its own selector's list shows, all in one query."""
    queues: dict[str, QuerySet[Any]] = {
        **review_queues(user),
        "destinations": destination_queue(user),
        "messages": destination_unread(user),
    }
    if user.role == Role.SCHOOL_ADMIN:
        queues["employers"] = employers_by_verification(
            Employer.Verification.PENDING, verifier_school_id=user.school_id
        )
    return count_each(queues)
