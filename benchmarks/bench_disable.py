"""How soon a disabled account's API token stops working (issue 23: "answers 401 within a second").

    .venv/bin/python benchmarks/bench_disable.py [--rounds 20] [--database-url postgres://…]

Runs the production server (manage.py serve_production --roles web, gunicorn with two workers) on a fresh database
(an SQLite file by default), with a school admin and `rounds` college admins. For each college admin: a token,
a thread calling GET /api/v1/me with it as fast as it can, then the school admin's PATCH /school/staff/{id}
{active: false}. Prints, over the rounds, the time from the PATCH's answer to the first 401 the token got, and how
many calls the token still had answered 200 after the PATCH had answered (the target: none).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests
from production import production_server

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2027"
SETUP = f"""
from core.models import College, Role, School, User
school = School.objects.create(name="基准大学", code="19999", second_factor_required=False)
college = College.objects.create(school=school, name="基准学院")
def user(name, role, **kw):
    u = User(username=name, role=role, school=school, email=name + "@example.edu.cn", **kw)
    u.set_password("{PASSWORD}")
    u.save()
user("bench_school", Role.SCHOOL_ADMIN)
for n in range(int(ROUNDS)):
    user(f"bench_college{{n}}", Role.COLLEGE_ADMIN, college=college)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-disable-"))
    database = (args.database_url or "sqlite").split(":")[0]
    with production_server(
        tmp, database_url=args.database_url, setup=SETUP.replace("int(ROUNDS)", str(args.rounds))
    ) as site:
        base = f"{site}/api/v1"

        def token(username: str) -> str:
            answer = requests.post(f"{base}/auth/token", json={"username": username, "password": PASSWORD}, timeout=30)
            answer.raise_for_status()
            return str(answer.json()["token"])

        school = {"Authorization": f"Bearer {token('bench_school')}"}
        staff = {row["username"]: row["id"] for row in requests.get(f"{base}/school/staff", headers=school).json()}
        delays, late_oks, calls = [], 0, 0
        for n in range(args.rounds):
            headers = {"Authorization": f"Bearer {token(f'bench_college{n}')}"}
            answered: list[tuple[float, float, int]] = []  # (sent, answered, status)
            stop = threading.Event()

            Answers = list[tuple[float, float, int]]

            def hammer(h: dict[str, str] = headers, out: Answers = answered, halt: threading.Event = stop) -> None:
                while not halt.is_set():
                    sent = time.perf_counter()
                    status = requests.get(f"{base}/me", headers=h, timeout=30).status_code
                    out.append((sent, time.perf_counter(), status))
                    if status == 401:
                        return

            thread = threading.Thread(target=hammer)
            thread.start()
            time.sleep(0.3)
            patched = requests.patch(
                f"{base}/school/staff/{staff[f'bench_college{n}']}", json={"active": False}, headers=school, timeout=30
            )
            done = time.perf_counter()
            assert patched.status_code == 200, patched.text
            thread.join(timeout=10)
            stop.set()
            first_401 = next(t for _, t, status in answered if status == 401)
            delays.append((first_401 - done) * 1000)
            late_oks += sum(1 for sent, _, status in answered if sent > done and status == 200)
            calls += len(answered)
        print(f"rounds: {args.rounds}, GET /me calls: {calls}, database: {database}")
        print(
            f"PATCH answered → first 401: median {statistics.median(delays):.1f} ms, "
            f"max {max(delays):.1f} ms (target: under 1000 ms; below 0: refused before the PATCH's answer arrived)"
        )
        print(f"calls sent after the PATCH answered that still got 200: {late_oks} (target: 0)")


if __name__ == "__main__":
    main()
