"""Migration 0021 (issue 18 "one job model"): the export jobs a deployment has become Jobs, times and files kept."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.models import Job
from testsupport import make_school, make_school_admin

BEFORE = [("core", "0020_login_failures")]


@pytest.mark.django_db(transaction=True)
def test_export_jobs_become_jobs() -> None:
    admin = make_school_admin(make_school("甲大学", "90001"))
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    ExportJob = old_apps.get_model("core", "ExportJob")
    long_ago = timezone.now() - datetime.timedelta(hours=5)
    done = ExportJob.objects.create(
        owner_id=admin.pk, kind="plan", title="2027届就业方案", params={"school_id": 1, "graduation_year": 2027},
        state="done", total=9, done=9, file="exports/1.xlsx", filename="2027届就业方案.xlsx", finished_at=long_ago,
    )  # fmt: skip
    ExportJob.objects.filter(pk=done.pk).update(created_at=long_ago)
    ExportJob.objects.create(owner_id=admin.pk, kind="agreements", title="签约查询", query=b"q", filename="a.xlsx")
    executor = MigrationExecutor(connection)
    executor.migrate(leaf)
    jobs = {job.kind: job for job in Job.objects.filter(owner=admin)}
    plan, agreements = jobs["plan"], jobs["agreements"]
    assert (plan.state, plan.total, plan.done, plan.file.name, plan.title) == (
        "done",
        9,
        9,
        "exports/1.xlsx",
        "2027届就业方案",
    )
    assert plan.created_at == long_ago and plan.params["graduation_year"] == 2027
    assert agreements.state == "queued" and agreements.query is not None and bytes(agreements.query) == b"q"
