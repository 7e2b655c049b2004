"""Export jobs: a user sees only their own (another's answers 404, as a nonexistent one)."""

from __future__ import annotations

from core.errors import NotFound
from core.models import Job, User


def export_job_of(user: User, pk: int) -> Job:
    job = Job.objects.filter(pk=pk, owner=user, kind__in=Job.EXPORT_KINDS).first()
    if job is None:
        raise NotFound()
    return job
