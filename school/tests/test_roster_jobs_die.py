"""Roster import jobs that die: a job whose worker was killed is marked failed within the lease and no longer
blocks the next import; one import per school at a time, for the API too; the uploaded file (personal data)
is deleted when its job ends, however it ends (issue 10 hole 7)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from core.models import Student
from core.services import roster as roster_service
from core.services.roster import ROSTER_HEADERS
from core.testing import ApiClient, LoginAs, World, xlsx_bytes
from school import roster_jobs
from school.models import RosterImportJob
from school.tests.test_roster import CommittingClient, _row

pytestmark = pytest.mark.django_db
State = RosterImportJob.State


class Killed(BaseException):
    """A worker killed mid-job, seen from inside: nothing after this point runs, no handler records it."""


# Tasks are queued and no worker takes them up.
NO_WORKER = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def client() -> CommittingClient:
    # Jobs are queued after commit: each request commits, as outside the test's transaction.
    return CommittingClient()


def _lease(extra: int = 1) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WANGQIAN_ROSTER_JOB_LEASE_SECONDS + extra)


def _upload(client: Client, *numbers: int) -> RosterImportJob:
    buffer = xlsx_bytes(list(ROSTER_HEADERS), [_row(n) for n in numbers])
    buffer.name = "生源.xlsx"
    response = client.post(reverse("school:roster_import"), {"file": buffer})
    assert response.status_code == 302, response.content.decode()[:300]
    job = RosterImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.state == State.READY, job.detail
    return job


def _start(client: Client, job: RosterImportJob) -> str:
    response = client.post(reverse("school:roster_job_start", args=[job.pk]), follow=True)
    job.refresh_from_db()
    return response.content.decode()


def _kill_the_worker_while_it_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any, **kwargs: Any) -> Any:
        raise Killed()

    # Every backend writes the roster's rows through insert_rows (set-based on PostgreSQL).
    monkeypatch.setattr(roster_service, "insert_rows", killed)


def test_a_killed_import_fails_within_the_lease_and_frees_the_school(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    students = Student.objects.count()
    dead = _upload(client, 1, 2)
    stored = dead.file.name
    assert default_storage.exists(stored)
    with monkeypatch.context() as patch:
        _kill_the_worker_while_it_writes(patch)
        _start(client, dead)
    assert dead.state == State.IMPORTING  # stuck: its worker is gone
    assert Student.objects.count() == students  # one transaction: nothing written
    waiting = _upload(client, 3)
    assert "另一份生源文件正在导入" in _start(client, waiting)
    assert waiting.state == State.READY

    with time_machine.travel(_lease()):
        page = client.get(reverse("school:roster_job", args=[dead.pk])).content.decode()
        assert "后台任务意外中断" in page
        _start(client, waiting)
    assert waiting.state == State.DONE and waiting.result["created"] == 1
    dead.refresh_from_db()
    assert dead.state == State.FAILED
    assert dead.detail == (
        f"后台任务意外中断（超过{settings.WANGQIAN_ROSTER_JOB_LEASE_SECONDS}秒没有进展），未导入任何数据，请重新上传文件"
    )
    assert not dead.file and not default_storage.exists(stored)
    assert not default_storage.exists(roster_jobs._progress_name(dead.pk))


def test_a_job_that_still_beats_is_not_expired(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    slow = _upload(client, 1)
    with monkeypatch.context() as patch:
        _kill_the_worker_while_it_writes(patch)
        _start(client, slow)
    with time_machine.travel(_lease(-10)):
        roster_jobs._write_progress(slow.pk, 0, 1)  # the worker is alive and says so
    waiting = _upload(client, 2)
    with time_machine.travel(_lease(10)):
        assert "另一份生源文件正在导入" in _start(client, waiting)
    slow.refresh_from_db()
    assert slow.state == State.IMPORTING
    with time_machine.travel(_lease(-10) + _lease()):
        _start(client, waiting)
    assert waiting.state == State.DONE


def test_a_queued_import_is_not_taken_for_dead(world: World, client: Client, login_as: LoginAs) -> None:
    """No worker has taken it up yet (a busy queue): silence is not death until the queue limit."""
    login_as(world.school_admin)
    queued = _upload(client, 1)
    with override_settings(TASKS=NO_WORKER):
        _start(client, queued)
    assert queued.state == State.IMPORTING
    with time_machine.travel(_lease()):
        assert roster_jobs.jobs_expire_stale(world.school) == 0
    minutes = settings.WANGQIAN_ROSTER_JOB_QUEUE_MINUTES
    with time_machine.travel(datetime.timedelta(minutes=minutes, seconds=1)):
        assert roster_jobs.jobs_expire_stale(world.school) == 1
    queued.refresh_from_db()
    assert queued.state == State.FAILED and f"超过{minutes}分钟未开始" in queued.detail and not queued.file


def test_the_api_keeps_one_import_at_a_time(api: ApiClient, world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    running = _upload(client, 1)
    with override_settings(TASKS=NO_WORKER):
        _start(client, running)
    api.login(world.school_admin)
    students = Student.objects.count()
    upload = xlsx_bytes(list(ROSTER_HEADERS), [_row(5)])
    response = api.post("/school/roster/import", {"file": upload}, format="multipart")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "import_running"
    assert Student.objects.count() == students
    dry = api.post(
        "/school/roster/import?dry_run=true", {"file": xlsx_bytes(list(ROSTER_HEADERS), [_row(5)])}, format="multipart"
    )
    assert dry.status_code == 200  # a dry run writes nothing and is never blocked

    roster_jobs._finish(running, State.FAILED, detail="测试结束")
    response = api.post(
        "/school/roster/import", {"file": xlsx_bytes(list(ROSTER_HEADERS), [_row(5)])}, format="multipart"
    )
    assert response.status_code == 201, response.content
    recorded = RosterImportJob.objects.filter(school=world.school).latest("pk")
    assert recorded.state == State.DONE and recorded.result["created"] == 1 and not recorded.file


def test_the_file_goes_when_the_job_ends(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    done = _upload(client, 1)
    stored = done.file.name
    _start(client, done)
    assert done.state == State.DONE and not done.file and not default_storage.exists(stored)

    invalid_upload = xlsx_bytes(list(ROSTER_HEADERS), [_row(2, 手机号="123")])
    invalid_upload.name = "坏.xlsx"
    client.post(reverse("school:roster_import"), {"file": invalid_upload})
    invalid = RosterImportJob.objects.latest("pk")
    assert invalid.state == State.INVALID and not invalid.file
    assert not [name for name in default_storage.listdir("roster_imports")[1] if name.endswith(".xlsx")]

    forgotten = _upload(client, 3)
    stored = forgotten.file.name
    with time_machine.travel(datetime.timedelta(hours=settings.WANGQIAN_ROSTER_PREVIEW_HOURS, minutes=1)):
        call_command("expire_roster_jobs", stdout=None)
    forgotten.refresh_from_db()
    assert forgotten.state == State.FAILED and "未确认导入" in forgotten.detail
    assert not default_storage.exists(stored)
