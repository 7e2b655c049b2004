"""The scheduler: APScheduler runs every periodic job (reminders included) at start and then on its interval; on
PostgreSQL one scheduler is active and a second stands by; two real scheduler processes send each reminder once."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from django.contrib.sessions.models import Session
from django.db import connection, connections

from core.models import Agreement, NoticeSent
from ops.scheduler import (
    JOBS,
    SCHEDULER_LOCK_KEY,
    Job,
    acquire_leadership,
    build_scheduler,
    holds_leadership,
    run_job,
)
from testsupport import World, invite
from web.sessions import SessionStore

from .support import MANAGE, ROOT, database_url, production_env, require_postgresql

T0 = datetime.datetime(2026, 11, 27, 2, 30, tzinfo=datetime.UTC)


def test_every_job_is_scheduled_at_start_and_then_on_its_interval() -> None:
    built = build_scheduler(scheduler_class=BackgroundScheduler)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {job.command for job in JOBS}
    assert {"send_reminders", "expire_invitations", "reclaim_tasks", "documents_retry"} <= set(jobs)
    for job in JOBS:
        trigger = jobs[job.command].trigger
        assert isinstance(trigger, IntervalTrigger)
        assert trigger.interval == datetime.timedelta(seconds=job.every_seconds)
        assert jobs[job.command].next_run_time is not None  # pending: runs as soon as the scheduler starts


@pytest.mark.django_db(transaction=True)  # a job closes its thread's connection when done (run_job)
def test_the_daily_job_clears_expired_sessions_only() -> None:
    store = SessionStore()
    store["x"] = 1
    store.create()
    expired = SessionStore()
    expired["x"] = 2
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=T0)
    (job,) = (job for job in JOBS if job.command == "clearsessions")
    run_job(job)
    assert set(Session.objects.values_list("pk", flat=True)) == {store.session_key}


def _expiring_invitation(world: World) -> Agreement:
    with time_machine.travel(T0, tick=False):
        (agreement,) = invite(world.employer, world.student)
    Agreement.objects.filter(pk=agreement.pk).update(
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    )
    return agreement


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_runs_the_reminders(world: World, mailoutbox: list[Any]) -> None:
    agreement = _expiring_invitation(world)
    mailoutbox.clear()
    running = build_scheduler((Job("send_reminders", 3600),), scheduler_class=BackgroundScheduler)
    running.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not NoticeSent.objects.filter(kind="invitation_expiring").exists():
            time.sleep(0.2)
    finally:
        running.shutdown(wait=True)
        connections.close_all()
    assert NoticeSent.objects.filter(kind="invitation_expiring", object_id=agreement.pk).count() == 1
    assert [m.to for m in mailoutbox] == [[world.student.email]]


@pytest.mark.django_db(transaction=True)
def test_one_scheduler_is_active_and_another_stands_by() -> None:
    require_postgresql()
    first = acquire_leadership()
    assert first is not None and holds_leadership(first)
    waits: list[float] = []

    class StandingBy(Exception):
        pass

    def wait(seconds: float) -> None:
        waits.append(seconds)
        raise StandingBy

    try:
        with pytest.raises(StandingBy):
            acquire_leadership(wait=wait)  # a second scheduler: the lock is taken
        assert waits == [10.0]
        first.close()  # the active one's session ends ...
        second = acquire_leadership(wait=wait)  # ... and the standby takes over
        assert second is not None and holds_leadership(second)
        second.close()
    finally:
        first.close()


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_send_each_reminder_once(world: World, tmp_path: Path) -> None:
    """Two real `manage.py run_scheduler` processes on the test database: one is elected, and the student's
    reminder goes out once (by SMS to a file, which both would append to)."""
    require_postgresql()
    agreement = _expiring_invitation(world)
    # Another deployment on the same server (a `make serve` on another database, or another CI job) has its own
    # active scheduler holding the same advisory key there: it is none of this installation's business.
    other_deployment = _scheduler_of_another_database()
    env = production_env(
        DATABASE_URL=database_url(),
        SMS_BACKEND="core.sms.backends.file.SmsBackend",
        SMS_FILE_PATH=str(tmp_path / "sms"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    processes = []
    for log in logs:
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen([*MANAGE, "run_scheduler"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
    sms_log = tmp_path / "sms" / "sms.log"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not sms_log.exists():
            time.sleep(0.5)
        time.sleep(2)  # had the standby sent too, its line would be there by now
        assert all(process.poll() is None for process in processes), _text(logs)
        with connection.cursor() as cursor:  # one holds this database's scheduler lock, the other waits for it
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid::bigint = %s AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [SCHEDULER_LOCK_KEY],
            )
            assert cursor.fetchone()[0] == 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        other_deployment.close()
    lines = [json.loads(line) for line in sms_log.read_text().splitlines()]
    assert [line["phone"] for line in lines] == [world.student.phone], _text(logs)
    assert NoticeSent.objects.filter(kind="invitation_expiring", object_id=agreement.pk).count() == 1


def _scheduler_of_another_database() -> psycopg.Connection[Any]:
    """A session on another database of the same server holding the scheduler's advisory key, as the active
    scheduler of another installation does (advisory locks are per database: it never competes with ours)."""
    other = psycopg.connect(database_url("postgres"), autocommit=True)
    # Whoever holds it there (this session, or another installation's scheduler), a granted lock on the key
    # exists in another database while the test counts.
    other.execute("SELECT pg_try_advisory_lock(%s)", [SCHEDULER_LOCK_KEY])
    held = other.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid::bigint = %s AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = 'postgres')",
        [SCHEDULER_LOCK_KEY],
    ).fetchone()
    assert held is not None and held[0] == 1
    return other


def _text(logs: list[Path]) -> str:
    return "\n".join(log.read_text(errors="replace") for log in logs if log.exists())
