"""What waits for a school-side admin: the school portal menu's badges, on every page of the portal.

Each badge is the count its own selector's list shows, and they cost the same at any size:

- A queue of at most TODO_COUNT_EXACT_LIMIT is counted on every page, exactly. A longer one's count is kept
  LIST_COUNT_CACHE_SECONDS for its viewer, as a long list's 当前共N条记录 is (core.selectors.paging): a reviewer
  with three waiting sees two after approving one; one with 9,000 waiting sees 9,000 for up to that long, and the
  page does not count 9,000 index entries each time (at 1M agreements the school's review queues and its 400 pending
  registrations were 2.3 of the menu's 2.5 ms in PostgreSQL). Unread 消息 are always counted: they are the viewer's
  own (few, on their own index), and the 消息 page offers 全部标为已读 by that count, which must drop at once.
- What is left to count is one query of scalar subqueries (as `count_each`), its statement compiled once per process
  for the viewer's scope: building and compiling the five selectors' querysets cost 2 ms of CPU per page, more than
  counting them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Func, IntegerField, QuerySet

from core.models import Agreement, Employer, Role, User
from core.selectors.agreements import review_queues
from core.selectors.destinations import destination_queue
from core.selectors.employers import employers_by_verification
from core.selectors.notifications import destination_unread


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


# What `admin_queues` reads of its user: the statements are kept under these (and the database's vendor).
Scope = tuple[int, str, int | None, int | None, str]
# Per queue: its COUNT(*) subquery and parameters, or None for a queue empty by its filters (`none()`).
Compiled = dict[str, tuple[str, tuple[Any, ...]] | None]

# Queues counted on every page whatever their length (see above).
ALWAYS_COUNTED = frozenset({"messages"})

_COMPILED: dict[Scope, Compiled] = {}
_COMPILED_MAX = 4096  # scopes kept per process (a province's admins); past it, all are compiled again


def _compiled(user: User, alias: str) -> Compiled:
    vendor = connections[alias].vendor
    scope: Scope = (user.pk, user.role, user.school_id, user.college_id, vendor)
    found = _COMPILED.get(scope)
    if found is not None:
        return found
    found = {}
    for name, qs in admin_queues(user).items():
        counted = qs.order_by().annotate(_n=Func(template="COUNT(*)", output_field=IntegerField())).values("_n")
        try:
            sql, params = counted.query.get_compiler(using=alias).as_sql()
        except EmptyResultSet:
            found[name] = None
        else:
            found[name] = (f"({sql})", tuple(params))
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[scope] = found
    return found


def admin_todo_counts(user: User) -> dict[str, int]:
    """The menu's counts (see the module's rule for queues longer than TODO_COUNT_EXACT_LIMIT), in at most one
    query."""
    alias = router.db_for_read(Agreement)
    compiled = _compiled(user, alias)
    # Kept per viewer and scope: an admin moved to another college sees that college's queues at once.
    viewer = f"{user.pk}:{user.role}:{user.school_id}:{user.college_id}"
    keys = {name: f"todo-count:{viewer}:{name}" for name in compiled if name not in ALWAYS_COUNTED}
    kept: dict[str, int] = cache.get_many(list(keys.values()))
    counts = {name: 0 for name, part in compiled.items() if part is None}
    counts.update((name, kept[key]) for name, key in keys.items() if key in kept)
    asked = {name: part for name, part in compiled.items() if part is not None and name not in counts}
    if asked:
        sql = "SELECT " + ", ".join(subquery for subquery, _ in asked.values())
        params = [param for _, part_params in asked.values() for param in part_params]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        fresh = dict(zip(asked, (int(n) for n in row), strict=True))
        counts.update(fresh)
        long = {keys[name]: n for name, n in fresh.items() if name in keys and n > settings.TODO_COUNT_EXACT_LIMIT}
        if long:
            cache.set_many(long, settings.LIST_COUNT_CACHE_SECONDS)
    return {name: counts[name] for name in compiled}
