"""`next` and `back` are read in one place (web.navigation): a value that is not a page of this site falls back
to a sensible page, never a 500, and never leads to another host."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from testsupport import PASSWORD, LoginAs, World
from web.navigation import safe_target

pytestmark = pytest.mark.django_db

UNSAFE = [
    "abc",  # not a path: redirect() would try it as a URL name (NoReverseMatch, a 500)
    "agreements",
    "https://evil.example/employer/",
    "//evil.example/employer/",
    "/\\evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/no/such/page/",  # a path of this host, but no page
    " /employer/",
]


@pytest.mark.parametrize("value", UNSAFE)
def test_safe_target_refuses_what_is_not_a_page_here(value: str) -> None:
    request = RequestFactory().get("/", {"next": value})
    assert safe_target(request, "/fallback/") == "/fallback/"


def test_safe_target_keeps_a_page_of_this_site_with_its_query() -> None:
    request = RequestFactory().post("/", {"back": "/employer/agreements/?tab=invited&page=2"})
    assert safe_target(request, "/fallback/", param="back") == "/employer/agreements/?tab=invited&page=2"
    # POST wins over the query string, as the forms post what the page was opened with
    request = RequestFactory().post("/?next=/school/reviews/", {"next": "/school/terminations/"})
    assert safe_target(request, "/fallback/") == "/school/terminations/"


@pytest.mark.parametrize("value", UNSAFE)
def test_employer_toolbar_with_a_bad_back_returns_to_the_list(
    client: Client, world: World, value: str, login_as: LoginAs
) -> None:
    login_as(world.employer)
    for url, fallback in (
        ("/employer/agreements/go/", "/employer/agreements/"),
        ("/employer/terminations/go/", "/employer/terminations/"),
    ):
        response = client.get(url, {"back": value})
        assert response.status_code == 302
        assert response["Location"] == fallback


def test_employer_toolbar_keeps_a_good_back(client: Client, world: World, login_as: LoginAs) -> None:
    login_as(world.employer)
    response = client.get("/employer/agreements/go/", {"back": "/employer/agreements/?tab=invited"})
    assert response["Location"] == "/employer/agreements/?tab=invited"


@pytest.mark.parametrize("value", UNSAFE)
def test_employer_confirm_with_a_bad_next_goes_to_the_signing_center(
    client: Client, world: World, value: str, login_as: LoginAs
) -> None:
    login_as(world.employer)  # 签约信息 already confirmed: the page moves straight on
    response = client.get("/employer/confirm/", {"next": value})
    assert response.status_code == 302
    assert response["Location"] == "/employer/agreements/"


@pytest.mark.parametrize("value", UNSAFE)
def test_send_list_with_a_bad_back_returns_to_the_invite_page(
    client: Client, world: World, value: str, login_as: LoginAs
) -> None:
    login_as(world.employer)
    response = client.post("/employer/invite/remove/", {"back": value})
    assert response.status_code == 302
    assert response["Location"] == "/employer/invite/"


@pytest.mark.parametrize("value", UNSAFE)
def test_school_detail_with_a_bad_next_links_back_to_the_list(
    client: Client, world: World, value: str, login_as: LoginAs
) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    page = client.get(f"/school/agreements/{agreement.pk}/", {"next": value})
    assert page.status_code == 200
    assert 'href="/school/agreements/">返回</a>' in page.content.decode()
    done = client.post(f"/school/agreements/{agreement.pk}/approve/", {"next": value, "confirmed": "1"})
    assert done.status_code == 302
    assert done["Location"] == "/school/reviews/"


def test_school_detail_keeps_the_list_it_came_from(client: Client, world: World, login_as: LoginAs) -> None:
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    page = client.get(f"/school/agreements/{agreement.pk}/", {"next": "/school/reviews/?page=1"})
    assert 'href="/school/reviews/?page=1">返回</a>' in page.content.decode()
    done = client.post(
        f"/school/agreements/{agreement.pk}/approve/", {"next": "/school/reviews/?page=1", "confirmed": "1"}
    )
    assert done["Location"] == "/school/reviews/?page=1"


@pytest.mark.parametrize("value", UNSAFE)
def test_login_with_a_bad_next_goes_home(world: World, client: Client, value: str) -> None:
    response = client.post(
        f"/login/?next={value}", {"username": world.school_admin.username, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_with_a_page_here_as_next_goes_there(world: World, client: Client) -> None:
    response = client.post(
        "/login/?next=/school/reviews/", {"username": world.school_admin.username, "password": PASSWORD}
    )
    assert response["Location"] == "/school/reviews/"
