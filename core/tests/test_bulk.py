"""core.services.bulk: rows written set-based hold what model instances saved one by one would hold."""

from __future__ import annotations

import pytest

from core.models import Role, User
from core.services.bulk import in_values, insert_rows

pytestmark = pytest.mark.django_db


def test_insert_rows_fills_the_defaults_and_returns_the_ids() -> None:
    names = ["20270001", "20270002", "20270003"]
    created = insert_rows(
        User,
        {"username": names, "display_name": ["李明", "王芳", "张伟"], "role": Role.STUDENT.value, "password": "!x"},
        count=3,
        returning="username",
    )
    assert sorted(username for _, username in created) == names
    for pk, username in created:
        user = User.objects.get(pk=pk)
        expected = User(username=username, role=Role.STUDENT)
        assert user.username == username and user.role == Role.STUDENT
        # Every field not given holds its model default, as an instance saved alone would.
        for field in ("email", "first_name", "is_active", "is_staff", "is_superuser", "must_change_password"):
            assert getattr(user, field) == getattr(expected, field), field
        assert user.date_joined is not None and user.school_id is None
    assert set(User.objects.filter(username__in=in_values(names)).values_list("username", flat=True)) == set(names)


def test_insert_rows_refuses_a_column_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="username"):
        insert_rows(User, {"username": ["a", "b"], "password": "!x"}, count=3)
