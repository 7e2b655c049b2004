"""Who may open which page: anonymous → login, other roles → 403, college admins on school-only pages → 403,
wrong method → 405; objects of another college or school → 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db

# (url name, needs a pk kind, method, school admin only)
PAGES = [
    ("school:home", None, "get", False),
    ("school:reviews", None, "get", False),
    ("school:reviews_approve_batch", None, "post", False),
    ("school:terminations", None, "get", True),
    ("school:agreements", None, "get", False),
    ("school:agreements_export", None, "get", False),
    ("school:agreement", "agreement", "get", False),
    ("school:agreement_approve", "agreement", "post", False),
    ("school:agreement_return", "agreement", "post", False),
    ("school:termination_approve", "agreement", "post", True),
    ("school:termination_return", "agreement", "post", True),
    ("school:roster_import", None, "get", True),
    ("school:roster_template", None, "get", True),
    ("school:roster_job", "job", "get", True),
    ("school:roster_job_progress", "job", "get", True),
    ("school:roster_job_start", "job", "post", True),
    ("school:roster_job_errors", "job", "get", True),
    ("school:students", None, "get", False),
    ("school:student", "student", "get", False),
    ("school:student_edit", "student", "get", True),
    ("school:employers", None, "get", True),
    ("school:employer", "employer", "get", True),
    ("school:employer_verify", "employer", "post", True),
    ("school:employer_licence", "licensed", "get", True),
    ("school:employer_licence_preview", "licensed", "get", True),
    ("school:stats", None, "get", False),
    ("school:stats_export", None, "get", False),
    ("school:plan", None, "get", True),
    ("school:plan_export", None, "get", True),
    ("school:settings", None, "get", True),
    ("school:staff", None, "get", True),
    ("school:staff_add", None, "get", True),
    ("school:staff_detail", "staff", "get", True),
    ("school:staff_disable", "staff", "post", True),
    ("school:staff_enable", "staff", "post", True),
    ("school:staff_invite", "staff", "post", True),
]
# Pages that take GET only answer another method with 405; POST-only ones answer GET with 405.
WRONG_METHOD = {"get": "post", "post": "get"}


def _url(world: World, name: str, kind: str | None) -> str:
    if kind is None:
        return reverse(name)
    if kind == "agreement":
        pk = world.reach("college_review").pk
    elif kind == "student":
        pk = world.student.pk
    elif kind == "employer":
        pk = world.employer.employer.pk
    elif kind == "licensed":
        from testsupport import make_employer

        pk = make_employer(verified=False, licence=True).employer.pk
    elif kind == "staff":
        pk = world.other_college_admin.pk
    else:
        from core.models import Job

        pk = Job.objects.create(
            kind=Job.Kind.ROSTER, owner=world.school_admin, filename="a.xlsx", state=Job.State.INVALID
        ).pk
    return reverse(name, args=[pk])


@pytest.mark.parametrize(("name", "kind", "method", "school_only"), PAGES)
def test_anonymous_goes_to_login(
    world: World, client: Client, name: str, kind: Any, method: str, school_only: bool
) -> None:
    response = getattr(client, method)(_url(world, name, kind))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize(("name", "kind", "method", "school_only"), PAGES)
def test_other_roles_get_403(
    world: World, client: Client, name: str, kind: Any, method: str, school_only: bool, login_as: LoginAs
) -> None:
    url = _url(world, name, kind)
    for user in (world.employer, world.student.user):
        login_as(user)
        assert getattr(client, method)(url).status_code == 403, (user.role, url)


@pytest.mark.parametrize(("name", "kind", "method", "school_only"), PAGES)
def test_college_admin(
    world: World, client: Client, name: str, kind: Any, method: str, school_only: bool, login_as: LoginAs
) -> None:
    """School-only pages answer 403 to a college admin; the others let them in (or redirect after a POST)."""
    url = _url(world, name, kind)
    login_as(world.college_admin)
    response = getattr(client, method)(url)
    if school_only:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302, 400), response.status_code  # 400: a POST without its remark


@pytest.mark.parametrize(("name", "kind", "method", "school_only"), PAGES)
def test_wrong_method_405(
    world: World, client: Client, name: str, kind: Any, method: str, school_only: bool, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    url = _url(world, name, kind)
    wrong = WRONG_METHOD[method]
    if name in ("school:roster_import", "school:student_edit", "school:settings", "school:staff_add"):
        wrong = "put"  # GET shows the form, POST submits it
    assert getattr(client, wrong)(url).status_code == 405


@pytest.mark.parametrize(("name", "kind", "method", "school_only"), PAGES)
def test_school_admin_opens_every_page(
    world: World, client: Client, name: str, kind: Any, method: str, school_only: bool, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    response = getattr(client, method)(_url(world, name, kind))
    assert response.status_code in (200, 302, 400), response.status_code  # 400: a POST without its remark


def test_home_menu_shows_only_what_each_admin_may_use(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.college_admin)
    page = client.get(reverse("school:home")).content.decode()
    assert "学院管理中心" in page and "签约审核" in page and "签约查询" in page and "签约统计" in page
    for hidden in ("解约审核", "生源导入", "单位资质审核", "就业方案导出", "学校设置"):
        assert hidden not in page, hidden
    login_as(world.school_admin)
    page = client.get(reverse("school:home")).content.decode()
    for shown in ("学校管理中心", "解约审核", "生源导入", "单位资质审核", "就业方案导出", "学校设置"):
        assert shown in page, shown


def test_web_home_redirects_both_admins_here(world: World, client: Client, login_as: LoginAs) -> None:
    for user in (world.college_admin, world.school_admin):
        login_as(user)
        assert client.get("/")["Location"] == reverse("school:home")


POSTED = {"remark": "x", "confirmed": "1"}


@pytest.mark.parametrize("name", ["school:agreement", "school:agreement_approve", "school:agreement_return"])
def test_other_college_and_school_agreements_are_404(
    world: World, client: Client, name: str, login_as: LoginAs
) -> None:
    other_college = world.reach("college_review", student=world.other_student)
    outsider = world.reach("college_review", student=world.outsider_student)
    method = "get" if name == "school:agreement" else "post"
    login_as(world.college_admin)
    for agreement in (other_college, outsider):
        assert getattr(client, method)(reverse(name, args=[agreement.pk]), POSTED).status_code == 404
    login_as(world.school_admin)
    assert getattr(client, method)(reverse(name, args=[outsider.pk]), POSTED).status_code == 404
    assert client.get(reverse("school:agreement", args=[999999])).status_code == 404
    # nothing changed
    other_college.refresh_from_db()
    outsider.refresh_from_db()
    assert (other_college.status, outsider.status) == ("college_review", "college_review")


def test_other_school_objects_are_404(world: World, client: Client, login_as: LoginAs) -> None:
    from core.models import Job

    job = Job.objects.create(
        kind=Job.Kind.ROSTER, owner=world.other_school_admin, filename="a.xlsx", state=Job.State.READY
    )
    login_as(world.school_admin)
    assert client.get(reverse("school:student", args=[world.outsider_student.pk])).status_code == 404
    assert client.get(reverse("school:student_edit", args=[world.outsider_student.pk])).status_code == 404
    assert client.get(reverse("school:roster_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("school:roster_job_start", args=[job.pk])).status_code == 404
    assert client.get(reverse("school:roster_job_errors", args=[job.pk])).status_code == 404
    login_as(world.college_admin)
    assert client.get(reverse("school:student", args=[world.other_student.pk])).status_code == 404
