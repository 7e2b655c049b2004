"""Read replicas (issue 22 item 4, core/replicas.py) against a real streaming replica of a private PostgreSQL 15."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from ops.tests import pgcluster
from ops.tests.pgcluster import StreamingCluster

ROOT = Path(__file__).resolve().parents[2]


def test_without_replica_urls_every_query_reads_the_primary_as_before() -> None:
    assert "DATABASE_REPLICA_URLS" not in os.environ
    assert settings.DATABASE_REPLICAS == []
    assert list(settings.DATABASES) == ["default"]
    assert not settings.DATABASE_ROUTERS
    assert "core.replicas.ReplicaPinMiddleware" not in settings.MIDDLEWARE


# The pages whose reads may be a second behind: lists, statistics, exports, the province's figures.
REPLICA_PAGES = [
    "employer:agreements",
    "employer:agreement_export",
    "employer:terminations",
    "employer:termination_export",
    "school:agreements",
    "school:agreements_export",
    "school:reviews",
    "school:terminations",
    "school:destinations",
    "school:students",
    "school:employers",
    "school:stats",
    "school:stats_export",
    "school:plan",
    "school:plan_export",
    "province:home",
    "province:export",
]
REPLICA_API = [
    ("/api/v1/agreements", "GET"),
    ("/api/v1/agreements/export", "GET"),
    ("/api/v1/destinations", "GET"),
    ("/api/v1/school/stats", "GET"),
    ("/api/v1/school/employers", "GET"),
    ("/api/v1/province/schools", "GET"),
]


def test_lists_statistics_exports_and_the_province_figures_are_marked_for_replicas() -> None:
    import inspect

    from django.urls import resolve, reverse

    unmarked = [name for name in REPLICA_PAGES if not getattr(resolve(reverse(name)).func, "replica_reads", False)]
    assert not unmarked
    assert getattr(resolve("/province/schools/1/").func, "replica_reads", False)
    for path, method in REPLICA_API:
        path_view = inspect.getclosurevars(resolve(path).func).nonlocals["self"]  # ninja's PathView
        operations = path_view.operations
        (operation,) = [op for op in operations if method in op.methods]
        assert getattr(operation.view_func, "replica_reads", False), path
    # A page read right after its own form's write is not: the detail, where every act starts.
    assert not getattr(resolve("/school/agreements/1/").func, "replica_reads", False)


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_replica_urls_are_refused_at_start_beside_sqlite_or_when_not_postgres() -> None:
    base = {"DJANGO_SETTINGS_MODULE": "wangqian.settings"}
    beside_sqlite = _start({**base, "DATABASE_URL": "sqlite:///x.sqlite3", "DATABASE_REPLICA_URLS": "postgres://r/x"})
    assert beside_sqlite.returncode != 0
    assert "DATABASE_REPLICA_URLS needs DATABASE_URL to be PostgreSQL" in beside_sqlite.stderr
    not_postgres = _start(
        {**base, "DATABASE_URL": "postgres://p/x", "DATABASE_REPLICA_URLS": "postgres://r/x, mysql://r2/x"}
    )
    assert not_postgres.returncode != 0
    assert "'mysql://r2/x' is not a postgres:// URL" in not_postgres.stderr
    replicas = {**base, "DATABASE_URL": "postgres://p/x", "DATABASE_REPLICA_URLS": "postgres://r/x"}
    pin_too_short = _start({**replicas, "REPLICA_PIN_SECONDS": "2", "REPLICA_MAX_LAG_SECONDS": "5"})
    assert pin_too_short.returncode != 0
    assert "REPLICA_PIN_SECONDS=2 is shorter than REPLICA_MAX_LAG_SECONDS=5" in pin_too_short.stderr
    assert _start({**replicas, "REPLICA_PIN_SECONDS": "5", "REPLICA_MAX_LAG_SECONDS": "5"}).returncode == 0
    # Without replicas the replica settings are not read together (today's start is unchanged).
    assert _start({**base, "REPLICA_PIN_SECONDS": "2", "REPLICA_MAX_LAG_SECONDS": "5"}).returncode == 0


@pytest.fixture(scope="module")
def streaming_cluster() -> Iterator[StreamingCluster]:
    """A PostgreSQL 15 primary and its streaming replica on free ports, in a temporary folder."""
    if not pgcluster.available():
        pytest.skip(f"PostgreSQL 15 binaries not found in {pgcluster.BIN}")
    cluster = StreamingCluster().start()
    try:
        yield cluster
    finally:
        cluster.close()


def test_lists_read_the_replica_own_writes_read_the_primary_and_a_killed_replica_is_skipped(
    streaming_cluster: StreamingCluster,
) -> None:
    cluster, database = streaming_cluster, "wq_replica_scenario"
    cluster.sql(cluster.primary_port, f'CREATE DATABASE "{database}"')
    # The replicas are read by an account that may only SELECT (docs/DEPLOY.md), granted on every table to come.
    cluster.sql(cluster.primary_port, "CREATE ROLE wq_reader LOGIN")
    cluster.sql(cluster.primary_port, "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO wq_reader", database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="wangqian.settings_test",
        DATABASE_URL=cluster.primary_url(database),
        # The second replica's address has nobody listening: it is skipped by its health check.
        DATABASE_REPLICA_URLS=(
            f"{cluster.replica_url(database).replace('postgres@', 'wq_reader@')},"
            f"{cluster.url(pgcluster.free_port(), database)}"
        ),
        # A paused replica stays "healthy", and a killed one is still believed up: the view meets the failure.
        REPLICA_MAX_LAG_SECONDS="600",
        REPLICA_PIN_SECONDS="600",
        REPLICA_CHECK_SECONDS="600",
        REPLICA_SCENARIO_ROOT=str(cluster.root),
        REPLICA_SCENARIO_PRIMARY_PORT=str(cluster.primary_port),
        REPLICA_SCENARIO_REPLICA_PORT=str(cluster.replica_port),
        REPLICA_SCENARIO_DATABASE=database,
    )
    run = subprocess.run(
        [sys.executable, "-m", "ops.tests.replica_scenario"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("REPLICA_SCENARIO ")]
    assert run.returncode == 0 and lines, run.stdout[-3000:] + run.stderr[-5000:]
    seen = json.loads(lines[-1].removeprefix("REPLICA_SCENARIO "))

    assert seen["aliases"] == ["default", "replica1", "replica2"]
    assert seen["health"] == {"replica1": True, "replica2": False}
    # /readyz shows it for monitoring, and a replica down does not make the host unready: reads fall back.
    assert seen["readyz"] == [True, {"replica1": True, "replica2": False}]
    assert seen["routers"] == ["ReplicaRouter"]
    # A write request answers with the pin cookie (a browser reads its own write from the primary).
    assert seen["token_sets_pin_cookie"]
    # Caught up: the school's list is read from the replica (its authentication from the primary).
    status, _, on_replica, count = seen["caught_up"]
    assert (status, count) == (200, 1) and on_replica >= 2
    # Replay paused, the employer invites one more graduate: it sees its own write at once (its token is pinned)...
    assert seen["write_status"] == 201
    status, _on_primary, on_replica, count = seen["writer_right_after"]
    assert (status, count, on_replica) == (200, 2, 0)
    # ... while the school, which wrote nothing, reads the replica and sees the list a moment old.
    status, _, on_replica, count = seen["other_reader_right_after"]
    assert (status, count) == (200, 1) and on_replica >= 2
    # A view not marked for replicas never reads one.
    assert seen["detail_unmarked"] == [404, 0]
    assert seen["login_sets_pin_cookie"] == [302, True]
    # The school's list page by session: stale from the replica, fresh with the pin cookie.
    assert seen["page_without_pin"] == [200, ["李明"]]
    assert seen["page_with_pin_cookie"] == [200, ["李明", "赵磊"]]
    assert seen["other_reader_after_replay"] == 2
    # The replica killed (immediate shutdown): the list and statistics still answer, from the primary.
    assert seen["replica_killed_first"][0] == 200 and seen["replica_killed_first"][2] == 2
    assert seen["replica_killed_next"][0] == 200 and seen["replica_killed_next"][2] == 2
    assert seen["replica_killed_stats"] == 200
    assert seen["replica_killed_seconds"] < 10, seen["replica_killed_warnings"]
    # An export job asked from a replica view reads the replica; meeting it dead, it is written from the primary.
    assert seen["export_job"] == ["done", True, 2, True]
    assert seen["replica_killed_export_job"] == ["done", True, 2]
    first, second = seen["replica_killed_warnings"]
    assert first == "replica replica1 failed during /api/v1/agreements; answered from the primary"
    assert second.startswith("replica replica1 failed during export job ")
    # Started again, it serves reads again once its health is checked.
    status, _, on_replica = seen["replica_back"]
    assert status == 200 and on_replica >= 2
