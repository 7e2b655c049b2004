"""Who may open which student page: the owner can, another student gets 404, other roles 403, anonymous
visitors go to the login page, and a wrong method answers 405."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from testsupport import LoginAs, World

pytestmark = pytest.mark.django_db

PAGES = ["student:home", "student:invitations", "student:agreement", "student:messages", "student:profile"]
# (url name, status the agreement is in for the page to make sense, methods the page accepts)
AGREEMENT_PAGES = [
    ("student:invitation_detail", "invited", {"GET"}),
    ("student:invitation_accept", "invited", {"GET", "POST"}),
    ("student:invitation_decline", "invited", {"GET", "POST"}),
    ("student:agreement_detail", "effective", {"GET"}),
    ("student:termination_request", "effective", {"GET", "POST"}),
    ("student:termination_withdraw", "termination_requested", {"POST"}),
    ("student:termination_answer", "termination_requested", {"GET", "POST"}),
]


def test_home_url_exists() -> None:
    assert reverse("student:home") == "/student/"


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["employer", "college_admin", "school_admin"])
def test_other_roles_are_forbidden(world: World, name: str, persona: str, login_as: LoginAs) -> None:
    response = login_as(getattr(world, persona)).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "status", "methods"), AGREEMENT_PAGES)
def test_other_roles_are_forbidden_on_agreement_pages(
    world: World, name: str, status: str, methods: set[str], login_as: LoginAs
) -> None:
    agreement = world.reach(status)
    for persona in ("employer", "college_admin", "school_admin"):
        client = login_as(getattr(world, persona))
        for method in methods:
            response = getattr(client, method.lower())(reverse(name, args=[agreement.pk]))
            assert response.status_code == 403, (persona, method)


@pytest.mark.parametrize(("name", "status", "methods"), AGREEMENT_PAGES)
def test_another_students_agreement_is_not_found(
    world: World, name: str, status: str, methods: set[str], login_as: LoginAs
) -> None:
    agreement = world.reach(status, student=world.other_student)
    for intruder in (world.student, world.outsider_student):
        client = login_as(intruder.user)
        for method in methods:
            response = getattr(client, method.lower())(reverse(name, args=[agreement.pk]))
            assert response.status_code == 404, (intruder, method)
    agreement.refresh_from_db()
    assert agreement.status == status  # nothing changed


def test_unknown_agreement_is_not_found(student_client: Client) -> None:
    assert student_client.get(reverse("student:agreement_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(("name", "status", "methods"), AGREEMENT_PAGES)
def test_wrong_method(world: World, student_client: Client, name: str, status: str, methods: set[str]) -> None:
    agreement = world.reach(status)
    url = reverse(name, args=[agreement.pk])
    for method in {"GET", "POST", "PUT", "DELETE"} - methods:
        assert getattr(student_client, method.lower())(url).status_code == 405, method


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_get_only(student_client: Client, name: str) -> None:
    assert student_client.post(reverse(name)).status_code == 405
    assert student_client.get(reverse(name), follow=True).status_code == 200


def test_menu_on_every_page(student_client: Client) -> None:
    page = student_client.get(reverse("student:profile")).content.decode()
    for label in ("我的邀约", "我的协议", "消息", "个人信息", "修改密码", "退出"):
        assert label in page
    assert reverse("web:password_change") in page
    assert reverse("web:logout") in page
