"""签约审核: the two queues, the detail with its actions, 通过 / 退回 / 批量通过."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Agreement, Status
from core.selectors import review_queue_counts
from core.services import agreements as wf
from school.tests.conftest import Reach
from testsupport import LoginAs, World, confirm, make_student

pytestmark = pytest.mark.django_db
CONFIRMED = {"confirmed": "1"}  # what the page's confirmation (dialog or page) sends


def test_college_queue_shows_only_own_college_awaiting_college_review(
    world: World, client: Client, reach: Reach, login_as: LoginAs
) -> None:
    mine = reach("college_review", name="甲同学")
    reach("college_review", college=world.other_college, name="乙同学")
    reach("school_review", name="丙同学")
    reach("invited", name="丁同学")
    login_as(world.college_admin)
    page = client.get(reverse("school:reviews")).content.decode()
    assert "待学院审核" in page
    assert "甲同学" in page
    assert "乙同学" not in page and "丙同学" not in page and "丁同学" not in page
    assert reverse("school:agreement", args=[mine.pk]) in page


def test_school_queue_shows_school_review_of_every_college(
    world: World, client: Client, reach: Reach, login_as: LoginAs
) -> None:
    reach("school_review", name="甲同学")
    reach("school_review", college=world.other_college, name="乙同学")
    reach("college_review", name="丙同学")
    login_as(world.school_admin)
    page = client.get(reverse("school:reviews")).content.decode()
    assert "待学校审核" in page
    assert "甲同学" in page and "乙同学" in page
    assert "丙同学" not in page


def test_queue_filters(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    reach("school_review", name="甲同学")
    reach("school_review", college=world.other_college, name="乙同学", major="计算机科学与技术")
    login_as(world.school_admin)
    page = client.get(reverse("school:reviews"), {"college": world.other_college.pk}).content.decode()
    assert "乙同学" in page and "甲同学" not in page
    page = client.get(reverse("school:reviews"), {"major": "计算机"}).content.decode()
    assert "乙同学" in page and "甲同学" not in page
    page = client.get(reverse("school:reviews"), {"from": "2027-13-01"}).content.decode()
    assert "邀请起始日期格式应为年-月-日" in page and "甲同学" not in page


def test_detail_shows_parties_terms_versions_and_trace(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    wf.agreement_modify(agreement, terms={"position": "法务专员"}, acting_user=world.employer)
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    login_as(world.college_admin)
    page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    for text in ("单位发起签约", "学生处理", "管理员审核", "就业信息", "甲方", "乙方", "流程追踪"):
        assert text in page, text
    assert world.student.id_number in page  # reviewers see their students' data in full
    assert world.employer.employer.credit_code in page
    assert "条款版本" in page and "第2版" in page and "第1版" in page
    assert "软件开发工程师" in page and "法务专员" in page  # the change, old → new
    assert "单位修改邀约" in page  # 流程追踪
    assert "签约审核（待学院审核）" in page  # the college admin may act on it
    login_as(world.school_admin)
    page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert "签约审核（" not in page  # not at the school's level yet


def test_college_then_school_approve(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    response = client.post(reverse("school:agreement_approve", args=[agreement.pk]), CONFIRMED)
    assert response.status_code == 302 and response["Location"] == reverse("school:reviews")
    agreement.refresh_from_db()
    assert agreement.status == Status.SCHOOL_REVIEW
    login_as(world.school_admin)
    client.post(reverse("school:agreement_approve", args=[agreement.pk]), CONFIRMED)
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE and agreement.number
    page = client.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert agreement.number in page and "学校审核通过" in page


def test_return_requires_a_remark_and_keeps_nothing_changed(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    response = client.post(reverse("school:agreement_return", args=[agreement.pk]), {"remark": "   "})
    assert response.status_code == 400
    assert "不能为空" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.COLLEGE_REVIEW
    long = "很" * 201
    response = client.post(reverse("school:agreement_return", args=[agreement.pk]), {"remark": long})
    assert response.status_code == 400 and long in response.content.decode()  # what was typed stays
    response = client.post(reverse("school:agreement_return", args=[agreement.pk]), {"remark": "缺少单位盖章页"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.RETURNED
    assert agreement.events.last().remark == "缺少单位盖章页"  # type: ignore[union-attr]


def test_wrong_level_is_explained_not_done(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("school_review")
    login_as(world.college_admin)
    response = client.post(reverse("school:agreement_approve", args=[agreement.pk]), follow=True)
    assert "该协议书正等待学校审核" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.SCHOOL_REVIEW
    login_as(world.school_admin)
    college_level = world.reach("college_review", student=make_student(world.college))
    response = client.post(reverse("school:agreement_approve", args=[college_level.pk]), follow=True)
    assert "该协议书正等待学院审核" in response.content.decode()


def test_next_keeps_the_list_filters(world: World, client: Client, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    back = reverse("school:reviews") + "?name=%E6%9D%8E"
    response = client.post(reverse("school:agreement_approve", args=[agreement.pk]), {"next": back, **CONFIRMED})
    assert response["Location"] == back
    other = world.reach("college_review", student=make_student(world.college))
    response = client.post(
        reverse("school:agreement_approve", args=[other.pk]), {"next": "https://evil.example/", **CONFIRMED}
    )
    assert response["Location"] == reverse("school:reviews")


def test_batch_approve(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    a, b = reach("college_review"), reach("college_review")
    other_college = reach("college_review", college=world.other_college)
    outsider = world.reach("college_review", student=world.outsider_student)
    login_as(world.college_admin)
    response = client.post(
        reverse("school:reviews_approve_batch"),
        {"ids": [a.pk, b.pk, other_college.pk, outsider.pk], **CONFIRMED},
        follow=True,
    )
    page = response.content.decode()
    assert "已审核通过2份协议书" in page
    assert page.count("对象不存在或无权访问") == 2  # the two that are not this college's
    ids = [a.pk, b.pk, other_college.pk, outsider.pk]
    statuses = dict(Agreement.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {
        a.pk: "school_review",
        b.pk: "school_review",
        other_college.pk: "college_review",
        outsider.pk: "college_review",
    }
    response = client.post(reverse("school:reviews_approve_batch"), {}, follow=True)
    assert "请先勾选" in response.content.decode()


def test_school_batch_makes_effective(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    rows = [reach("school_review") for _ in range(3)]
    login_as(world.school_admin)
    client.post(reverse("school:reviews_approve_batch"), {"ids": [r.pk for r in rows], **CONFIRMED})
    numbers = set(Agreement.objects.filter(pk__in=[r.pk for r in rows]).values_list("number", flat=True))
    assert len(numbers) == 3 and None not in numbers


@pytest.mark.parametrize("user_attr", ["college_admin", "school_admin"])
def test_queue_query_count_is_constant(
    world: World, client: Client, reach: Reach, user_attr: str, login_as: LoginAs
) -> None:
    status = "college_review" if user_attr == "college_admin" else "school_review"
    login_as(getattr(world, user_attr))
    reach(status)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("school:reviews")).status_code == 200
    for _ in range(6):
        reach(status)
    cache.clear()  # both views measured with cold caches (filter choices are kept)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("school:reviews")).content.decode()
    assert page.count(">查看详情</a>") == 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_menus_review_counts_are_one_query(world: World, reach: Reach) -> None:
    """The school admin's two badges (签约审核, 解约审核) on every page of the portal come from one query (issue 22);
    the college admin has one badge, one query."""
    reach("school_review")
    reach("school_review", name="乙同学")
    reach("termination_review", name="丙同学")
    reach("college_review", name="丁同学")
    with CaptureQueriesContext(connection) as school:
        assert review_queue_counts(world.school_admin) == {"reviews": 2, "terminations": 1}
    with CaptureQueriesContext(connection) as college:
        assert review_queue_counts(world.college_admin) == {"reviews": 1}
    assert len(school) == 1 and len(college) == 1
