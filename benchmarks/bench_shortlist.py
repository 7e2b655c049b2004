"""导入拟签约名单 under load (issue 19 item 4): does /login/ keep answering while employers upload shortlists?

    .venv/bin/python benchmarks/bench_shortlist.py [--seconds 20] [--database-url postgres://…/an_empty_database]

Runs the production server (manage.py serve_production --roles web,worker: gunicorn with two workers and one task
worker) on a fresh database (an SQLite file by default), with 8,000 students and four verified employers, and
measures GET /login/ (one client, one request after another) in three phases:
1. quiet: nothing else runs;
2. attack: four clients upload, over and over for `--seconds`, the 40,000-row shortlist of the issue (673 KB
   before; refused now by the bounds scan before any row is parsed, WANGQIAN_SHORTLIST_MAX_ROWS);
3. jobs: the four employers upload at once a 2,000-row shortlist of real students each (above
   WANGQIAN_SHORTLIST_SYNC_MAX_ROWS: a background job each), then poll their job until it is done.
Prints /login/ p50/p99/max per phase, the uploads' answers and times, and how long the jobs took. Target: /login/
p99 well under a second in every phase, no 5xx (the issue saw /login/ unanswered for 8 s and four 500s).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from production import production_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2027"
STUDENTS = 8000
SETUP = f"""
import datetime
from core.models import College, Employer, Major, Role, School, Student, User
from core.services.xlsx import write_xlsx
from core.identifiers import make_credit_code, make_id_number
school = School.objects.create(name="基准大学", code="19999")
college = College.objects.create(school=school, name="基准学院")
major = Major.objects.create(college=college, name="法学")
students = [
    Student(school=school, college=college, major=major, student_no=f"B{{n:07d}}", name=f"学生{{n}}", gender="男",
            id_number=make_id_number(n, birth=datetime.date(2004, 1, 1) + datetime.timedelta(days=n % 3000)),
            phone=f"139{{n:08d}}", email=f"s{{n}}@example.com", graduation_year=2027, degree="bachelor")
    for n in range({STUDENTS})
]
Student.objects.bulk_create(students, batch_size=1000)
headers = ["毕业年度", "姓名", "身份证号", "手机号"]
for e in range(4):
    employer = Employer.objects.create(
        name=f"基准单位{{e}}", credit_code=make_credit_code(90 + e), contact_person="王经理",
        phone="13912340000", email=f"hr{{e}}@example.com", address="辽宁省沈阳市",
        verification_status=Employer.Verification.VERIFIED)
    user = User(username=f"bench_hr{{e}}", role=Role.EMPLOYER, employer=employer, email=f"hr{{e}}@example.com")
    user.set_password("{PASSWORD}")
    user.save()
    mine = students[e * 2000 : (e + 1) * 2000]
    rows = [[2027, s.name, s.id_number if i % 2 else "", "" if i % 2 else s.phone] for i, s in enumerate(mine)]
    open(OUT + f"/shortlist-{{e}}.xlsx", "wb").write(write_xlsx(headers, rows, title="拟签约名单"))
big = [[2027, f"学生{{n}}", "", f"188{{n:08d}}"] for n in range(40000)]
open(OUT + "/attack.xlsx", "wb").write(write_xlsx(headers, big, title="拟签约名单"))
"""


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no answers"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms "
        f"({len(ordered)} requests)"
    )


class LoginProbe(threading.Thread):
    """GET /login/ one after another until stopped; records each answer's time and status."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.times: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                status = session.get(self.url, timeout=30).status_code
            except requests.RequestException:
                status = 0
            self.times.append(time.perf_counter() - started)
            self.statuses[status] += 1
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-shortlist-"))
    database = (args.database_url or "sqlite").split(":")[0]
    with production_server(
        tmp,
        database_url=args.database_url,
        setup=f"OUT = {str(tmp)!r}\n" + SETUP,
        roles="web,worker",
        TASK_WORKERS="1",
        WEBHOOK_WORKERS="0",
    ) as site:
        base = f"{site}/api/v1"
        attack = (tmp / "attack.xlsx").read_bytes()
        shortlists = [(tmp / f"shortlist-{e}.xlsx").read_bytes() for e in range(4)]
        tokens = []
        for e in range(4):
            answer = requests.post(
                f"{base}/auth/token", json={"username": f"bench_hr{e}", "password": PASSWORD}, timeout=30
            )
            answer.raise_for_status()
            tokens.append({"Authorization": f"Bearer {answer.json()['token']}"})

        def upload(headers: dict[str, str], content: bytes) -> requests.Response:
            files = {"file": ("拟签约名单.xlsx", io.BytesIO(content))}
            return requests.post(f"{base}/employer/send-list/import", files=files, headers=headers, timeout=120)

        def phase(name: str, work: object) -> None:
            probe = LoginProbe(f"{site}/login/")
            probe.start()
            started = time.perf_counter()
            work() if callable(work) else time.sleep(float(str(work)))
            probe.stop.set()
            probe.join()
            statuses = ", ".join(f"{k}×{v}" for k, v in sorted(probe.statuses.items()))
            load = os.getloadavg()[0]
            print(
                f"[{name}] {time.perf_counter() - started:.1f} s — /login/ {_percentiles(probe.times)}; {statuses} "
                f"(machine load {load:.1f} on {os.cpu_count()} CPUs)"
            )

        print(
            f"database: {database}, gunicorn ×2 + 1 task worker, {STUDENTS} students; "
            f"attack file {len(attack) / 1024:.0f} KB (40,000 rows), shortlists {len(shortlists[0]) / 1024:.0f} KB "
            "(2,000 rows)"
        )
        requests.get(f"{site}/login/", timeout=60)  # each gunicorn worker's first request warms it
        requests.get(f"{site}/login/", timeout=60)
        phase("quiet", 5)

        answers: list[tuple[int, float]] = []

        def attack_work() -> None:
            until = time.monotonic() + args.seconds

            def client(headers: dict[str, str]) -> None:
                while time.monotonic() < until:
                    started = time.perf_counter()
                    response = upload(headers, attack)
                    answers.append((response.status_code, time.perf_counter() - started))

            threads = [threading.Thread(target=client, args=(h,)) for h in tokens]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        phase("attack: 4 clients × 40,000-row uploads", attack_work)
        codes = Counter(code for code, _ in answers)
        print(
            f"    uploads answered: {sum(codes.values())} ({', '.join(f'{k}×{v}' for k, v in sorted(codes.items()))}); "
            f"answer time {_percentiles([t for _, t in answers])}"
        )

        outcome: dict[int, tuple[int, float, str, int]] = {}

        def jobs_work() -> None:
            def client(e: int) -> None:
                started = time.perf_counter()
                response = upload(tokens[e], shortlists[e])
                answered = time.perf_counter() - started
                if response.status_code != 202:
                    outcome[e] = (response.status_code, answered, response.text[:200], 0)
                    return
                job = response.json()
                while job["state"] in ("queued", "running"):
                    time.sleep(0.5)
                    job = requests.get(f"{base}/employer/send-list/imports/{job['id']}", headers=tokens[e]).json()
                outcome[e] = (202, answered, job["state"], int(job.get("imported") or 0))
                print(
                    f"    employer {e}: 202 in {answered * 1000:.0f} ms, job {job['state']} after "
                    f"{time.perf_counter() - started:.1f} s, imported {job.get('imported')}"
                )

            threads = [threading.Thread(target=client, args=(e,)) for e in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        phase("jobs: 4 employers × 2,000-row shortlists at once", jobs_work)
        bad = {e: o for e, o in outcome.items() if o[0] != 202 or o[2] != "done"}
        if bad:
            print(f"    not done: {bad}")


if __name__ == "__main__":
    main()
