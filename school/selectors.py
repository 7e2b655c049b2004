"""Reads of roster import jobs, scoped to the admin's school. They live beside their model: the core does not
import the portals."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from core.models import User
from school.models import RosterImportJob


def roster_jobs_of(user: User) -> QuerySet[RosterImportJob]:
    if user.school_id is None:
        return RosterImportJob.objects.none()
    return RosterImportJob.objects.filter(school_id=user.school_id).select_related("created_by")


def get_roster_job_for_user(user: User, job_id: int) -> RosterImportJob:
    job = roster_jobs_of(user).select_related("school").filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job
