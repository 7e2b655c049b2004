"""Background jobs: a user sees only their own (another's answers 404, as a nonexistent one)."""

from __future__ import annotations

from core.errors import NotFound
from core.models import Job, User


def job_of(user: User, pk: int, kind: str) -> Job:
    job = Job.objects.filter(pk=pk, owner=user, kind=kind).first()
    if job is None:
        raise NotFound()
    return job


def active_job(user: User, kind: str, scope: str) -> Job | None:
    """The job of `kind` queued or running in `scope` (one at most), if `user` may watch it: their own."""
    return Job.objects.filter(kind=kind, scope=scope, state__in=Job.ACTIVE_STATES, owner=user).first()
