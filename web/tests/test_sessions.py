"""A signed-in page's own reads (web/sessions.py, web/backends.py): the session's row by one compiled statement,
refused when expired as Django refuses it, and the user with their organisations by one more; an inactive
account, an expired, unknown or altered session key are anonymous, and sessions stored before keep working."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Province, Role, School, User
from core.selectors.users import ORGANISATIONS
from sso.backends import CASBackend, OIDCBackend
from testsupport import LoginAs, World, make_user
from web import sessions
from web.backends import ACCOUNT_BACKEND, AccountBackend
from web.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _signed_in(client: Client) -> bool:
    return client.get(reverse("web:home")).wsgi_request.user.is_authenticated


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _portal_homes(world: World) -> dict[str, tuple[User, str]]:
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    return {
        "employer": (world.employer, "employer:agreements"),
        "school_admin": (world.school_admin, "school:agreements"),
        "college_admin": (world.college_admin, "school:agreements"),
        "student": (world.student.user, "student:invitations"),
        "province_admin": (make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province), "province:home"),
    }


def test_a_page_reads_the_session_and_the_user_with_their_organisations_once(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Two queries sign a page in, whatever the role: the session's row and the user joined with their school,
    college, employer and province, none of which is read again by itself (issue 22)."""
    for persona, (user, home) in _portal_homes(world).items():
        login_as(user)
        client.get(reverse(home))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(home)).status_code == 200, persona
        sql = [q["sql"] for q in queries.captured_queries]
        assert len([s for s in sql if 'FROM "django_session"' in s]) == 1, persona
        (user_read,) = [s for s in sql if re.search(r'FROM "core_user" (LEFT OUTER JOIN|WHERE "core_user"."id" =)', s)]
        assert all(f'"core_{name}"' in user_read for name in ORGANISATIONS), persona
        for name in ORGANISATIONS:
            pk = getattr(user, f"{name}_id")
            lazy = f'FROM "core_{name}" WHERE "core_{name}"."id" = {pk} LIMIT 21'
            assert not [s for s in sql if lazy in s], (persona, name)


def test_an_inactive_account_is_anonymous(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    assert _signed_in(client)
    # The flag alone (disabling an account also clears its password, which ends its sessions anyway).
    User.objects.filter(pk=world.school_admin.pk).update(is_active=False)
    assert not _signed_in(client)
    for backend in (AccountBackend(), CASBackend(), OIDCBackend()):
        assert backend.get_user(world.school_admin.pk) is None
        assert backend.get_user(world.college_admin.pk) == world.college_admin


def test_every_backend_reads_the_user_with_their_organisations(world: World) -> None:
    for backend in (AccountBackend(), CASBackend(), OIDCBackend()):
        user = backend.get_user(world.college_admin.pk)
        assert user is not None
        with CaptureQueriesContext(connection) as queries:
            assert (user.school, user.college, user.employer) == (world.school, world.college, None)
        assert len(queries) == 0
        assert backend.get_user(10**9) is None


def test_a_move_to_another_college_or_a_renamed_school_shows_on_the_next_page(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Only the statement is kept across requests: each request reads the user and their organisations anew."""
    admin = world.college_admin
    login_as(admin)
    assert client.get(reverse("school:agreements")).wsgi_request.user.college == world.college  # type: ignore[union-attr]
    User.objects.filter(pk=admin.pk).update(college=world.other_college)
    School.objects.filter(pk=world.school.pk).update(name="东北大学（新校名）")
    response = client.get(reverse("school:agreements"))
    user = response.wsgi_request.user
    assert isinstance(user, User) and user.college == world.other_college
    assert user.college.name == world.other_college.name and user.school.name == "东北大学（新校名）"  # type: ignore[union-attr]


def test_an_expired_session_is_anonymous(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.employer)
    session = _session(client)
    with time_machine.travel(session.expire_date - datetime.timedelta(microseconds=1), tick=False):
        assert _signed_in(client)
    with time_machine.travel(session.expire_date, tick=False):  # Django's filter is expire_date > now
        assert not _signed_in(client)
    client.cookies["sessionid"] = session.session_key  # the anonymous answer deleted the cookie
    assert _signed_in(client)
    Session.objects.filter(pk=session.pk).update(expire_date=session.expire_date - datetime.timedelta(days=30))
    assert not _signed_in(client)


def test_an_unknown_or_altered_session_key_is_anonymous(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.employer)
    key = client.cookies["sessionid"].value
    altered = key[:-1] + ("a" if key[-1] != "a" else "b")
    for wrong in (altered, "0" * 32, "short", key + "x", "' OR 1=1 --"):
        client.cookies["sessionid"] = wrong
        assert not _signed_in(client), wrong
    client.cookies["sessionid"] = key
    assert _signed_in(client)


def test_a_session_signed_in_by_djangos_model_backend_keeps_working(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Sessions stored before web.backends name django.contrib.auth.backends.ModelBackend: still signed in."""
    login_as(world.school_admin)
    store = SessionStore(client.cookies["sessionid"].value)
    assert store[BACKEND_SESSION_KEY] == ACCOUNT_BACKEND
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store.save()
    assert Session.objects.get(pk=store.session_key).get_decoded()[BACKEND_SESSION_KEY].startswith("django.")
    response = client.get(reverse("school:home"))
    assert response.status_code == 200 and response.wsgi_request.user == world.school_admin


def test_a_session_stored_by_djangos_engine_is_read(world: World, client: Client) -> None:
    """Same table, same encoding: a session Django's own db engine wrote is read as it was written."""
    store = DjangoStore()
    store.update({SESSION_KEY: str(world.employer.pk), BACKEND_SESSION_KEY: ACCOUNT_BACKEND, "n": 7})
    store[HASH_SESSION_KEY] = world.employer.get_session_auth_hash()
    store.create()
    key = store.session_key
    assert key is not None and SessionStore(key).load() == DjangoStore(key).load()
    client.cookies["sessionid"] = key
    assert client.get(reverse("employer:home")).wsgi_request.user == world.employer


def test_a_suspicious_read_is_logged_as_django_logs_it(
    world: World, client: Client, login_as: LoginAs, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    login_as(world.employer)

    def suspicious(value: object, *, using: str) -> list[object]:
        raise SuspiciousOperation("not a session")

    monkeypatch.setattr(sessions._READ, "rows", suspicious)
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousOperation"):
        assert not _signed_in(client)
    assert [r.getMessage() for r in caplog.records if r.name == "django.security.SuspiciousOperation"] == [
        "not a session"
    ]


@pytest.mark.django_db(transaction=True)  # the other connection's ALTER waits for no transaction of this one
@pytest.mark.skipif(
    connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("server_side_binding"),
    reason="prepared statements are PostgreSQL's, with server-side binding",
)
def test_signed_in_pages_survive_a_migration_that_changes_a_column_they_read(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Migrations run with the previous release still serving (docs/DEPLOY.md, Upgrades). One that changes a column
    the prepared session or user read returns (a longer 单位名称 here) makes PostgreSQL refuse that connection's
    prepared statement ("cached plan must not change result type") on every later execution; the read is prepared
    again rather than every signed-in page answering 500 until the connection is closed."""
    login_as(world.employer)
    assert client.get(reverse("employer:agreements")).status_code == 200  # the reads are prepared
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT character_maximum_length FROM information_schema.columns"
            " WHERE table_name = 'core_employer' AND column_name = 'name'"
        )
        (length,) = cursor.fetchone()
    other = connections.create_connection(DEFAULT_DB_ALIAS)  # as `manage.py migrate` on another host
    try:
        with other.cursor() as cursor:
            cursor.execute(f"ALTER TABLE core_employer ALTER COLUMN name TYPE varchar({length + 1})")
        for _ in range(2):
            response = client.get(reverse("employer:agreements"))
            assert response.status_code == 200 and response.wsgi_request.user == world.employer
    finally:
        with other.cursor() as cursor:
            cursor.execute(f"ALTER TABLE core_employer ALTER COLUMN name TYPE varchar({length})")
        other.close()
        connection.close()  # the next test's statements are prepared afresh
