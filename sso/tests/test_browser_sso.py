"""统一身份认证 in Chromium: the login page's buttons, the school's CAS and OIDC login pages (real servers),
back signed in; someone not on the roster sees the refusal."""

from __future__ import annotations

import re

import pytest

from core.models import User
from sso.config import SchoolSSO
from sso.tests.idp import IDP_PASSWORD, IdentityServers
from testsupport import Journey, World

pytestmark = pytest.mark.browser


def sign_in_at_school(journey: Journey, username: str, shot: str) -> None:
    page = journey.page
    page.wait_for_selector("#id_username")
    journey.shot(shot)
    page.fill("#id_username", username)
    page.fill("#id_password", IDP_PASSWORD)
    page.click("button[type=submit]")


def test_cas_and_oidc_sign_in_in_the_browser(
    world: World, journey: Journey, idp: IdentityServers, sso: dict[str, SchoolSSO]
) -> None:
    page = journey.page
    idp.enrol(world.student.student_no)
    idp.enrol(world.outsider_student.student_no)
    idp.enrol("20269999")
    idp.allow_redirect(journey.base + "/sso/oidc/callback/")
    accounts = User.objects.count()

    journey.go("/login/")
    journey.shot("login-page")
    page.click("text=东北大学 统一身份认证登录")
    page.wait_for_url(re.compile(re.escape(idp.cas_url) + "login"))
    sign_in_at_school(journey, world.student.student_no, "cas-login")
    page.wait_for_url(re.compile(r"/student/"))
    assert "李明（学生）" in page.inner_text("header")
    journey.shot("cas-signed-in")

    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login/"))
    page.click("text=辽宁大学 统一身份认证登录")
    page.wait_for_url(re.compile(re.escape(idp.url) + "/accounts/login/"))
    sign_in_at_school(journey, world.outsider_student.student_no, "oidc-login")
    page.wait_for_url(re.compile(r"/student/"))
    assert "张伟（学生）" in page.inner_text("header")
    journey.shot("oidc-signed-in")

    # Somebody the school's server knows but the roster does not: refused, no account made.
    page.click("button:has-text('退出')")
    page.goto(idp.cas_url + "logout")
    journey.go("/login/")
    page.click("text=东北大学 统一身份认证登录")
    sign_in_at_school(journey, "20269999", "cas-login-not-on-roster")
    page.wait_for_selector("#sso-refusal")
    assert "生源名单和管理员账号中没有这个学号或用户名" in page.inner_text("#sso-refusal")
    journey.shot("refused")
    assert User.objects.count() == accounts
