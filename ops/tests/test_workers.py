"""Task workers on several hosts: each job runs exactly once, and a dead worker's job is taken again (lease)."""

from __future__ import annotations

import collections
import datetime
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from ops.models import WorkerHeartbeat
from ops.tests.support import MANAGE, ROOT, database_url, production_env, require_postgresql
from ops.workers import beat, reclaim_expired

JOBS = 1000


def job(task_path: str, *args: object, **fields: object) -> DBTaskResult:
    return DBTaskResult(
        task_path=task_path,
        args_kwargs={"args": list(args), "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=get_date_max(),
        exception_class_path="",
        traceback="",
        **fields,
    )


def running_job(worker_ids: list[str], started_ago: datetime.timedelta) -> DBTaskResult:
    row = job("ops.tests.tasks.record_run", 1, "/dev/null", status=TaskResultStatus.RUNNING, worker_ids=worker_ids)
    row.started_at = timezone.now() - started_ago
    row.save()
    return row


# --- the lease, in one process -------------------------------------------------------------------------------


@override_settings(TASK_LEASE_SECONDS=60, TASK_MAX_CLAIMS=3)
def test_reclaim_requeues_only_jobs_whose_worker_is_gone(db: None) -> None:
    beat("alive")
    of_live_worker = running_job(["alive"], datetime.timedelta(minutes=10))
    of_dead_worker = running_job(["dead"], datetime.timedelta(minutes=10))
    just_started = running_job(["unknown"], datetime.timedelta(seconds=5))

    assert reclaim_expired() == (1, 0)

    of_dead_worker.refresh_from_db()
    assert of_dead_worker.status == TaskResultStatus.READY and of_dead_worker.started_at is None
    assert DBTaskResult.objects.ready().filter(pk=of_dead_worker.pk).exists()
    for row in (of_live_worker, just_started):
        row.refresh_from_db()
        assert row.status == TaskResultStatus.RUNNING


@override_settings(TASK_LEASE_SECONDS=60, TASK_MAX_CLAIMS=3)
def test_a_job_that_kills_every_worker_fails_after_the_last_claim(db: None) -> None:
    WorkerHeartbeat.objects.create(
        worker_id="w3", hostname="h", pid=1, last_seen=timezone.now() - datetime.timedelta(hours=1)
    )
    row = running_job(["w1", "w2", "w3"], datetime.timedelta(minutes=5))

    assert reclaim_expired() == (0, 1)

    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "ops.workers.LeaseExpired"
    assert "w1, w2, w3" in row.traceback


# --- real worker processes on PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def start_worker(workers: list[subprocess.Popen[bytes]], worker_id: str, **env: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*MANAGE, "run_worker", "--interval", "0.2", "--worker-id", worker_id, "--verbosity", "0"],
        cwd=ROOT,
        env=production_env(DATABASE_URL=database_url(), **env),
    )
    workers.append(proc)
    return proc


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_two_workers_take_each_of_1000_jobs_exactly_once(
    tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    require_postgresql()
    log = tmp_path / "runs.log"
    DBTaskResult.objects.bulk_create(job("ops.tests.tasks.record_run", n, str(log)) for n in range(JOBS))
    first = start_worker(workers, "worker-a")
    second = start_worker(workers, "worker-b")

    wait_until(lambda: not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists(), 240, "the jobs")

    lines = [line.split() for line in log.read_text().splitlines()]
    runs = collections.Counter(int(number) for number, _ in lines)
    by_worker = collections.Counter(pid for _, pid in lines)
    duplicates = sum(1 for count in runs.values() if count > 1)
    print(
        f"\njobs {JOBS}, runs {len(lines)}, distinct {len(runs)}, duplicates {duplicates}, per worker {dict(by_worker)}"
    )
    assert len(lines) == JOBS and set(runs) == set(range(JOBS)) and duplicates == 0
    assert set(by_worker) == {str(first.pid), str(second.pid)}, "both workers took jobs"
    claims = collections.Counter(len(ids) for ids in DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert claims == {1: JOBS}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_leaves_it_to_another_after_the_lease(
    tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    require_postgresql()
    log, release = tmp_path / "runs.log", tmp_path / "release"
    row = job("ops.tests.tasks.wait_for_release", str(log), str(release))
    row.save()
    lease = {"TASK_LEASE_SECONDS": "3", "TASK_HEARTBEAT_SECONDS": "1"}
    doomed = start_worker(workers, "doomed", **lease)
    wait_until(lambda: log.exists() and "start" in log.read_text(), 60, "the first worker to start the job")

    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING  # nobody else has it yet: lost, were there no lease
    release.touch()
    start_worker(workers, "rescuer", **lease)

    wait_until(lambda: DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.SUCCESSFUL, 60, "the rescue")
    row.refresh_from_db()
    assert row.worker_ids == ["doomed", "rescuer"]
    assert row.return_value == "done"
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["start", "start", "done"]
