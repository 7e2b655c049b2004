"""Who may open what: anonymous → login, other roles → 403, another employer's object → 404, wrong method → 405,
and the first-use gate of 签约中心."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from testsupport import LoginAs, World, make_employer

# (url name, needs an agreement pk, allowed methods)
PAGES = [
    ("employer:home", False, {"GET"}),
    ("employer:account", False, {"GET", "POST"}),
    ("employer:password", False, {"GET", "POST"}),
    ("employer:confirm", False, {"GET", "POST"}),
    ("employer:profile", False, {"GET", "POST"}),
    ("employer:regions", False, {"GET"}),
    ("employer:invite", False, {"GET"}),
    ("employer:send_list_add", False, {"POST"}),
    ("employer:send_list_remove", False, {"POST"}),
    ("employer:send_list_import", False, {"POST"}),
    ("employer:send_list_template", False, {"GET"}),
    ("employer:letter", False, {"GET", "POST"}),
    ("employer:agreements", False, {"GET"}),
    ("employer:agreement_go", False, {"GET"}),
    ("employer:agreement_export", False, {"GET"}),
    ("employer:agreement_detail", True, {"GET"}),
    ("employer:agreement_modify", True, {"GET", "POST"}),
    ("employer:agreement_withdraw", True, {"GET", "POST"}),
    ("employer:terminations", False, {"GET"}),
    ("employer:termination_go", False, {"GET"}),
    ("employer:termination_export", False, {"GET"}),
    ("employer:termination_answer", True, {"GET", "POST"}),
    ("employer:termination_request", True, {"GET", "POST"}),
]
SIGNING_CENTER = [
    "employer:invite",
    "employer:send_list_template",
    "employer:agreements",
    "employer:agreement_export",
    "employer:terminations",
    "employer:termination_export",
]


def _url(name: str, with_pk: bool, pk: int = 1) -> str:
    return reverse(name, args=[pk]) if with_pk else reverse(name)


def _call(client: Client, method: str, url: str) -> Any:
    return client.get(url) if method == "GET" else client.post(url)


@pytest.mark.parametrize(("name", "with_pk", "methods"), PAGES)
def test_anonymous_goes_to_login(world: World, client: Client, name: str, with_pk: bool, methods: set[str]) -> None:
    agreement = world.reach("invited")
    url = _url(name, with_pk, agreement.pk)
    response = _call(client, sorted(methods)[0], url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("role", ["student", "college_admin", "school_admin"])
@pytest.mark.parametrize(("name", "with_pk", "methods"), PAGES)
def test_other_roles_get_403(
    world: World, login_as: LoginAs, role: str, name: str, with_pk: bool, methods: set[str]
) -> None:
    agreement = world.reach("invited")
    user = world.student.user if role == "student" else getattr(world, role)
    client = login_as(user)
    for method in methods:
        assert _call(client, method, _url(name, with_pk, agreement.pk)).status_code == 403


@pytest.mark.parametrize(("name", "with_pk", "methods"), PAGES)
def test_wrong_method_is_405(world: World, login_as: LoginAs, name: str, with_pk: bool, methods: set[str]) -> None:
    agreement = world.reach("invited")
    client = login_as(world.employer)
    url = _url(name, with_pk, agreement.pk)
    for method in {"GET", "POST", "PUT", "DELETE"} - methods:
        response = getattr(client, method.lower())(url)
        assert response.status_code == 405, (method, url)


@pytest.mark.parametrize(("name", "with_pk", "methods"), [p for p in PAGES if p[1]])
def test_another_employers_agreement_is_404(
    world: World, login_as: LoginAs, name: str, with_pk: bool, methods: set[str]
) -> None:
    agreement = world.reach("effective")
    client = login_as(world.other_employer)
    for method in methods:
        assert _call(client, method, _url(name, with_pk, agreement.pk)).status_code == 404


@pytest.mark.parametrize("action", ["detail", "modify", "withdraw", "termination"])
def test_toolbar_with_another_employers_id_is_404(world: World, login_as: LoginAs, action: str) -> None:
    agreement = world.reach("invited")
    client = login_as(world.other_employer)
    response = client.get(reverse("employer:agreement_go"), {"action": action, "ids": str(agreement.pk)})
    assert response.status_code == 404
    response = client.get(reverse("employer:termination_go"), {"action": "detail", "ids": str(agreement.pk)})
    assert response.status_code == 404


@pytest.mark.parametrize("name", SIGNING_CENTER)
def test_first_use_opens_the_confirm_form(db: None, login_as: LoginAs, name: str) -> None:
    fresh = make_employer("新注册单位", profile=False)
    client = login_as(fresh)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("employer:confirm") + "?next=" + reverse(name).replace("/", "%2F")
    page = client.get(response["Location"])
    assert "签约信息确认" in page.content.decode()


def test_first_use_gate_also_on_the_profile_page(db: None, login_as: LoginAs) -> None:
    client = login_as(make_employer(profile=False))
    response = client.get(reverse("employer:profile"))
    assert response["Location"].startswith(reverse("employer:confirm"))


def test_post_before_the_profile_is_confirmed_goes_to_the_form(db: None, login_as: LoginAs) -> None:
    client = login_as(make_employer(profile=False))
    response = client.post(reverse("employer:send_list_add"), {"student_id": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("employer:confirm"))


def test_home_sends_a_verified_employer_to_the_signing_center(world: World, login_as: LoginAs) -> None:
    response = login_as(world.employer).get(reverse("employer:home"))
    assert response["Location"] == reverse("employer:agreements")


def test_unverified_employer_awaits_verification_and_cannot_search(world: World, login_as: LoginAs) -> None:
    pending = make_employer("待审核单位", verified=False)
    client = login_as(pending)
    home = client.get(reverse("employer:home")).content.decode()
    assert "单位资质正在等待学校审核" in home
    assert "待审核" in home
    s = world.student
    page = client.get(
        reverse("employer:invite"),
        {"search": "1", "year": str(s.graduation_year), "name": s.name, "keyword": s.id_number},
    ).content.decode()
    assert "单位资质审核通过后才能搜索学生" in page
    assert "<fieldset disabled>" in page
    assert 'id="wq-results"' not in page
    assert client.post(reverse("employer:send_list_add"), {"student_id": s.pk}).status_code == 403
