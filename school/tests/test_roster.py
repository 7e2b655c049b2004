"""生源导入: template, dry run with every error by row and column, preview, the import job and its progress."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from openpyxl import load_workbook

from core.identifiers import make_id_number
from core.models import College, Job, Major, Student, User
from core.services import roster_jobs
from core.services.jobs import job_progress
from core.services.roster import ROSTER_HEADERS, RosterInvalid, roster_import, roster_template
from testsupport import ApiClient, LoginAs, World, xlsx_bytes

pytestmark = pytest.mark.django_db


class CommittingClient(Client):
    """Each request commits, as it does outside the test's transaction: the jobs the request queued after commit
    (the immediate task backend runs them in-process) have run when the response is read."""

    def request(self, **request: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client() -> Client:
    return CommittingClient()


def _row(n: int, **overrides: Any) -> list[Any]:
    values = {
        "学号": f"2027{n:05d}",
        "姓名": f"新生{n}",
        "性别": "男",
        "身份证号": make_id_number(n, birth=datetime.date(2004, 3, 1)),
        "手机号": f"137{n:08d}",
        "邮箱": f"n{n}@example.com",
        "毕业年度": 2027,
        "院系": "文法学院",
        "专业": "法学",
        "学历": "本科",
        **overrides,
    }
    return [values[h] for h in ROSTER_HEADERS]


def _upload(client: Client, rows: list[list[Any]], name: str = "生源.xlsx") -> Any:
    buffer = xlsx_bytes(list(ROSTER_HEADERS), rows)
    buffer.name = name
    return client.post(reverse("school:roster_import"), {"file": buffer})


def _job(response: Any) -> Job:
    assert response.status_code == 302, response.content.decode()[:500]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _running_import(world: World, *, total: int = 0) -> Job:
    """The school's import as a worker is running it (the one active job in the school's scope)."""
    return Job.objects.create(
        kind=Job.Kind.ROSTER,
        owner=world.school_admin,
        filename="a.xlsx",
        state=Job.State.RUNNING,
        scope=f"school:{world.school.pk}",
        params={"step": "import"},
        total=total,
    )


def test_template_download(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.get(reverse("school:roster_template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True)) == ROSTER_HEADERS


def test_template_example_passes_its_own_import(world: World) -> None:
    result = roster_import(world.school, io.BytesIO(roster_template()), dry_run=True, acting_user=world.school_admin)
    assert not result.errors


def test_every_error_is_listed_and_nothing_imported(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    rows = [
        _row(1),
        _row(2, 身份证号="110105194912310021"),  # wrong check digit
        _row(3, 手机号="12345", 学历="中专"),
        _row(4, 学号=_row(1)[0]),  # duplicate of row 2
    ]
    job = _job(_upload(client, rows))
    assert job.state == Job.State.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {(3, "身份证号"), (4, "手机号"), (4, "学历"), (5, "学号")}
    assert not job.file  # the upload is not kept
    page = client.get(reverse("school:roster_job", args=[job.pk])).content.decode()
    assert "校验未通过，未导入任何数据" in page
    assert "第3行" in page and "身份证号校验位不正确" in page
    assert "第4行" in page and "手机号应为11位大陆手机号码" in page and "学历应为专科" in page
    assert "学号与第2行重复" in page
    assert Student.objects.filter(school=world.school).count() == 2  # the world's own, untouched
    errors = client.get(reverse("school:roster_job_errors", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(errors.content)).active
    assert list(sheet.iter_rows(values_only=True))[1] == (3, "身份证号", "身份证号校验位不正确")


def test_preview_then_import(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    existing = world.student
    rows = [
        _row(1),
        _row(2, 院系="新闻传播学院", 专业="新闻学"),
        _row(3, 专业="社会学"),
        # an existing student (same 学号) with a new phone: an update
        [
            existing.student_no,
            existing.name,
            existing.gender,
            existing.id_number,
            "13900001111",
            "",
            2027,
            "文法学院",
            "法学",
            "本科",
        ],
    ]
    job = _job(_upload(client, rows))
    assert job.state == Job.State.READY
    assert job.preview == {
        "created": 3,
        "updated": 1,
        "unchanged": 0,
        "colleges_created": ["新闻传播学院"],
        "majors_created": ["文法学院/社会学", "新闻传播学院/新闻学"],
    }
    page = client.get(reverse("school:roster_job", args=[job.pk])).content.decode()
    assert "将新增学生" in page and "新闻传播学院" in page and "文法学院/社会学" in page and "确认导入" in page
    assert not College.objects.filter(name="新闻传播学院").exists()  # a dry run writes nothing

    response = client.post(reverse("school:roster_job_start", args=[job.pk]))
    assert response["Location"] == reverse("school:roster_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.result["created"] == 3 and job.result["updated"] == 1
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert not job.file
    assert Major.objects.filter(college__school=world.school, name="新闻学").exists()
    existing.refresh_from_db()
    assert existing.phone == "13900001111"
    new = Student.objects.get(student_no="202700001")
    user = User.objects.get(username="10145:202700001")
    assert new.user == user and user.must_change_password
    page = client.get(reverse("school:roster_job", args=[job.pk])).content.decode()
    assert "导入完成：新增 3 人，更新 1 人" in page and "100%" in page

    # starting twice does nothing more
    response = client.post(reverse("school:roster_job_start", args=[job.pk]), follow=True)
    assert "不能开始导入" in response.content.decode()


def test_second_try_after_fixing_the_file(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    bad = _job(_upload(client, [_row(1, 性别="女")]))
    assert bad.state == "invalid" and bad.errors[0]["message"] == "性别与身份证号不符"
    good = _job(_upload(client, [_row(1)]))
    assert good.state == "ready"
    client.post(reverse("school:roster_job_start", args=[good.pk]))
    assert Student.objects.filter(student_no="202700001").exists()
    page = client.get(reverse("school:roster_import")).content.decode()
    assert f"#{bad.pk}" in page and f"#{good.pk}" in page and "导入完成" in page


def test_import_revalidates_when_the_roster_changed(world: World, client: Client, login_as: LoginAs) -> None:
    """Between the preview and the import an account of this school took the 学号's login name (an account left
    without its roster row): the import refuses, nothing written."""
    login_as(world.school_admin)
    job = _job(_upload(client, [_row(1), _row(2)]))
    assert job.state == "ready"
    User.objects.create(username="10145:202700002")
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "invalid"
    message = "本校已有该学号的登录账号但不在生源中，请联系平台管理员"
    assert job.errors == [{"row": 3, "column": "学号", "message": message}]
    assert not Student.objects.filter(student_no="202700001").exists()


def test_another_schools_student_or_an_employer_named_like_the_number_blocks_nothing(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Issue 19: every school's 学号 space is its own, and 6(a): an employer account named like a future 学号 (or
    an account with the bare number from before) no longer makes the roster import refuse the row and the file."""
    other = roster_import(
        world.other_school,
        xlsx_bytes(
            list(ROSTER_HEADERS), [_row(1, 院系="法学院", 身份证号=make_id_number(91, birth=datetime.date(2004, 3, 1)))]
        ),
        dry_run=False,
        acting_user=world.other_school_admin,
    )
    assert other.created == 1
    User.objects.create(username="202700002", role="employer")
    login_as(world.school_admin)
    job = _job(_upload(client, [_row(1), _row(2)]))
    assert job.state == "ready", job.errors
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done"
    ours, theirs = (
        Student.objects.select_related("user").get(school=school, student_no="202700001")
        for school in (world.school, world.other_school)
    )
    assert ours.user is not None and theirs.user is not None
    assert (ours.user.username, theirs.user.username) == ("10145:202700001", "10140:202700001")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, None, "请选择要上传的生源文件"),
        (b"not a spreadsheet", "roster.csv", "请上传xlsx格式的文件"),
    ],
)
def test_bad_uploads_are_refused_beside_the_field(
    world: World, client: Client, content: Any, name: Any, message: str, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    data = {}
    if content is not None:
        buffer = io.BytesIO(content)
        buffer.name = name
        data["file"] = buffer
    response = client.post(reverse("school:roster_import"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.ROSTER).exists()


def test_broken_xlsx_and_wrong_headers_end_invalid(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    broken = io.BytesIO(b"PK not really a zip")
    broken.name = "x.xlsx"
    job = _job(client.post(reverse("school:roster_import"), {"file": broken}))
    assert job.state == "invalid" and "文件格式不正确" in job.detail
    wrong = xlsx_bytes(["姓名", "学号"], [["张三", "1"]])
    wrong.name = "y.xlsx"
    job = _job(client.post(reverse("school:roster_import"), {"file": wrong}))
    assert job.state == "invalid" and "表头缺少列" in job.detail
    page = client.get(reverse("school:roster_job", args=[job.pk])).content.decode()
    assert "表头缺少列" in page


def test_progress_fragment_polls_while_running(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    job = _running_import(world, total=200)
    job_progress(job, 50, 200)
    fragment = client.get(reverse("school:roster_job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'hx-get="' + reverse("school:roster_job_progress", args=[job.pk]) + '"' in html
    assert "已处理 50 / 200 行" in html and "25%" in html
    assert "<html" not in html  # only the panel
    Job.objects.filter(pk=job.pk).update(state="done", done=200, result={"created": 200, "updated": 0})
    html = client.get(reverse("school:roster_job_progress", args=[job.pk])).content.decode()
    assert "hx-get" not in html and "导入完成" in html  # polling stops


def test_one_import_per_school_at_a_time(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    _running_import(world)
    job = _job(_upload(client, [_row(1)]))
    response = client.post(reverse("school:roster_job_start", args=[job.pk]), follow=True)
    assert "另一份生源文件正在导入" in response.content.decode()
    job.refresh_from_db()
    assert job.state == "ready"


def test_a_large_roster_imports_through_the_job(world: World, client: Client, login_as: LoginAs) -> None:
    """20,000 rows: dry run, then the import, both through the task."""
    rows = [
        _row(
            n,
            学号=f"L{n:07d}",
            身份证号=make_id_number(n % 500, birth=datetime.date(2003, 1, 1) + datetime.timedelta(days=n // 500)),
            院系=f"学院{n % 12}",
            专业=f"专业{n % 40}",
        )
        for n in range(20_000)
    ]
    login_as(world.school_admin)
    job = _job(_upload(client, rows))
    assert job.state == "ready", job.detail
    assert job.preview["created"] == 20_000 and len(job.preview["colleges_created"]) == 12
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.done == 20_000
    assert Student.objects.filter(school=world.school, student_no__startswith="L").count() == 20_000


def test_a_job_whose_worker_died_does_not_block_the_next_import(
    world: World, client: Client, login_as: LoginAs
) -> None:
    import datetime as dt

    from django.utils import timezone

    login_as(world.school_admin)
    long_ago = timezone.now() - dt.timedelta(hours=2)
    stuck = _running_import(world)
    Job.objects.filter(pk=stuck.pk).update(updated_at=long_ago)
    page = client.get(reverse("school:roster_job", args=[stuck.pk])).content.decode()
    assert "请确认后台任务进程" in page
    job = _job(_upload(client, [_row(1)]))
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    stuck.refresh_from_db()
    assert job.state == "done"
    assert stuck.state == "failed" and "已中断，未导入任何数据" in stuck.detail


def test_the_dry_run_is_queued_only_after_commit(world: World, django_capture_on_commit_callbacks: Any) -> None:
    upload = SimpleUploadedFile("生源.xlsx", xlsx_bytes(list(ROSTER_HEADERS), [_row(1)]).getvalue())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = roster_jobs.roster_job_create(world.school, upload, acting_user=world.school_admin)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED  # a rollback would have left no job for a worker to find
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.READY


def test_the_api_shows_a_page_started_import_as_a_job(
    world: World, client: Client, login_as: LoginAs, api: ApiClient
) -> None:
    """The roster import is a Job like the others: GET /school/roster/imports/{id} answers its state, rows, preview,
    result and row errors; another school's admin gets 404."""
    login_as(world.school_admin)
    job = _job(_upload(client, [_row(1), _row(2)]))
    api.login(world.school_admin)
    answer = api.get(f"/school/roster/imports/{job.pk}").json()
    assert (answer["state"], answer["step"], answer["total"], answer["result"]) == ("ready", "validate", 2, None)
    assert answer["preview"]["created"] == 2 and answer["filename"] == "生源.xlsx"
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    answer = api.get(f"/school/roster/imports/{job.pk}").json()
    assert (answer["state"], answer["step"], answer["done"], answer["result"]["created"]) == ("done", "import", 2, 2)
    bad = _job(_upload(client, [_row(3, 手机号="123")]))
    answer = api.get(f"/school/roster/imports/{bad.pk}").json()
    assert answer["state"] == "invalid" and answer["errors"][0]["column"] == "手机号"
    api.login(world.other_school_admin)
    assert api.get(f"/school/roster/imports/{job.pk}").status_code == 404


def test_the_job_reports_rows_read_as_it_validates(
    world: World, client: Client, login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """done/total of the one Job model: the worker reports the rows it has read, up to the file's rows, as the
    dry run and the import read the file (what the progress panel shows)."""
    from core.services import roster as roster_service

    seen: list[tuple[int, int | None]] = []

    def spy(job: Job, done: int, total: int | None = None) -> None:
        seen.append((done, total))
        job_progress(job, done, total)

    monkeypatch.setattr(roster_service, "READ_REPORT_EVERY", 2)
    monkeypatch.setattr(roster_jobs, "job_progress", spy)
    login_as(world.school_admin)
    job = _job(_upload(client, [_row(n) for n in range(1, 5)]))
    assert job.state == "ready" and job.total == 4
    assert [done for done, _ in seen] == [1, 3, 4]  # every second row of the sheet, then the last one
    seen.clear()
    client.post(reverse("school:roster_job_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and (job.done, job.total) == (4, 4)
    assert [done for done, total in seen if total is None] == [1, 3, 4]  # read again before the write
    assert seen[-1] == (4, 4)  # the write's last batch


def test_a_graduate_already_on_the_roster_cannot_come_again_under_another_number(world: World) -> None:
    """The same 身份证号 under a new 学号 of the same 毕业年度 would count one graduate twice in 生源人数 and 签约率
    and give them two accounts (outsider F10): the row is refused by name and nothing is written. The same person
    in another 毕业年度 (a later degree, a new 学号) is allowed."""
    admin = world.school_admin
    roster_import(world.school, xlsx_bytes(list(ROSTER_HEADERS), [_row(1)]), dry_run=False, acting_user=admin)
    again = _row(2, 身份证号=_row(1)[ROSTER_HEADERS.index("身份证号")])
    with pytest.raises(RosterInvalid) as refused:
        roster_import(world.school, xlsx_bytes(list(ROSTER_HEADERS), [again]), dry_run=True, acting_user=admin)
    (error,) = refused.value.result.errors
    assert (error.row, error.column) == (2, "身份证号")
    assert "学号202700001（新生1）" in error.message
    assert not Student.objects.filter(student_no="202700002").exists()
    master = _row(3, 身份证号=_row(1)[ROSTER_HEADERS.index("身份证号")], 毕业年度=2030, 学历="硕士研究生")
    result = roster_import(world.school, xlsx_bytes(list(ROSTER_HEADERS), [master]), dry_run=False, acting_user=admin)
    assert result.created == 1
