"""统一身份认证 sign-in against real servers (sso_servers/, started once per session): 东北大学 signs in through
CAS 3.0, 辽宁大学 through OpenID Connect. The person's part at the school's login page is driven over HTTP; the
browser journey is test_browser_sso.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from core.models import User
from sso.config import SESSION_KEY, SchoolSSO
from sso.models import SSOFailure
from sso.tests.idp import IdentityServers, free_port, query_of, sign_in_at
from testsupport import PASSWORD, World

pytestmark = pytest.mark.django_db

CAS = "/sso/10145/cas/"
OIDC = "/sso/10140/oidc/"


def cas_ticket(client: Client, idp: IdentityServers, username: str, path: str = CAS) -> str:
    """The way back from the CAS server after `username` signed in there: our service URL with a ticket."""
    start = client.get(path)
    assert start.status_code == 302 and start["Location"].startswith(idp.cas_url + "login?")
    back = sign_in_at(start["Location"], username)
    assert back.startswith("http://testserver" + path.split("?")[0]) and "ticket=" in back, back
    return back.removeprefix("http://testserver")


def oidc_callback(client: Client, username: str, path: str = OIDC) -> str:
    start = client.get(path)
    assert start.status_code == 302, start.content
    back = sign_in_at(start["Location"], username)
    assert back.startswith("http://testserver/sso/oidc/callback/?"), back
    return back.removeprefix("http://testserver")


def signed_in(client: Client) -> User | None:
    pk = client.session.get(AUTH_SESSION_KEY)
    return User.objects.get(pk=pk) if pk is not None else None


# --- CAS ---------------------------------------------------------------------------------------------------


def test_cas_signs_in_the_roster_student_without_a_local_password(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.student.student_no)
    # As the roster import leaves them: no usable password, and one to set at the first password login.
    User.objects.filter(pk=world.student.user.pk).update(must_change_password=True, password="!")
    accounts = User.objects.count()

    response = client.get(cas_ticket(client, idp, world.student.student_no))

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in(client) == world.student.user
    assert client.session[SESSION_KEY] == world.school.code
    assert User.objects.count() == accounts
    # The initial-password prompt is for password logins: the student goes straight to their pages.
    assert client.get("/student/invitations/").status_code == 200


def test_cas_signs_in_the_schools_admins_by_username_and_keeps_next(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.school_admin.username)
    back = cas_ticket(client, idp, world.school_admin.username, CAS + "?next=/school/")
    response = client.get(back)
    assert response.status_code == 302 and response["Location"] == "/school/"
    assert signed_in(client) == world.school_admin
    client.post("/logout/")
    idp.enrol(world.college_admin.username)
    assert client.get(cas_ticket(client, idp, world.college_admin.username)).status_code == 302
    assert signed_in(client) == world.college_admin
    client.post("/logout/")
    # Another school's admin, and an employer's HR account, are never reached through this school's server.
    for other in (world.other_school_admin, world.employer):
        idp.enrol(other.username)
        assert client.get(cas_ticket(client, idp, other.username)).status_code == 403
        assert signed_in(client) is None


def test_cas_refuses_someone_not_on_the_roster_and_creates_no_account(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol("20269999")
    accounts = User.objects.count()

    response = client.get(cas_ticket(client, idp, "20269999"))

    assert response.status_code == 403
    text = response.content.decode()
    assert "东北大学的生源名单和管理员账号中没有这个学号或用户名" in text and "20269999" in text
    assert signed_in(client) is None
    assert User.objects.count() == accounts and not User.objects.filter(username="20269999").exists()


def test_a_student_of_another_school_with_that_number_is_not_signed_in(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    # 东北大学's server vouches for the 学号 of a 辽宁大学 student: matched only within 东北大学, so refused.
    idp.enrol(world.outsider_student.student_no)
    response = client.get(cas_ticket(client, idp, world.outsider_student.student_no))
    assert response.status_code == 403
    assert signed_in(client) is None
    # Nor the other way round: 辽宁大学's provider vouching for a 东北大学 student.
    idp.enrol(world.student.student_no)
    response = client.get(oidc_callback(client, world.student.student_no))
    assert response.status_code == 403 and "辽宁大学的生源名单" in response.content.decode()
    assert signed_in(client) is None


def cas_state(client: Client, path: str = CAS) -> str:
    """Starts a CAS login in this client's session: the `state` its service URL carries."""
    start = client.get(path)
    return query_of(query_of(start["Location"])["service"])["state"]


def test_a_replayed_or_forged_ticket_is_refused_and_counted_apart_from_passwords(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.student.student_no)
    back = cas_ticket(client, idp, world.student.student_no)
    assert client.get(back).status_code == 302
    client.post("/logout/")
    assert signed_in(client) is None

    replayed = client.get(back)
    no_state = client.get(CAS + "?ticket=ST-" + "x" * 60)
    # With this session's own state, so the CAS server itself is asked, and says no.
    forged = client.get(f"{CAS}?state={cas_state(client)}&ticket=ST-{'x' * 60}")
    garbage = client.get(f"{CAS}?state={cas_state(client)}&ticket=%3Ccas%3Auser%3E")

    for response in (replayed, no_state):
        assert response.status_code == 400 and "登录请求无效或已使用" in response.content.decode()
    for response in (forged, garbage):
        assert response.status_code == 400 and "票据无效、已使用或已过期" in response.content.decode()
    assert signed_in(client) is None
    # Only what the CAS server was asked about counts, and against the sign-in's own budget, not the passwords'.
    assert SSOFailure.objects.count() == 2
    assert not AccessAttempt.objects.exists()


def test_a_ticket_is_accepted_only_in_the_session_that_asked_for_it(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    # Login CSRF: a link carrying the attacker's own ticket must not sign a victim into the attacker's account.
    idp.enrol(world.student.student_no)
    back = cas_ticket(client, idp, world.student.student_no)
    victim = Client()
    response = victim.get(back)
    assert response.status_code == 400 and "登录请求无效或已使用" in response.content.decode()
    assert AUTH_SESSION_KEY not in victim.session


def test_a_throttled_address_is_refused_before_the_server_is_asked(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO], settings: Settings
) -> None:
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 2
    wrong = {"username": world.employer.username, "password": "wrong-pass-2026"}
    assert client.post(reverse("web:login"), wrong).status_code == 200
    assert client.post(reverse("web:login"), wrong).status_code == 429  # this failure reached the limit
    idp.enrol(world.student.student_no)
    response = client.get(cas_ticket(client, idp, world.student.student_no))
    assert response.status_code == 429 and "失败次数过多" in response.content.decode()
    assert response.has_header("Retry-After")
    assert signed_in(client) is None


def test_cas_attribute_and_cas_2(client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]) -> None:
    idp.enrol(world.student.student_no)
    code = world.school.code
    sso[code] = replace(sso[code], user_attribute="uid")
    assert client.get(cas_ticket(client, idp, world.student.student_no)).status_code == 302
    assert signed_in(client) == world.student.user
    client.post("/logout/")

    sso[code] = replace(sso[code], user_attribute="employeeNumber")
    response = client.get(cas_ticket(client, idp, world.student.student_no))
    assert response.status_code == 403 and "没有提供学号或用户名（employeeNumber）" in response.content.decode()

    sso[code] = replace(sso[code], protocol="cas2", user_attribute="")
    assert client.get(cas_ticket(client, idp, world.student.student_no)).status_code == 302
    assert signed_in(client) == world.student.user


def test_logout_ends_the_local_session(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.student.student_no)
    client.get(cas_ticket(client, idp, world.student.student_no))
    assert signed_in(client) == world.student.user
    response = client.post("/logout/")
    assert response.status_code == 302 and signed_in(client) is None
    assert SESSION_KEY not in client.session
    assert client.get("/student/").status_code == 302


# --- OpenID Connect ------------------------------------------------------------------------------------------


def test_oidc_signs_in_the_roster_student(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.outsider_student.student_no)
    accounts = User.objects.count()
    callback = oidc_callback(client, world.outsider_student.student_no, OIDC + "?next=/student/")
    response = client.get(callback)
    assert response.status_code == 302 and response["Location"] == "/student/"
    assert signed_in(client) == world.outsider_student.user
    assert client.session[SESSION_KEY] == world.other_school.code
    assert User.objects.count() == accounts


def test_an_oidc_session_is_read_by_its_backend_until_the_account_is_disabled(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    """The pages after the callback read the user through OIDCBackend.get_user (web.backends.SessionUserMixin),
    which refuses an inactive account as the password login's backend does."""
    idp.enrol(world.outsider_student.student_no)
    assert client.get(oidc_callback(client, world.outsider_student.student_no)).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "sso.backends.OIDCBackend"
    for _ in range(2):
        page = client.get("/student/invitations/")
        assert page.status_code == 200 and page.wsgi_request.user == world.outsider_student.user
    User.objects.filter(pk=world.outsider_student.user.pk).update(is_active=False)
    assert client.get("/student/invitations/").status_code == 302


def test_oidc_refuses_someone_not_on_the_roster(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol("lnu-newcomer")
    accounts = User.objects.count()
    response = client.get(oidc_callback(client, "lnu-newcomer"))
    assert response.status_code == 403 and "lnu-newcomer" in response.content.decode()
    assert signed_in(client) is None and User.objects.count() == accounts


def test_oidc_forged_replayed_state_and_forged_code_are_refused(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    idp.enrol(world.outsider_student.student_no)
    callback = oidc_callback(client, world.outsider_student.student_no)
    params = query_of(callback)

    forged_state = client.get(f"/sso/oidc/callback/?code={params['code']}&state=forged")
    assert forged_state.status_code == 400 and "登录请求无效或已使用" in forged_state.content.decode()

    assert client.get(callback).status_code == 302  # the real one still works once
    client.post("/logout/")
    replayed = client.get(callback)
    assert replayed.status_code == 400 and "登录请求无效或已使用" in replayed.content.decode()

    # A valid state with a code the provider never issued: its token endpoint refuses, so do we.
    other = oidc_callback(client, world.outsider_student.student_no)
    forged_code = client.get(f"/sso/oidc/callback/?code=forged&state={query_of(other)['state']}")
    assert forged_code.status_code == 400 and "授权码无效" in forged_code.content.decode()
    # The provider's own error answer (the person cancelled) is told, not a 500.
    third = query_of(oidc_callback(client, world.outsider_student.student_no))
    cancelled = client.get(f"/sso/oidc/callback/?error=access_denied&state={third['state']}")
    assert cancelled.status_code == 400 and "未完成登录" in cancelled.content.decode()
    assert signed_in(client) is None


def test_oidc_id_token_for_another_client_is_refused(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO]
) -> None:
    # The same provider, but we claim to be a client it does not know: the token endpoint refuses.
    code = world.other_school.code
    sso[code] = replace(sso[code], client_secret="not-the-secret")
    idp.enrol(world.outsider_student.student_no)
    response = client.get(oidc_callback(client, world.outsider_student.student_no))
    assert response.status_code == 400 and signed_in(client) is None


# --- the edges -----------------------------------------------------------------------------------------------


def test_login_page_offers_each_configured_school(
    client: Client, world: World, sso: dict[str, SchoolSSO], settings: Settings
) -> None:
    text = client.get("/login/?next=/student/").content.decode()
    assert "东北大学 统一身份认证登录" in text and "辽宁大学 统一身份认证登录" in text
    assert 'href="/sso/10145/cas/?next=%2Fstudent%2F"' in text and 'href="/sso/10140/oidc/?next=%2Fstudent%2F"' in text
    settings.SSO_SCHOOLS = {}
    text = client.get("/login/").content.decode()
    assert "统一身份认证登录" not in text and 'name="password"' in text


def test_unconfigured_school_or_wrong_protocol_is_404(client: Client, world: World, sso: dict[str, SchoolSSO]) -> None:
    assert client.get("/sso/99999/cas/").status_code == 404
    assert client.get("/sso/10140/cas/").status_code == 404  # 辽宁大学 signs in by OIDC
    assert client.get("/sso/10145/oidc/").status_code == 404
    assert client.post(CAS).status_code == 405


def test_an_unreachable_server_is_told_not_a_500(client: Client, world: World, sso: dict[str, SchoolSSO]) -> None:
    closed = f"http://127.0.0.1:{free_port()}/"
    sso["10145"] = replace(sso["10145"], server_url=closed + "cas/")
    sso["10140"] = replace(sso["10140"], server_url=closed + "openid")
    for response in (client.get(f"{CAS}?state={cas_state(client)}&ticket=ST-1"), client.get(OIDC)):
        assert response.status_code == 502
        assert "暂时无法连接" in response.content.decode()


def test_forged_sso_links_do_not_lock_the_address_out_of_password_logins(
    client: Client, world: World, sso: dict[str, SchoolSSO], settings: Settings
) -> None:
    # Outsider L4: no credentials needed, one address (a campus NAT) behind all of them.
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    statuses = {client.get(f"{CAS}?ticket=ST-{n}&state=bad{n}").status_code for n in range(10)}
    statuses |= {client.get(f"/sso/oidc/callback/?code=x{n}&state=bad{n}").status_code for n in range(10)}
    assert statuses == {400}
    assert not SSOFailure.objects.exists() and not AccessAttempt.objects.exists()
    login = Client().post(reverse("web:login"), {"username": world.employer.username, "password": PASSWORD})
    assert login.status_code == 302


def test_refused_identities_have_their_own_budget_per_address(
    client: Client, idp: IdentityServers, world: World, sso: dict[str, SchoolSSO], settings: Settings
) -> None:
    settings.SSO_FAILURE_LIMIT_PER_ADDRESS = 2
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 2
    idp.enrol("20269999")  # known to the school's server, not on the roster
    first = client.get(cas_ticket(client, idp, "20269999"))
    assert first.status_code == 403 and "没有这个学号或用户名" in first.content.decode()
    second = client.get(cas_ticket(client, idp, "20269999"))  # this refusal reached the budget
    assert second.status_code == 429 and "统一身份认证登录失败次数过多，请于15分钟后" in second.content.decode()
    assert second["Retry-After"] == str(15 * 60)
    # Refused before the CAS server is asked, even for someone on the roster, from this address.
    idp.enrol(world.student.student_no)
    third = client.get(cas_ticket(client, idp, world.student.student_no))
    assert third.status_code == 429 and "或使用账号密码登录" in third.content.decode()
    assert signed_in(client) is None
    # The password logins from the same address keep their whole budget.
    assert not AccessAttempt.objects.exists()
    login = Client().post(reverse("web:login"), {"username": world.employer.username, "password": PASSWORD})
    assert login.status_code == 302
    # Another address still signs in through the school's server.
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.get(cas_ticket(other, idp, world.student.student_no)).status_code == 302
    assert signed_in(other) == world.student.user
