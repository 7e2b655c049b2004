"""导出 at scale: rows read as values in a constant number of queries, and a large list written by a job whose page
shows progress and the download, for its owner only."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_id_number
from core.models import Job
from core.selectors import agreements_visible_to
from core.services.export_jobs import export_job_run
from core.services.exports import EMPLOYER_HEADERS, agreement_export_rows
from testsupport import LoginAs, World, make_student

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_export_rows_take_the_same_queries_for_two_rows_or_twelve(world: World) -> None:
    world.reach("termination_requested")
    world.reach("invited", student=world.other_student)
    with CaptureQueriesContext(connection) as few:
        assert len(list(agreement_export_rows(agreements_visible_to(world.school_admin), world.school_admin))) == 2
    for n in range(10):
        world.reach("termination_requested" if n % 2 else "effective", student=make_student(world.college))
    with CaptureQueriesContext(connection) as many:
        rows = list(agreement_export_rows(agreements_visible_to(world.school_admin), world.school_admin))
    assert len(rows) == 12 and len(many) == len(few)
    # 审核状态 of a 解约 waiting for the other party is the one before the request, as the list shows it.
    assert {row[10] for row in rows if row[9] == "待解约"} == {"签约审核通过"}


def test_a_large_employer_export_is_a_job_for_its_owner_only(
    world: World, client: Client, login_as: LoginAs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS = 1
    world.reach("effective")
    world.reach("invited", student=world.other_student)
    login_as(world.employer)
    small = client.get(reverse("employer:agreement_export"), {"tab": "pending"})
    assert small.status_code == 200 and not Job.objects.exists()  # one row: written at once
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("employer:agreement_export"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("employer:export_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page and reverse("web:export_download", args=[job.pk]) in page
    download = client.get(reverse("web:export_download", args=[job.pk]))
    rows = _rows(download.getvalue())
    assert rows[0] == EMPLOYER_HEADERS and len(rows) == 3
    assert {row[2] for row in rows[1:]} == {mask_id_number(s.id_number) for s in (world.student, world.other_student)}
    login_as(world.other_employer)
    assert client.get(reverse("web:export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("employer:export_job", args=[job.pk])).status_code == 404


def test_a_queued_job_shows_progress_and_polls(
    world: World, client: Client, login_as: LoginAs, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS = 0
    world.reach("effective")
    login_as(world.school_admin)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(reverse("school:agreements_export"))
    job = Job.objects.get()
    panel = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'data-state="queued"' in panel and 'hx-trigger="load delay:1s"' in panel and "<html" not in panel
    assert client.get(reverse("web:export_download", args=[job.pk])).status_code == 404  # not done yet
    export_job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 1, 1)
    assert 'data-state="done"' in client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()


def test_a_job_whose_worker_died_is_taken_again_then_stalled_ones_fail_and_old_ones_go(
    world: World, settings: Any
) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from core.services.export_jobs import export_job_start

    world.reach("effective")
    job = export_job_start(agreements_visible_to(world.employer), title="导出", acting_user=world.employer)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    # A worker took it and died: running, silent for longer than the task lease.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, done=500, updated_at=long_ago)
    export_job_run(job.pk)  # the queue hands the task out again
    job.refresh_from_db()
    assert (job.state, job.done) == (Job.State.DONE, 1) and job.file
    export_job_run(job.pk)  # a duplicate delivery of a finished job does nothing
    assert Job.objects.get(pk=job.pk).finished_at == job.finished_at
    # One nobody took up for half an hour is failed with a message; one older than a day is deleted, its file too.
    stalled = export_job_start(agreements_visible_to(world.employer), title="导出", acting_user=world.employer)
    Job.objects.filter(pk=stalled.pk).update(updated_at=long_ago)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    name = job.file.name
    call_command("expire_jobs")
    assert not Job.objects.filter(pk=job.pk).exists() and not default_storage.exists(name)
    stalled.refresh_from_db()
    assert stalled.state == Job.State.FAILED and "导出中断" in stalled.detail


def test_an_account_has_at_most_the_setting_s_export_jobs_running_at_once(
    world: World, client: Client, login_as: LoginAs, settings: Any
) -> None:
    """Issue 19 item 7(b): 20 export jobs at once from one account were accepted; the limit is a setting."""
    settings.WANGQIAN_EXPORT_SYNC_MAX_ROWS = 0
    settings.WANGQIAN_EXPORT_MAX_RUNNING_PER_USER = 2
    world.reach("effective")
    login_as(world.employer)
    for _ in range(2):  # queued (tests run no worker until the callbacks are executed)
        assert client.get(reverse("employer:agreement_export"), {"tab": "signed"}).status_code == 302
    refused = client.get(reverse("employer:agreement_export"), {"tab": "signed"}, follow=True)
    assert Job.objects.filter(owner=world.employer).count() == 2
    assert refused.redirect_chain[0][0] == reverse("employer:agreements") + "?tab=signed"
    assert "你已有2个导出任务正在进行，每个账号最多同时进行2个" in refused.content.decode()
    # Another account is not held by them; the school's 就业方案 job counts against its admin alike.
    login_as(world.school_admin)
    assert client.get(reverse("school:agreements_export")).status_code == 302
    assert client.get(reverse("school:plan_export"), {"year": "2027"}).status_code == 302
    refused = client.get(reverse("school:plan_export"), {"year": "2027"}, follow=True)
    assert refused.redirect_chain[0][0] == reverse("school:plan") + "?year=2027"
    assert "每个账号最多同时进行2个" in refused.content.decode()
    # A finished job no longer counts.
    Job.objects.filter(owner=world.employer).update(state=Job.State.DONE)
    login_as(world.employer)
    assert client.get(reverse("employer:agreement_export")).status_code == 302
    assert Job.objects.filter(owner=world.employer).count() == 3


def test_one_expiry_command_for_every_kind_of_job(world: World) -> None:
    """Issue 18 "one job model": `expire_jobs` is the one expiry; the roster import is a Job like the others (its
    own command and scheduler entry are gone; school/tests/test_roster_jobs_die.py expires its jobs through it)."""
    import io as _io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from ops.scheduler import JOBS

    out = _io.StringIO()
    call_command("expire_jobs", stdout=out)
    assert out.getvalue().strip() == "failed: 0, deleted: 0"
    assert "expire_jobs" in {job.command for job in JOBS}
    assert not {"expire_exports", "expire_roster_jobs"} & {job.command for job in JOBS}
    for gone in ("expire_exports", "expire_roster_jobs"):
        with pytest.raises(CommandError):
            call_command(gone)
