"""/healthz and /readyz for a load balancer, and the JSON request log."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from ops.models import WorkerHeartbeat
from ops.workers import beat
from testsupport import LoginAs, World


def readyz(client: Client, **headers: Any) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz", **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


def test_healthz_answers_without_the_database_any_host_plain_http(client: Client) -> None:
    with override_settings(ALLOWED_HOSTS=["wangqian.example.edu.cn"], SECURE_SSL_REDIRECT=True):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_needs_a_live_worker(client: Client) -> None:
    status, body = readyz(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["workers"] == {"ok": False, "live": 0, "ms": body["checks"]["workers"]["ms"]}
    for name in ("database", "migrations", "storage", "queue"):
        assert body["checks"][name]["ok"], name

    WorkerHeartbeat.objects.create(
        worker_id="gone", hostname="h", pid=1, last_seen=timezone.now() - datetime.timedelta(minutes=2)
    )
    assert readyz(client)[0] == 503
    beat("w1")
    with override_settings(ALLOWED_HOSTS=["wangqian.example.edu.cn"]):
        status, body = readyz(client, HTTP_HOST="10.0.0.7")
    assert status == 200 and body["status"] == "ok"
    assert body["checks"]["workers"]["live"] == 1
    assert body["checks"]["migrations"]["unapplied"] == 0
    assert body["checks"]["storage"]["backend"] == "FileSystemStorage"


@pytest.mark.django_db
def test_readyz_reports_queue_depth_and_fails_past_the_limit(client: Client) -> None:
    beat("w1")
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            task_path="ops.tests.tasks.record_run",
            args_kwargs={"args": [n, "/dev/null"], "kwargs": {}},
            backend_name="default",
            run_after=get_date_max(),
            exception_class_path="",
            traceback="",
        )
        for n in range(3)
    )
    status, body = readyz(client)
    assert status == 200 and body["checks"]["queue"]["ready"] == 3
    with override_settings(READYZ_MAX_QUEUE_DEPTH=2):
        status, body = readyz(client)
    assert status == 503 and body["checks"]["queue"] == {**body["checks"]["queue"], "ok": False, "ready": 3}


@pytest.mark.django_db
def test_readyz_says_which_check_failed(client: Client) -> None:
    beat("w1")
    broken = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": "/proc/none"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=broken):
        status, body = readyz(client)
    assert status == 503
    assert body["checks"]["storage"]["ok"] is False and body["checks"]["storage"]["error"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_each_request_is_logged_with_its_id_user_and_duration(
    client: Client, caplog: pytest.LogCaptureFixture, world: World, login_as: LoginAs
) -> None:
    login_as(world.employer)
    with caplog.at_level(logging.INFO, logger="wangqian.request"):
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-0123456789")
        anonymous = Client().get("/login/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert response.status_code == 404 and response["X-Request-ID"] == "lb-0123456789"
    fresh_id = anonymous["X-Request-ID"]
    assert fresh_id != "bad id with spaces" and len(fresh_id) == 32
    records = [r for r in caplog.records if r.name == "wangqian.request"]
    first, second = records
    assert (first.request_id, first.status, first.path, first.user_id) == (  # type: ignore[attr-defined]
        "lb-0123456789",
        404,
        "/no-such-page/",
        world.employer.pk,
    )
    assert first.duration_ms >= 0  # type: ignore[attr-defined]
    assert (second.request_id, second.status, second.user_id) == (fresh_id, 200, None)  # type: ignore[attr-defined]
