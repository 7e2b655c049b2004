"""Roster import jobs that die (core.models.Job, kind roster, under the jobs' one liveness rule): a job whose worker
was killed is run again when the worker lease hands its task back, or, with no worker, failed after the stall
limit so that it no longer blocks the next import; one import per school at a time, for the API too; the uploaded
file (personal data) is deleted when its job ends, however it ends (issue 10 hole 7)."""

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

from core.models import Job, Student
from core.services import roster as roster_service
from core.services.jobs import job_finish, job_progress
from core.services.roster import ROSTER_HEADERS
from core.services.roster_jobs import roster_job_run
from school.tests.test_roster import CommittingClient, _row
from testsupport import ApiClient, LoginAs, World, xlsx_bytes

pytestmark = pytest.mark.django_db
State = Job.State


class Killed(BaseException):
    """A worker killed mid-job, seen from inside: nothing after this point runs, no handler records it."""


# Tasks are queued and no worker takes them up.
NO_WORKER = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def client() -> CommittingClient:
    # Jobs are queued after commit: each request commits, as outside the test's transaction.
    return CommittingClient()


def _stall(extra_seconds: int = 1) -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.WANGQIAN_JOB_STALL_MINUTES, seconds=extra_seconds)


def _lease(extra: int = 1) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS + extra)


def _upload(client: Client, *numbers: int) -> Job:
    buffer = xlsx_bytes(list(ROSTER_HEADERS), [_row(n) for n in numbers])
    buffer.name = "生源.xlsx"
    response = client.post(reverse("school:roster_import"), {"file": buffer})
    assert response.status_code == 302, response.content.decode()[:300]
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.state == State.READY, job.detail
    return job


def _start(client: Client, job: Job) -> str:
    response = client.post(reverse("school:roster_job_start", args=[job.pk]), follow=True)
    job.refresh_from_db()
    return response.content.decode()


def _kill_the_worker_while_it_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: Any, **kwargs: Any) -> Any:
        raise Killed()

    # Every backend writes the roster's rows through insert_rows (set-based on PostgreSQL).
    monkeypatch.setattr(roster_service, "insert_rows", killed)


def _stored_uploads() -> list[str]:
    found: list[str] = []
    folders = ["jobs"]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, files = default_storage.listdir(folder)
        folders += [f"{folder}/{name}" for name in subfolders]
        found += [f"{folder}/{name}" for name in files if name.startswith("roster")]
    return found


def test_a_killed_import_runs_again_when_the_lease_hands_its_task_back(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    students = Student.objects.count()
    dead = _upload(client, 1, 2)
    with monkeypatch.context() as patch:
        _kill_the_worker_while_it_writes(patch)
        _start(client, dead)
    assert dead.state == State.RUNNING  # stuck: its worker is gone
    assert Student.objects.count() == students  # one transaction: nothing written
    roster_job_run(dead.pk)  # a second delivery while the first worker may live: the job is taken, nothing runs
    dead.refresh_from_db()
    assert dead.state == State.RUNNING and Student.objects.count() == students
    with time_machine.travel(_lease()):
        roster_job_run(dead.pk)  # ops.workers put the task back: another worker takes the silent job up again
    dead.refresh_from_db()
    assert dead.state == State.DONE and dead.result["created"] == 2 and not dead.file
    assert Student.objects.count() == students + 2


def test_a_killed_import_no_worker_takes_up_fails_and_frees_the_school(
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
    assert dead.state == State.RUNNING  # stuck: its worker is gone
    assert Student.objects.count() == students  # one transaction: nothing written
    waiting = _upload(client, 3)
    assert "另一份生源文件正在导入" in _start(client, waiting)
    assert waiting.state == State.READY

    with time_machine.travel(_stall()):
        page = client.get(reverse("school:roster_job", args=[dead.pk])).content.decode()
        assert "没有进展，已中断，未导入任何数据" in page
        _start(client, waiting)
    assert waiting.state == State.DONE and waiting.result["created"] == 1
    dead.refresh_from_db()
    assert dead.state == State.FAILED
    minutes = settings.WANGQIAN_JOB_STALL_MINUTES
    assert dead.detail == (
        f"后台任务超过{minutes}分钟没有进展，已中断，未导入任何数据，请确认后台任务进程正在运行后重新上传文件"
    )
    assert not dead.file and not default_storage.exists(stored)


def test_a_job_that_still_reports_progress_is_not_expired(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    slow = _upload(client, 1)
    with monkeypatch.context() as patch:
        _kill_the_worker_while_it_writes(patch)
        _start(client, slow)
    with time_machine.travel(_stall(-10)):
        job_progress(slow, 0, 1)  # the worker is alive and says so
    waiting = _upload(client, 2)
    with time_machine.travel(_stall(10)):
        assert "另一份生源文件正在导入" in _start(client, waiting)
    slow.refresh_from_db()
    assert slow.state == State.RUNNING
    with time_machine.travel(_stall(-10) + _stall()):
        _start(client, waiting)
    assert waiting.state == State.DONE


def test_a_queued_import_is_not_taken_for_dead(world: World, client: Client, login_as: LoginAs) -> None:
    """No worker has taken it up yet (a busy queue): silence is not death until the stall limit."""
    login_as(world.school_admin)
    queued = _upload(client, 1)
    with override_settings(TASKS=NO_WORKER):
        _start(client, queued)
    assert queued.state == State.QUEUED
    with time_machine.travel(_lease()):
        call_command("expire_jobs", stdout=None)
    queued.refresh_from_db()
    assert queued.state == State.QUEUED
    with time_machine.travel(_stall()):
        call_command("expire_jobs", stdout=None)
    queued.refresh_from_db()
    minutes = settings.WANGQIAN_JOB_STALL_MINUTES
    assert queued.state == State.FAILED and f"超过{minutes}分钟没有进展" in queued.detail and not queued.file


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

    Job.objects.filter(pk=running.pk).update(state=State.RUNNING)
    job_finish(running, State.FAILED, detail="测试结束")
    response = api.post(
        "/school/roster/import", {"file": xlsx_bytes(list(ROSTER_HEADERS), [_row(5)])}, format="multipart"
    )
    assert response.status_code == 201, response.content
    recorded = Job.objects.filter(kind=Job.Kind.ROSTER, owner__school=world.school).latest("pk")
    assert recorded.state == State.DONE and recorded.result["created"] == 1 and not recorded.file


def test_the_file_goes_when_the_job_ends(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    before = set(_stored_uploads())  # the storage outlives a test: files of other tests' jobs left running
    done = _upload(client, 1)
    stored = done.file.name
    _start(client, done)
    assert done.state == State.DONE and not done.file and not default_storage.exists(stored)

    invalid_upload = xlsx_bytes(list(ROSTER_HEADERS), [_row(2, 手机号="123")])
    invalid_upload.name = "坏.xlsx"
    client.post(reverse("school:roster_import"), {"file": invalid_upload})
    invalid = Job.objects.latest("pk")
    assert invalid.state == State.INVALID and not invalid.file
    assert set(_stored_uploads()) <= before

    forgotten = _upload(client, 3)
    stored = forgotten.file.name
    with time_machine.travel(datetime.timedelta(hours=settings.WANGQIAN_ROSTER_PREVIEW_HOURS, minutes=1)):
        call_command("expire_jobs", stdout=None)
    forgotten.refresh_from_db()
    assert forgotten.state == State.FAILED and "未确认导入" in forgotten.detail
    assert not default_storage.exists(stored)
    # The school's 导入记录 stays after the jobs' keeping time; only files expire.
    with time_machine.travel(datetime.timedelta(hours=settings.WANGQIAN_JOB_KEEP_HOURS + 1)):
        call_command("expire_jobs", stdout=None)
    assert Job.objects.filter(pk__in=[done.pk, invalid.pk, forgotten.pk]).count() == 3


def test_one_schools_running_import_blocks_no_other_school(
    api: ApiClient, world: World, client: Client, login_as: LoginAs
) -> None:
    """One import per school, not per platform: the scope is the school."""
    login_as(world.school_admin)
    running = _upload(client, 1)
    with override_settings(TASKS=NO_WORKER):
        _start(client, running)
    assert running.state == State.QUEUED and running.scope == f"school:{world.school.pk}"
    api.login(world.other_school_admin)
    row = _row(7, 院系="法学院")
    response = api.post("/school/roster/import", {"file": xlsx_bytes(list(ROSTER_HEADERS), [row])}, format="multipart")
    assert response.status_code == 201, response.content
    api.login(world.school_admin)
    response = api.post("/school/roster/import", {"file": xlsx_bytes(list(ROSTER_HEADERS), [row])}, format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "import_running"
