"""Export jobs: a user sees only their own (another's answers 404, as a nonexistent one)."""

from __future__ import annotations

from core.errors import NotFound
from core.models import ExportJob, User


def export_job_of(user: User, pk: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk, owner=user).first()
    if job is None:
        raise NotFound()
    return job
