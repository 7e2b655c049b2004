"""导入拟签约名单 at scale (issue 19 item 4): a row limit that fits a shortlist, set-based lookups, a large file as a
background job with a progress page, one at a time per employer."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Job, SearchHit, SendListItem, Student
from core.services.shortlist import SHORTLIST_HEADERS, shortlist_import, shortlist_job_run
from testsupport import LoginAs, World, make_student, xlsx_bytes

pytestmark = pytest.mark.django_db


def _rows(students: Sequence[Student]) -> list[list[Any]]:
    # Alternately by 身份证号 and by 手机号, as HR fills them in.
    return [
        [s.graduation_year, s.name, s.id_number if i % 2 else "", "" if i % 2 else s.phone]
        for i, s in enumerate(students)
    ]


def _file(students: Sequence[Student], extra: list[list[Any]] | None = None) -> Any:
    return xlsx_bytes(list(SHORTLIST_HEADERS), _rows(students) + (extra or []))


def test_a_file_above_the_shortlist_limit_is_refused_before_any_row_is_read(
    world: World, login_as: LoginAs, settings: Any
) -> None:
    settings.WANGQIAN_SHORTLIST_MAX_ROWS = 3
    students = [world.student, world.other_student, *(make_student(world.college) for _ in range(2))]
    client = login_as(world.employer)
    assert "拟签约名单每次最多 3 行" in client.get(reverse("employer:invite")).content.decode()
    response = client.post(reverse("employer:send_list_import"), {"file": _file(students)})
    assert response.status_code == 400
    assert "拟签约名单每次最多导入3行，该文件超过3行，请拆分后分批导入" in response.content.decode()
    assert not SendListItem.objects.exists() and not Job.objects.exists()
    # At the limit it is imported.
    response = client.post(reverse("employer:send_list_import"), {"file": _file(students[:3])}, follow=True)
    assert "已导入3名学生到签约发送列表" in response.content.decode()


def test_rows_are_matched_with_the_same_queries_for_two_rows_or_forty(world: World) -> None:
    few = [world.student, world.other_student]
    many = [*few, *(make_student(world.college) for _ in range(38))]
    with CaptureQueriesContext(connection) as two:
        assert len(shortlist_import(_file(few), acting_user=world.employer)) == 2
    with CaptureQueriesContext(connection) as forty:
        assert {s.pk for s in shortlist_import(_file(many), acting_user=world.employer)} == {s.pk for s in many}
    assert len(forty) == len(two), [q["sql"] for q in forty.captured_queries]
    assert SendListItem.objects.count() == 40 and SearchHit.objects.count() == 40


def test_set_based_matching_keeps_the_exact_search_rules(world: World) -> None:
    """Every given field must match; a row matching two students, or none, is an error naming its row."""
    s, o = world.student, world.other_student
    twin = make_student(world.college, name=s.name)
    Student.objects.filter(pk=twin.pk).update(phone=s.phone)
    rows = [
        [s.graduation_year, s.name, s.id_number, s.phone],  # both given, both match
        [s.graduation_year, s.name, "", s.phone],  # two students share the name and the phone
        [o.graduation_year, o.name, o.id_number, "13900000000"],  # the phone does not match
        [o.graduation_year + 1, o.name, o.id_number, ""],  # another 毕业年度
        [s.graduation_year, "某某", s.id_number, ""],  # another name
    ]
    with pytest.raises(Exception) as refused:
        shortlist_import(xlsx_bytes(list(SHORTLIST_HEADERS), rows), acting_user=world.employer)
    assert [e.row for e in refused.value.row_errors] == [3, 4, 5, 6]  # type: ignore[attr-defined]
    assert not SendListItem.objects.exists()
    assert [
        x.pk for x in shortlist_import(xlsx_bytes(list(SHORTLIST_HEADERS), rows[:1]), acting_user=world.employer)
    ] == [s.pk]


def test_a_large_file_is_a_job_one_at_a_time_per_employer_with_its_progress_page(
    world: World, client: Client, login_as: LoginAs, settings: Any
) -> None:
    settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS = 2
    students = [world.student, world.other_student, make_student(world.college)]
    login_as(world.employer)
    response = client.post(reverse("employer:send_list_import"), {"file": _file(students)})
    job = Job.objects.get()
    assert (job.kind, job.state, job.total, job.owner) == ("shortlist", "queued", 3, world.employer)
    assert response.status_code == 302 and response["Location"] == reverse("employer:shortlist_job", args=[job.pk])
    assert job.file and default_storage.exists(job.file.name)
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="queued"' in page and "共 3 行" in page and 'hx-trigger="load delay:1s"' in page
    invite = client.get(reverse("employer:invite")).content.decode()
    assert 'id="wq-shortlist-job"' in invite and reverse("employer:shortlist_job", args=[job.pk]) in invite
    # A second file of the same employer waits for the first: refused with the reason, nothing stored.
    second = client.post(reverse("employer:send_list_import"), {"file": _file(students)})
    assert second.status_code == 409 and "本单位另一份拟签约名单正在导入" in second.content.decode()
    assert Job.objects.count() == 1
    # Another employer is not held by it, and cannot see it.
    login_as(world.other_employer)
    assert client.get(reverse("employer:shortlist_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("employer:send_list_import"), {"file": _file(students)}).status_code == 302
    # The worker runs it: every student on the list, the upload deleted, the page says so.
    name = job.file.name
    shortlist_job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.result) == ("done", 3, {"imported": 3})
    assert not job.file and not default_storage.exists(name)
    assert SendListItem.objects.filter(employer=world.employer.employer).count() == 3
    login_as(world.employer)
    panel = client.get(reverse("employer:shortlist_job", args=[job.pk]), headers={"HX-Request": "true"})
    text = panel.content.decode()
    assert 'data-state="done"' in text and "已将 3 名学生加入签约发送列表" in text and "<html" not in text
    assert 'id="wq-shortlist-job"' not in client.get(reverse("employer:invite")).content.decode()
    shortlist_job_run(job.pk)  # a duplicate delivery of a finished job does nothing
    assert Job.objects.get(pk=job.pk).finished_at == job.finished_at


def test_a_job_with_row_errors_imports_nothing_and_lists_them(
    world: World, client: Client, login_as: LoginAs, settings: Any
) -> None:
    settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS = 1
    login_as(world.employer)
    upload = _file([world.student], [[2027, "查无此人", "", "13000000000"]])
    response = client.post(reverse("employer:send_list_import"), {"file": upload})
    job = Job.objects.get()
    shortlist_job_run(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.result["errors"][0]["row"] == 3
    page = client.get(response["Location"]).content.decode()
    assert 'id="wq-import-errors"' in page and "第3行" in page and "未找到匹配的学生" in page
    assert "未导入任何学生" in page and not SendListItem.objects.exists()


def test_a_job_whose_worker_died_is_taken_again_and_a_silent_one_expires(world: World, settings: Any) -> None:
    from core.services.shortlist import shortlist_start

    settings.WANGQIAN_SHORTLIST_SYNC_MAX_ROWS = 0
    job = shortlist_start(_file([world.student]), acting_user=world.employer).job
    assert job is not None
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    # A worker took it and died: running, silent for longer than the task lease; the queue hands the task out again.
    Job.objects.filter(pk=job.pk).update(state="running", done=1, updated_at=long_ago)
    shortlist_job_run(job.pk)
    assert Job.objects.get(pk=job.pk).state == "done"
    # One nobody took up is failed after the stall time, its upload deleted; the employer may upload again.
    stalled = shortlist_start(_file([world.other_student]), acting_user=world.employer).job
    assert stalled is not None
    name = stalled.file.name
    Job.objects.filter(pk=stalled.pk).update(updated_at=long_ago)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    call_command("expire_jobs")
    stalled.refresh_from_db()
    assert stalled.state == "failed" and "没有进展" in stalled.detail and not default_storage.exists(name)
    assert not Job.objects.filter(pk=job.pk).exists()  # older than WANGQIAN_JOB_KEEP_HOURS
    assert shortlist_start(_file([world.other_student]), acting_user=world.employer).job is not None
