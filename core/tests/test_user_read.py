"""A signed-in user is read with their organisations by one compiled statement (core.selectors.users): the same
instances `User.objects.get` and its lazy loads give, for every role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from core.models import Province, Role, User
from core.selectors.tokens import api_token_by_hash
from core.selectors.users import ORGANISATIONS, user_by_id
from core.services.accounts import _hash, token_issue
from testsupport import World, make_user

pytestmark = pytest.mark.django_db


def _values(instance: Model | None) -> dict[str, object] | None:
    if instance is None:
        return None
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _everyone(world: World) -> dict[str, User]:
    province = Province.objects.create(name="辽宁省教育厅")
    return {
        "employer": world.employer,
        "other_employer": world.other_employer,
        "college_admin": world.college_admin,
        "other_college_admin": world.other_college_admin,
        "school_admin": world.school_admin,
        "other_school_admin": world.other_school_admin,
        "student": world.student.user,
        "outsider_student": world.outsider_student.user,
        "province_admin": make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province),
    }


def _assert_as_the_orm_reads(read: User, pk: int) -> None:
    expected = User.objects.get(pk=pk)
    assert type(read) is User and _values(read) == _values(expected)
    assert read._state.db == expected._state.db and not read._state.adding
    with CaptureQueriesContext(connection) as queries:
        organisations = {name: getattr(read, name) for name in ORGANISATIONS}
    assert len(queries) == 0  # each was read with the user, or is None
    for name, organisation in organisations.items():
        assert _values(organisation) == _values(getattr(expected, name)), name


def test_every_role_is_read_as_the_orm_reads_it(world: World) -> None:
    everyone = _everyone(world)
    assert {user.role for user in everyone.values()} == set(Role.values)
    for persona, user in everyone.items():
        with CaptureQueriesContext(connection) as queries:
            read = user_by_id(user.pk)
        assert read is not None and len(queries) == 1, persona
        _assert_as_the_orm_reads(read, user.pk)


def test_an_id_as_text_and_an_unknown_id(world: World) -> None:
    read = user_by_id(str(world.school_admin.pk))
    assert read is not None and read.pk == world.school_admin.pk
    assert user_by_id(10**9) is None
    with pytest.raises(ValueError):  # as User.objects.get(pk="x") raises
        user_by_id("x")


def test_an_api_tokens_user_is_read_the_same_way(world: World) -> None:
    for persona, user in _everyone(world).items():
        key = token_issue(user)
        with CaptureQueriesContext(connection) as queries:
            token = api_token_by_hash(_hash(key))
        assert token is not None and len(queries) == 1, persona
        _assert_as_the_orm_reads(token.user, user.pk)
