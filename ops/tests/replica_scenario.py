"""What ops/tests/test_replicas.py watches, run in a Django of its own: DATABASE_URL is the private primary and
DATABASE_REPLICA_URLS its streaming replica (ops/tests/pgcluster.py), both given by the test. Prints one JSON object
of observations; the test asserts on them. Run as `python -m ops.tests.replica_scenario` with the cluster's
REPLICA_SCENARIO_* variables set.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django


def main() -> dict[str, Any]:
    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core import replicas
    from core.models import Agreement
    from core.services.employers import employer_search_students
    from core.services.export_jobs import export_job_start
    from ops.tests.pgcluster import StreamingCluster
    from testsupport import PASSWORD, TERMS, ApiClient, invite, make_student, make_world

    cluster = StreamingCluster.attach(
        Path(os.environ["REPLICA_SCENARIO_ROOT"]),
        int(os.environ["REPLICA_SCENARIO_PRIMARY_PORT"]),
        int(os.environ["REPLICA_SCENARIO_REPLICA_PORT"]),
    )
    database = os.environ["REPLICA_SCENARIO_DATABASE"]
    call_command("migrate", verbosity=0)
    world = make_world()
    invite(world.employer, world.student)
    late_student = make_student(world.college, name="赵磊")
    employer_search_students(
        graduation_year=late_student.graduation_year,
        name=late_student.name,
        id_number=late_student.id_number,
        acting_user=world.employer,
    )
    employer = ApiClient(Client()).login(world.employer)
    school = ApiClient(Client()).login(world.school_admin)
    seen: dict[str, Any] = {
        "aliases": sorted(connections.settings),
        "routers": [type(r).__name__ for r in django.db.router.routers],
        "token_sets_pin_cookie": replicas.PIN_COOKIE in employer.client.cookies,
    }
    for api in (employer, school):
        api.client.cookies.clear()  # from here on only the tokens' own pins count

    def call(get: Callable[[], Any], *, replica_up: bool = True) -> tuple[int, int, int, Any]:
        """(status, queries on the primary, on the replica (-1: not watched, it is down), JSON)"""
        with CaptureQueriesContext(connections["default"]) as primary:
            if replica_up:
                with CaptureQueriesContext(connections["replica1"]) as replica:
                    response = get()
                on_replica = len(replica)
            else:
                response, on_replica = get(), -1
        body = response.json() if response["Content-Type"].startswith("application/json") else None
        return response.status_code, len(primary), on_replica, body

    def school_list(*, replica_up: bool = True) -> tuple[int, int, int, Any]:
        return call(lambda: school.get("/agreements"), replica_up=replica_up)

    cluster.wait_replayed(database)
    status, on_primary, on_replica, body = school_list()
    seen["caught_up"] = (status, on_primary, on_replica, body["count"])
    school_list()  # each replica's turn: the dead one is checked, found down and passed over
    seen["health"] = {alias: verdict for alias, (verdict, _) in sorted(replicas._health.items())}
    ready = Client().get("/readyz").json()
    seen["readyz"] = (ready["checks"]["replicas"]["ok"], ready["checks"]["replicas"]["up"])

    # Replay paused: the replica stops at this moment, as a replica far behind would.
    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()", database)
    response = employer.post("/agreements", {"student_ids": [late_student.pk], "terms": TERMS})
    seen["write_status"] = response.status_code
    status, on_primary, on_replica, body = call(lambda: employer.get("/agreements"))
    seen["writer_right_after"] = (status, on_primary, on_replica, body["count"])
    status, on_primary, on_replica, body = school_list()
    seen["other_reader_right_after"] = (status, on_primary, on_replica, body["count"])
    status, on_primary, on_replica, _ = call(lambda: school.get("/agreements/0"))
    seen["detail_unmarked"] = (status, on_replica)
    world.school.second_factor_required = False  # the page itself, not the second factor's (its own tests)
    world.school.save(update_fields=["second_factor_required"])
    session = Client()
    signed_in = session.post("/login/", {"username": world.school_admin.username, "password": PASSWORD})
    seen["login_sets_pin_cookie"] = (signed_in.status_code, replicas.PIN_COOKIE in signed_in.cookies)

    def page_names() -> tuple[int, list[str]]:
        response = session.get("/school/agreements/")
        return response.status_code, [n for n in ("李明", "赵磊") if n in response.content.decode()]

    del session.cookies[replicas.PIN_COOKIE]  # as the browser does once its few seconds are over
    seen["page_without_pin"] = page_names()
    session.cookies[replicas.PIN_COOKIE] = "1"
    seen["page_with_pin_cookie"] = page_names()

    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()", database)
    cluster.wait_replayed(database)
    seen["other_reader_after_replay"] = school_list()[3]["count"]

    def export_job() -> tuple[str, bool, int]:
        """A large list's 导出 asked from a list view on the replica: the worker (inline here) reads it there."""
        with replicas.reading_from_replica():
            job = export_job_start(
                Agreement.objects.filter(student__college__school=world.school),
                title="签约查询",
                acting_user=world.school_admin,
            )
        job.refresh_from_db()
        return job.state, job.params["read_replica"], job.done

    with CaptureQueriesContext(connections["replica1"]) as replica:
        seen["export_job"] = (*export_job(), len(replica) > 0)

    # The replica dies while its last verdict (REPLICA_CHECK_SECONDS) still says healthy: the view fails on it and
    # runs again on the primary; the next request does not try it.
    cluster.stop_replica()
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("core.replicas").addHandler(handler)
    started = time.monotonic()
    status, on_primary, _, body = school_list(replica_up=False)
    seen["replica_killed_first"] = (status, on_primary, body["count"])
    status, on_primary, _, body = school_list(replica_up=False)
    seen["replica_killed_next"] = (status, on_primary, body["count"])
    seen["replica_killed_stats"] = call(lambda: school.get("/school/stats"), replica_up=False)[0]
    seen["replica_killed_seconds"] = round(time.monotonic() - started, 2)
    # An export job that meets the dead replica (believed up once more) is written from the primary.
    replicas._health["replica1"] = (True, time.monotonic())
    seen["replica_killed_export_job"] = export_job()
    seen["replica_killed_warnings"] = list(warnings)
    # Back: the next health check finds it and reads return to it.
    cluster.start_replica()
    cluster.wait_replayed(database)
    replicas.forget_health()
    seen["replica_back"] = school_list()[:3]
    return seen


if __name__ == "__main__":
    observed = main()
    sys.stdout.write("REPLICA_SCENARIO " + json.dumps(observed, ensure_ascii=False) + "\n")
