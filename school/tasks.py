"""Background tasks of the school portal. They take ids and stay thin: the work is in school.roster_jobs."""

from __future__ import annotations

from django_tasks import task

from school import roster_jobs


@task()
def roster_validate_task(job_id: int) -> None:
    roster_jobs.job_validate(job_id)


@task()
def roster_import_task(job_id: int) -> None:
    roster_jobs.job_run(job_id)
