"""The school's signing season in Chromium, one screenshot per step (test-artifacts/screenshots/<test>/):
import a roster (first with an error, then fixed), approve as the college, approve as the school, see the
statistics change. Tasks run inline in tests, so the import finishes within the request."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.identifiers import make_id_number
from core.models import Agreement, Job, Status, Student
from core.services import agreements as wf
from core.services.jobs import job_progress
from core.services.roster import ROSTER_HEADERS
from testsupport import Journey, World, confirm, invite, xlsx_bytes

pytestmark = pytest.mark.browser


def _roster(tmp_path: Path, name: str, *, broken: bool) -> str:
    rows = []
    for n, (student_name, major) in enumerate([("周新", "法学"), ("吴越", "法学"), ("郑和", "知识产权")], start=1):
        id_number = make_id_number(n, birth=datetime.date(2004, 9, n))
        if broken and n == 2:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # a wrong check digit
        rows.append(
            [f"20279{n:03d}", student_name, "男", id_number, f"1380000{n:04d}", "", 2027, "文法学院", major, "本科"]
        )
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(list(ROSTER_HEADERS), rows).getvalue())
    return str(path)


def test_school_season_journey(world: World, journey: Journey, tmp_path: Path, settings: Any) -> None:
    settings.STATS_CACHE_SECONDS = 0  # the journey reads 统计 before and after the season, seconds apart
    page = journey.page

    # 学校管理员登录 → 学校管理中心
    journey.login("school_neu", landing=r"/school/$")
    expect(page.locator("h1", has_text="学校管理中心")).to_be_visible()
    journey.shot("school-home")

    # 统计 before the season: nobody signed yet
    journey.go("/school/stats/?year=2027")
    assert page.locator("[data-stat=rate]").inner_text() == "0.0%"
    journey.shot("stats-before")

    # 生源导入 with an error: every error by row and column, nothing imported
    page.click("nav.wq-menu >> text=生源导入")
    page.set_input_files("#id_file", _roster(tmp_path, "生源名单-有误.xlsx", broken=True))
    journey.shot("roster-upload-form")
    page.click("button:has-text('上传并校验')")
    page.wait_for_url(re.compile(r"/school/roster/import/\d+/$"))
    expect(page.locator(".alert-danger", has_text="校验未通过，未导入任何数据")).to_be_visible()
    expect(page.locator("td", has_text="第3行")).to_be_visible()
    expect(page.locator("td", has_text="身份证号校验位不正确")).to_be_visible()
    journey.shot("roster-errors-by-row-and-column")
    assert not Student.objects.filter(student_no="20279001").exists()

    # fixed file, uploaded again from the same page → preview of what will be created, with the new 专业
    page.set_input_files("#id_file", _roster(tmp_path, "生源名单.xlsx", broken=False))
    page.click("button:has-text('上传并校验')")
    page.wait_for_url(re.compile(r"/school/roster/import/\d+/$"))
    expect(page.locator("text=校验通过：文件共 3 行")).to_be_visible()
    expect(page.locator("td", has_text="文法学院/知识产权")).to_be_visible()
    journey.shot("roster-preview")

    # 确认导入 → the job runs; the progress bar ends at 100%
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("text=导入完成：新增 3 人")
    expect(page.locator(".progress-bar", has_text="100%")).to_be_visible()
    journey.shot("roster-imported")
    page.click("text=查看生源名单")
    expect(page.locator("td", has_text="周新")).to_be_visible()
    journey.shot("roster-student-list")

    # an employer invites two of the new students, both accept (their side, through the workflow)
    students = list(Student.objects.filter(student_no__in=["20279001", "20279003"]).order_by("student_no"))
    agreements = invite(world.employer, *students)
    for agreement, student in zip(agreements, students, strict=True):
        assert student.user is not None
        wf.agreement_accept(
            agreement, acting_user=student.user, confirmation=confirm(student.user, "accept", agreement)
        )

    # 学院审核: the college admin approves one from the detail page and the other from the list
    journey.login("college_law", landing=r"/school/$")
    expect(page.locator("h1", has_text="学院管理中心")).to_be_visible()
    assert page.locator("nav.wq-menu >> text=生源导入").count() == 0  # a college admin sees only what they use
    page.click("nav.wq-menu >> text=签约审核")
    expect(page.locator("td", has_text="周新")).to_be_visible()
    expect(page.locator("td", has_text="郑和")).to_be_visible()
    journey.shot("college-review-queue")
    page.locator("tr", has_text="周新").locator("text=查看详情").click()
    expect(page.locator("h2", has_text="签约审核（待学院审核）")).to_be_visible()
    expect(page.locator("text=流程追踪")).to_be_visible()
    journey.shot("college-review-detail")
    page.once("dialog", lambda dialog: dialog.accept())  # 通过 asks first, like 批量通过
    page.click("button:has-text('通过')")
    page.wait_for_url(re.compile(r"/school/reviews/"))
    expect(page.locator(".alert-success", has_text="审核通过")).to_be_visible()
    journey.shot("college-approved-one")
    page.locator("tr", has_text="郑和").locator("input[name=ids]").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('批量通过')")
    page.wait_for_selector(".alert-success >> text=已审核通过1份协议书")
    journey.shot("college-batch-approved")
    assert set(Agreement.objects.filter(pk__in=[a.pk for a in agreements]).values_list("status", flat=True)) == {
        Status.SCHOOL_REVIEW
    }

    # 学校审核: batch-approve both with 全选
    journey.login("school_neu", landing=r"/school/$")
    page.click("nav.wq-menu >> text=签约审核")
    expect(page.locator("text=待学校审核").first).to_be_visible()
    page.check("input[data-check-all]")
    journey.shot("school-review-queue-selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('批量通过')")
    page.wait_for_selector(".alert-success >> text=已审核通过2份协议书")
    journey.shot("school-batch-approved")
    numbers = list(Agreement.objects.filter(pk__in=[a.pk for a in agreements]).values_list("number", flat=True))
    assert all(numbers)

    # 签约查询 shows them as 签约审核通过
    page.click("nav.wq-menu >> text=签约查询")
    page.click("a.nav-link:has-text('已应约')")
    expect(page.locator("td", has_text="签约审核通过")).to_have_count(2)
    journey.shot("search-accepted")

    # 统计: 2 of 5 students of 2027 now have an effective agreement
    page.click("nav.wq-menu >> text=签约统计")
    page.select_option("select[name=year]", "2027")
    page.click("button:has-text('查询')")
    assert page.locator("[data-stat=effective]").inner_text() == "2"
    assert page.locator("[data-stat=rate]").inner_text() == "40.0%"
    # Chart.js sizes the canvas once it has drawn (a locator wait: the CSP forbids wait_for_function's eval).
    expect(page.locator("#chart-status")).to_have_attribute("width", re.compile(r"^[1-9][0-9]*$"))
    journey.shot("stats-after")


def test_roster_progress_bar_polls(world: World, journey: Journey) -> None:
    """The job page follows a running import through the htmx fragment until it ends."""
    page = journey.page
    job = Job.objects.create(
        kind=Job.Kind.ROSTER,
        owner=world.school_admin,
        filename="生源名单.xlsx",
        state=Job.State.RUNNING,
        scope=f"school:{world.school.pk}",
        params={"step": "import"},
        total=20000,
    )
    journey.login("school_neu", landing=r"/school/$")
    journey.go(f"/school/roster/import/{job.pk}/")
    expect(page.locator("text=正在导入")).to_be_visible()
    journey.shot("import-validating-again")
    job_progress(job, 12000, 20000)
    page.wait_for_selector("text=已处理 12000 / 20000 行")
    expect(page.locator(".progress-bar", has_text="60%")).to_be_visible()
    journey.shot("import-progress-60")
    Job.objects.filter(pk=job.pk).update(
        state="done", done=20000, result={"created": 19990, "updated": 10, "unchanged": 0}
    )
    page.wait_for_selector("text=导入完成：新增 19990 人，更新 10 人")
    journey.shot("import-done")
