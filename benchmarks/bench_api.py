"""Province-scale figures for the JSON API: list, search and transitions with many rows.

    .venv/bin/python benchmarks/bench_api.py                 # SQLite file in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangqian_bench .venv/bin/python benchmarks/bench_api.py

Seeds STUDENTS students of one school and an invitation for each (through bulk inserts that mirror what the
workflow writes), then times, after warm-up, the median of repeated requests through Django's test client.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
STUDENTS = int(os.environ.get("BENCH_STUDENTS", "20000"))
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangqian.settings")
os.environ.setdefault("WANGQIAN_DEMO", "1")  # the demo signing certificate
# As in production, a transition only enqueues the document job (the worker renders and signs it).
os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.identifiers import make_id_number  # noqa: E402
from core.models import Agreement, AgreementEvent, AgreementTerms, Student, User  # noqa: E402
from core.services import agreements as wf  # noqa: E402
from testsupport import PASSWORD, TERMS, make_college, make_employer, make_school, make_school_admin  # noqa: E402


def timed(fn, repeat: int = 30) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    samples = []
    queries: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), len(queries)


def main() -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    call_command("flush", "--noinput", verbosity=0) if connection.vendor == "postgresql" else None
    call_command("migrate", verbosity=0)
    school = make_school()
    colleges = [make_college(school, f"学院{i}") for i in range(10)]
    hr = make_employer("基准测试单位", username="bench_hr")
    admin = make_school_admin(school, "bench_admin")
    from core.models import Major

    majors = [Major.objects.create(college=c, name="专业") for c in colleges]
    start = time.perf_counter()
    users = User.objects.bulk_create(
        [User(username=f"b{n}", role="student", password="!", display_name=f"学生{n}") for n in range(STUDENTS)],
        batch_size=2000,
    )
    if not users[0].pk:
        ids = dict(User.objects.filter(role="student").values_list("username", "pk"))
        for u in users:
            u.pk = ids[u.username]
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                college=colleges[n % 10],
                major=majors[n % 10],
                user=users[n],
                student_no=f"b{n}",
                name=f"学生{n}",
                gender="男",
                id_number=make_id_number(n),
                phone=f"13{n:09d}",
                graduation_year=2027,
                degree="bachelor",
            )
            for n in range(STUDENTS)
        ],
        batch_size=2000,
    )
    if not students[0].pk:
        students = list(Student.objects.order_by("pk"))
    now = timezone.now()
    agreements = Agreement.objects.bulk_create(
        [
            Agreement(
                school=school,
                college_id=s.college_id,
                graduation_year=s.graduation_year,
                student_name=s.name,
                student=s,
                employer=hr.employer,
                invited_by=hr,
                invited_at=now,
                expires_at=now + timezone.timedelta(days=7),
            )
            for s in students
        ],
        batch_size=2000,
    )
    if not agreements[0].pk:
        agreements = list(Agreement.objects.order_by("pk"))
    terms = wf.clean_terms(hr.employer, TERMS)  # type: ignore[attr-defined,arg-type]
    AgreementTerms.objects.bulk_create(
        [AgreementTerms(agreement=a, version=1, created_by=hr, **terms) for a in agreements], batch_size=2000
    )
    for a, t in zip(agreements, AgreementTerms.objects.order_by("agreement_id"), strict=True):
        a.current_terms = t
    Agreement.objects.bulk_update(agreements, ["current_terms"], batch_size=2000)
    AgreementEvent.objects.bulk_create(
        [
            AgreementEvent(
                agreement=a,
                actor=hr,
                actor_name="基准",
                action="invite",
                action_label="单位发起邀约",
                new_status="invited",
                sequence=1,
            )
            for a in agreements
        ],
        batch_size=2000,
    )
    seeded = time.perf_counter() - start
    print(f"database: {connection.vendor}; seeded {STUDENTS} students and {STUDENTS} invitations in {seeded:.1f} s")

    client = Client()
    token_hr = client.post(
        "/api/v1/auth/token", {"username": "bench_hr", "password": PASSWORD}, content_type="application/json"
    ).json()["token"]
    token_admin = client.post(
        "/api/v1/auth/token", {"username": "bench_admin", "password": PASSWORD}, content_type="application/json"
    ).json()["token"]
    h_hr = {"HTTP_AUTHORIZATION": f"Bearer {token_hr}"}
    h_admin = {"HTTP_AUTHORIZATION": f"Bearer {token_admin}"}
    target = students[STUDENTS // 2]

    cases = {
        "employer list, 20 rows": lambda: client.get("/api/v1/agreements", {"page_size": 20}, **h_hr),
        "employer list, 100 rows, page 50": lambda: client.get(
            "/api/v1/agreements", {"page_size": 100, "page": 50}, **h_hr
        ),
        "school list, 20 rows": lambda: client.get("/api/v1/agreements", {"page_size": 20}, **h_admin),
        "school list filtered by name": lambda: client.get("/api/v1/agreements", {"name": target.name}, **h_admin),
        "employer exact search": lambda: client.get(
            "/api/v1/employer/students",
            {"graduation_year": 2027, "name": target.name, "id_number": target.id_number},
            **h_hr,
        ),
        "agreement detail": lambda: client.get(f"/api/v1/agreements/{agreements[5].pk}", **h_hr),
    }
    for label, fn in cases.items():
        assert fn().status_code == 200, label
        median, queries = timed(fn)
        print(f"{label:<36} median {median:7.2f} ms  ({queries} queries)")

    # Transitions: accept → college approve → school approve for 200 agreements, one request each.
    from testsupport import make_college_admin

    college_admins = {c.pk: make_college_admin(c) for c in colleges}
    sample = agreements[:200]
    start = time.perf_counter()
    for a in sample:
        s = Student.objects.select_related("user").get(pk=a.student_id)
        wf.agreement_accept(a.pk, acting_user=s.user)  # type: ignore[arg-type]
        wf.agreement_approve(a.pk, acting_user=college_admins[a.college_id])
        wf.agreement_approve(a.pk, acting_user=admin)
    elapsed = time.perf_counter() - start
    count = 3 * len(sample)
    print(
        f"transitions (accept, college approve, school approve): {count} in {elapsed:.2f} s = "
        f"{count / elapsed:.0f} per second ({elapsed / count * 1000:.2f} ms each, each with its event)"
    )


if __name__ == "__main__":
    main()
