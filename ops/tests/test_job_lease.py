"""A Job (core.models.Job) whose worker died is finished by another worker through the task lease (issue 18 "one job
model": one answer to "is it alive"), with real worker processes on PostgreSQL."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from core.models import Job, SendListItem
from core.services.jobs import job_create
from core.services.shortlist import SHORTLIST_HEADERS, employer_scope
from ops.tests.support import require_postgresql
from ops.tests.test_workers import job, start_worker, wait_until, workers  # noqa: F401  (workers: a fixture)
from testsupport import make_world, xlsx_bytes


@pytest.mark.django_db(transaction=True)
def test_a_shortlist_job_whose_worker_died_is_finished_through_the_lease(
    workers: list[subprocess.Popen[bytes]],  # noqa: F811
) -> None:
    require_postgresql()
    world = make_world()
    student = world.student
    upload = xlsx_bytes(list(SHORTLIST_HEADERS), [[student.graduation_year, student.name, student.id_number, ""]])
    assert world.employer.employer is not None
    shortlist = job_create(
        Job.Kind.SHORTLIST,
        owner=world.employer,
        scope=employer_scope(world.employer.employer),
        upload=ContentFile(upload.getvalue(), name="名单.xlsx"),
        filename="名单.xlsx",
        total=1,
        busy="busy",
    )
    # A worker claimed the task and the job, then died (kill -9): both left running, silent for a while.
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    Job.objects.filter(pk=shortlist.pk).update(state=Job.State.RUNNING, updated_at=long_ago)
    task = job(
        "core.services.shortlist.shortlist_job_task", shortlist.pk, status=TaskResultStatus.RUNNING, worker_ids=["dead"]
    )
    task.started_at = long_ago
    task.save()

    lease = {"TASK_LEASE_SECONDS": "3", "TASK_HEARTBEAT_SECONDS": "1", "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    start_worker(workers, "rescuer", **lease)
    wait_until(lambda: Job.objects.get(pk=shortlist.pk).state == Job.State.DONE, 90, "the rescued job")

    shortlist.refresh_from_db()
    task.refresh_from_db()
    assert shortlist.result == {"imported": 1} and not shortlist.file
    assert task.status == TaskResultStatus.SUCCESSFUL and task.worker_ids == ["dead", "rescuer"]
    assert SendListItem.objects.filter(employer=world.employer.employer, student=student).exists()
