"""Reads of a school's 生源导入 jobs (core.models.Job of kind roster), scoped to the admin's school: every school
admin of the school sees its imports, nobody else (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from core.models import Job, User


def roster_jobs_of(user: User) -> QuerySet[Job]:
    if user.school_id is None:
        return Job.objects.none()
    return Job.objects.filter(kind=Job.Kind.ROSTER, owner__school_id=user.school_id).select_related("owner")


def get_roster_job_for_user(user: User, job_id: int) -> Job:
    job = roster_jobs_of(user).select_related("owner__school").filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
