"""The mask sweep of issue 19 item 3, rerun against the production server: how far a verified employer gets when it
guesses the 8 hidden digits of `210102********0206` (a birth date: 198 candidates around the real one) or the 4
hidden digits of a phone, through GET /api/v1/employer/students and 导入拟签约名单, and whether an HR person who
mistypes a few times is stopped.

    .venv/bin/python benchmarks/bench_search_sweep.py [--database-url postgres://…]

Runs manage.py serve_production --roles web on a fresh database (an SQLite file by default) with one school, one
graduate and three verified employers (one per attack, one that mistypes). Prints one line per attack: after how
many guesses it was refused, whether the real number was ever confirmed, and the time taken. Target: refused after
WANGQIAN_SEARCH_MISSES_PER_NAME (5) guesses, the real number never confirmed; the mistyping HR is never refused.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import tempfile
import time
from pathlib import Path

import requests
from production import production_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.identifiers import id_check_char, make_credit_code, make_id_number  # noqa: E402

PASSWORD = "bench-pass-2027"
NAME = "李晓宁"
REAL_ID = make_id_number(103, birth=datetime.date(2005, 2, 6))
REAL_PHONE = "18800000010"
SETUP = f"""
from core.models import College, Employer, Major, Role, School, Student, User
school = School.objects.create(name="基准大学", code="19999", second_factor_required=False)
college = College.objects.create(school=school, name="基准学院")
major = Major.objects.create(college=college, name="法学")
Student.objects.create(
    school=school, college=college, major=major, student_no="2027001", name="{NAME}", gender="男",
    id_number="{REAL_ID}", phone="{REAL_PHONE}", graduation_year=2027, degree="bachelor",
)
for n, username in enumerate(["bench_api", "bench_import", "bench_phone", "bench_typo"]):
    employer = Employer.objects.create(
        name=f"基准单位{{n}}", credit_code={[make_credit_code(800 + n) for n in range(4)]!r}[n], contact_person="王",
        phone="13912340000", email="hr@example.com", address="沈阳", verification_status="verified",
    )
    u = User(username=username, role=Role.EMPLOYER, employer=employer)
    u.set_password("{PASSWORD}")
    u.save()
"""


def candidates() -> list[str]:
    """198 birth dates around the real one (the real number is the 100th), each with its check character."""
    born = datetime.date(int(REAL_ID[6:10]), int(REAL_ID[10:12]), int(REAL_ID[12:14]))
    first = born - datetime.timedelta(days=99)
    out = []
    for day in range(198):
        first17 = f"{REAL_ID[:6]}{first + datetime.timedelta(days=day):%Y%m%d}{REAL_ID[14:17]}"
        out.append(first17 + id_check_char(first17))
    return out


def query(**key: str) -> dict[str, str | int]:
    """The exact search's query: 毕业年度 2027, the graduate's name, and the guessed 身份证号 or phone."""
    return {"graduation_year": 2027, "name": NAME, **key}


def shortlist(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["毕业年度", "姓名", "身份证号", "手机号"])
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    with production_server(tmp, database_url=args.database_url, setup=SETUP) as site:
        base = f"{site}/api/v1"

        def headers(username: str) -> dict[str, str]:
            answer = requests.post(f"{base}/auth/token", json={"username": username, "password": PASSWORD}, timeout=30)
            answer.raise_for_status()
            return {"Authorization": f"Bearer {answer.json()['token']}"}

        guesses = candidates()
        real_at = guesses.index(REAL_ID) + 1

        # 1. The 198 guesses through GET /employer/students, one after the other.
        api = headers("bench_api")
        started, refused_after, confirmed = time.perf_counter(), None, False
        for n, guess in enumerate(guesses):
            answer = requests.get(
                f"{base}/employer/students",
                params=query(id_number=guess),
                headers=api,
                timeout=30,
            )
            if answer.status_code == 429:
                refused_after = n
                break
            confirmed = confirmed or bool(answer.json())
        spent = time.perf_counter() - started
        print(
            f"198-candidate sweep (API): refused after {refused_after} guesses in {spent:.2f} s; "
            f"real number confirmed: {'yes' if confirmed else 'no'} (it is guess {real_at}; target: refused after 5)"
        )

        # 2. The same 198 guesses as one 导入拟签约名单 upload.
        upload = shortlist([[2027, NAME, guess, ""] for guess in guesses])
        started = time.perf_counter()
        answer = requests.post(
            f"{base}/employer/send-list/import",
            files={"file": ("名单.xlsx", upload)},
            headers=headers("bench_import"),
            timeout=120,
        )
        spent = time.perf_counter() - started
        rows = answer.json().get("errors", {}).get("rows", []) if answer.status_code == 400 else []
        checked = sum(1 for r in rows if not r["message"].startswith("未核对"))
        real_row = next((r["message"][:12] for r in rows if r["row"] == real_at + 1), "—")
        print(
            f"198-row 导入拟签约名单: HTTP {answer.status_code} in {spent:.2f} s; rows checked: {checked}, "
            f"answered 未核对: {len(rows) - checked}; the real number's row says: {real_row}"
        )

        # 3. 10,000 phone endings for one name, through the API until refused.
        started, refused_after, confirmed = time.perf_counter(), None, False
        api = headers("bench_phone")
        for n in range(10_000):
            guess = f"{REAL_PHONE[:7]}{(n + 37) % 10_000:04d}"
            answer = requests.get(
                f"{base}/employer/students",
                params=query(phone=guess),
                headers=api,
                timeout=30,
            )
            if answer.status_code == 429:
                refused_after = n
                break
            confirmed = confirmed or bool(answer.json())
        spent = time.perf_counter() - started
        print(
            f"10,000-ending phone sweep (API): refused after {refused_after} guesses in {spent:.2f} s; "
            f"real phone confirmed: {'yes' if confirmed else 'no'} (it is guess 9974)"
        )

        # 4. An HR person who mistypes three times, then types it right.
        typo = headers("bench_typo")
        answers = []
        for guess in (REAL_ID[:-2] + "00", REAL_ID[:10] + "0000000", guesses[0], REAL_ID):
            answer = requests.get(
                f"{base}/employer/students",
                params=query(id_number=guess),
                headers=typo,
                timeout=30,
            )
            answers.append(f"{answer.status_code}:{len(answer.json()) if answer.status_code == 200 else '-'}")
        print(f"HR with 3 typos then the right number: {' '.join(answers)} (target: 200:0 ×3, then 200:1)")


if __name__ == "__main__":
    main()
