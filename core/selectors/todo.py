"""What waits for a school-side admin: the school portal menu's badges, on every page of the portal.

Each badge is the count its own selector's list shows, and they cost the same at any size:

- A queue of at most TODO_COUNT_EXACT_LIMIT is counted on every page, exactly. A longer one's count is kept
  LIST_COUNT_CACHE_SECONDS for its viewer, as a long list's 当前共N条记录 is (core.selectors.paging): a reviewer
  with three waiting sees two after approving one; one with 9,000 waiting sees 9,000 for up to that long, and the
  page does not count 9,000 index entries each time (at 1M agreements the school's review queues and its 400 pending
  registrations were 2.3 of the menu's 2.5 ms in PostgreSQL). Unread 消息 are always counted: they are the viewer's
  own (few, on their own index), and the 消息 page offers 全部标为已读 by that count, which must drop at once.
- What is left to count is one query of scalar subqueries, its statement compiled once per process for the viewer's
  scope (core.selectors.scoped_counts): building and compiling the five selectors' querysets cost 2 ms of CPU per
  page, more than counting them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.models import Agreement, Employer, Role, User
from core.selectors.agreements import review_queues
from core.selectors.destinations import destination_queue
from core.selectors.employers import employers_by_verification
from core.selectors.notifications import destination_unread
from core.selectors.scoped_counts import KeptCounts


def admin_queues(user: User) -> dict[str, QuerySet[Any]]:
    """Signing (and, for the school, 解约) reviews, 毕业去向 to review, unread 消息 and, for the school, registrations
    waiting for 单位资质审核: each its own selector's queryset."""
    queues: dict[str, QuerySet[Any]] = {
        **review_queues(user),
        "destinations": destination_queue(user),
        "messages": destination_unread(user),
    }
    if user.role == Role.SCHOOL_ADMIN:
        queues["employers"] = employers_by_verification(
            Employer.Verification.PENDING, verifier_school_id=user.school_id
        )
    return queues


# Queues counted on every page whatever their length (see above).
ALWAYS_COUNTED = frozenset({"messages"})
# Every queue `admin_queues` may have (a college admin's lack 解约 and 单位资质审核).
QUEUES = ("reviews", "terminations", "destinations", "messages", "employers")


def _scope(user: User) -> tuple[int, str, int | None, int | None]:
    # What admin_queues' SQL depends on: the viewer (their 消息), role, school and college.
    return user.pk, user.role, user.school_id, user.college_id


_TODO = KeptCounts(admin_queues, _scope, model=Agreement, names=QUEUES, always=ALWAYS_COUNTED, prefix="todo-count")


def admin_todo_counts(user: User) -> dict[str, int]:
    """The menu's counts (see the module's rule for queues longer than TODO_COUNT_EXACT_LIMIT), in at most one
    query."""
    return _TODO(user)
