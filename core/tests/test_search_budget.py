"""One exact-search budget per employer over 学生搜索, GET /api/v1/employer/students and 导入拟签约名单
(issue 19 item 3): sweeping the hidden digits of a 身份证号 or phone fails long before it succeeds; an HR person
who mistypes a few times is not stopped."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from core.identifiers import id_check_char
from core.models import SearchMiss, SendListItem, Student
from core.services.employers import employer_search_students
from core.services.search_budget import SearchBudgetExhausted
from core.services.shortlist import SHORTLIST_HEADERS, ShortlistInvalid, shortlist_import
from testsupport import ApiClient, LoginAs, World, make_student, xlsx_bytes

pytestmark = pytest.mark.django_db

PER_NAME = 5  # the shipped WANGQIAN_SEARCH_MISSES_PER_NAME
PER_DAY = 50  # the shipped WANGQIAN_SEARCH_MISSES_PER_DAY


def birth_date_candidates(student: Student, count: int = 198) -> list[str]:
    """What an attacker tries for `210102********0206`: the same region and sequence, one birth date each; the
    student's real number is one of them (near the middle, as a sweep in date order would meet it)."""
    real = student.id_number
    born = datetime.date(int(real[6:10]), int(real[10:12]), int(real[12:14]))
    first = born - datetime.timedelta(days=count // 2)
    candidates = []
    for day in range(count):
        date = first + datetime.timedelta(days=day)
        first17 = f"{real[:6]}{date:%Y%m%d}{real[14:17]}"
        candidates.append(first17 + id_check_char(first17))
    assert real in candidates and candidates.index(real) > PER_NAME
    return candidates


def shortlist(rows: list[list[Any]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("名单.xlsx", xlsx_bytes(list(SHORTLIST_HEADERS), rows).getvalue())


def test_198_candidate_sweep_over_every_path_is_refused_long_before_it_succeeds(
    world: World, api: ApiClient, login_as: LoginAs, capsys: pytest.CaptureFixture[str]
) -> None:
    target = world.student
    candidates = birth_date_candidates(target)
    api.login(world.employer)
    page = login_as(world.employer)
    refused_after: int | None = None
    found = False
    for i, guess in enumerate(candidates):
        # Page, API and import in turn: one budget whatever the path.
        if i % 3 == 0:
            answer = api.get("/employer/students", graduation_year=2027, name=target.name, id_number=guess)
            refused, hit = answer.status_code == 429, answer.status_code == 200 and bool(answer.json())
            if refused:
                assert answer.json()["code"] == "search_budget_exhausted"
        elif i % 3 == 1:
            params: dict[str, str | int] = {"search": 1, "year": 2027, "name": target.name, "keyword": guess}
            answer = page.get(reverse("employer:invite"), params)
            refused = answer.status_code == 429
            hit = not refused and "暂无数据!" not in answer.content.decode()
        else:
            answer = api.post(
                "/employer/send-list/import", {"file": shortlist([[2027, target.name, guess, ""]])}, format="multipart"
            )
            message = answer.json()["errors"]["rows"][0]["message"] if answer.status_code == 400 else ""
            refused, hit = message.startswith("未核对"), answer.status_code == 200
        if refused:
            refused_after = i
            break
        found = found or hit
    with capsys.disabled():
        print(
            f"\n198-candidate sweep: refused after {refused_after} guesses"
            f" (the real number is guess {candidates.index(target.id_number) + 1})"
        )
    assert refused_after == PER_NAME and not found
    # The rest of the sweep is refused, the real number too: a refusal says nothing of a match.
    real = api.get("/employer/students", graduation_year=2027, name=target.name, id_number=target.id_number)
    assert real.status_code == 429 and "为保护学生个人信息" in real.json()["detail"]
    assert not SendListItem.objects.exists()
    # Another student is still found by the same HR person.
    other = world.other_student
    ok = api.get("/employer/students", graduation_year=2027, name=other.name, id_number=other.id_number)
    assert ok.status_code == 200 and [s["id"] for s in ok.json()] == [other.pk]
    # Another employer's budget is its own.
    api.login(world.other_employer)
    theirs = api.get("/employer/students", graduation_year=2027, name=target.name, id_number=target.id_number)
    assert theirs.status_code == 200 and [s["id"] for s in theirs.json()] == [target.pk]


def test_a_198_row_upload_checks_only_the_budget_and_marks_the_rest_unchecked(world: World) -> None:
    target = world.student
    candidates = birth_date_candidates(target)
    rows = [[2027, target.name, guess, ""] for guess in candidates]
    with pytest.raises(ShortlistInvalid) as refused:
        shortlist_import(shortlist(rows), acting_user=world.employer)
    messages = [e.message for e in refused.value.row_errors]
    assert len(messages) == 198
    assert all(m.startswith("未找到匹配的学生") for m in messages[:PER_NAME])
    assert all(m.startswith("未核对") and "为保护学生个人信息" in m for m in messages[PER_NAME:])
    real_row = candidates.index(target.id_number)
    assert messages[real_row].startswith("未核对")  # the real number's row does not stand out
    assert SearchMiss.objects.filter(employer=world.employer.employer).count() == PER_NAME
    assert not SendListItem.objects.exists()


def test_phone_sweep_10000_endings_stops_after_the_budget(world: World) -> None:
    target = world.student
    guesses = [f"{target.phone[:7]}{n:04d}" for n in range(60) if f"{target.phone[:7]}{n:04d}" != target.phone]
    rows = [[2027, target.name, "", guess] for guess in guesses]
    with pytest.raises(ShortlistInvalid) as refused:
        shortlist_import(shortlist(rows), acting_user=world.employer)
    errors = refused.value.row_errors
    assert sum(not e.message.startswith("未核对") for e in errors) == PER_NAME
    assert {e.column for e in errors} == {"手机号"}


def test_an_hr_person_who_mistypes_is_not_stopped(world: World, api: ApiClient) -> None:
    api.login(world.employer)
    target = world.student
    for typo in (target.id_number[:-2] + "00", target.id_number[:-3] + "123", "210102200401010000"):
        assert api.get("/employer/students", graduation_year=2027, name=target.name, id_number=typo).json() == []
    found = api.get("/employer/students", graduation_year=2027, name=target.name, id_number=target.id_number)
    assert found.status_code == 200 and [s["id"] for s in found.json()] == [target.pk]
    # Hits spend nothing: a shortlist of 30 real students goes through after the typos.
    students = [make_student(world.college, with_user=False) for _ in range(30)]
    imported = shortlist_import(
        shortlist([[2027, s.name, s.id_number, ""] for s in students]), acting_user=world.employer
    )
    assert len(imported) == 30
    assert SearchMiss.objects.filter(employer=world.employer.employer).count() == 3


def test_the_daily_budget_counts_misses_over_all_names_and_forgets_them_after_the_window(world: World) -> None:
    target = world.student
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False) as clock:
        for n in range(PER_DAY):
            employer_search_students(
                graduation_year=2027, name=f"不存在{n}", id_number=target.id_number, acting_user=world.employer
            )
        with pytest.raises(SearchBudgetExhausted) as refused:
            employer_search_students(
                graduation_year=2027, name=target.name, id_number=target.id_number, acting_user=world.employer
            )
        assert "24小时内" in refused.value.detail and "50次" in refused.value.detail
        assert refused.value.status == 429
        clock.shift(datetime.timedelta(hours=24, seconds=1))
        found = employer_search_students(
            graduation_year=2027, name=target.name, id_number=target.id_number, acting_user=world.employer
        )
        assert [s.pk for s in found] == [target.pk]


def test_the_per_name_budget_lasts_its_window(world: World) -> None:
    target = world.student
    wrong = birth_date_candidates(target)[:PER_NAME]
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False) as clock:
        for guess in wrong:
            employer_search_students(
                graduation_year=2027, name=target.name, id_number=guess, acting_user=world.employer
            )
        clock.shift(datetime.timedelta(days=29))  # a new day, the same name: still refused
        with pytest.raises(SearchBudgetExhausted, match="30天内按姓名"):
            employer_search_students(
                graduation_year=2027, name=target.name, id_number=target.id_number, acting_user=world.employer
            )
        clock.shift(datetime.timedelta(days=1, seconds=1))
        found = employer_search_students(
            graduation_year=2027, name=target.name, id_number=target.id_number, acting_user=world.employer
        )
        assert [s.pk for s in found] == [target.pk]
        # Rows no window counts any more are deleted as new misses are written.
        employer_search_students(graduation_year=2027, name="不存在", id_number=wrong[0], acting_user=world.employer)
        assert SearchMiss.objects.filter(employer=world.employer.employer).count() == 1


@override_settings(WANGQIAN_SEARCH_MISSES_PER_DAY=2, WANGQIAN_SEARCH_MISSES_PER_NAME=10)
def test_the_limits_are_settings_and_the_page_says_so(world: World, login_as: LoginAs) -> None:
    client: Client = login_as(world.employer)
    target = world.student
    for name in ("甲", "乙"):
        params = {"search": 1, "year": 2027, "name": name, "keyword": target.id_number}
        assert client.get(reverse("employer:invite"), params).status_code == 200
    params = {"search": 1, "year": 2027, "name": target.name, "keyword": target.id_number}
    refused = client.get(reverse("employer:invite"), params)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "精确搜索未找到学生的次数已达上限（2次）" in page and 'id="wq-results"' not in page
