from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_403_and_404_pages_speak_chinese(client: Any, world: Any) -> None:
    client.force_login(world.student.user)
    forbidden = client.get("/school/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()
    missing = client.get("/student/agreements/999999/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()


def test_role_home_redirects(client: Any, world: Any) -> None:
    for user, target in [
        (world.employer, "/employer/"),
        (world.student.user, "/student/"),
        (world.college_admin, "/school/"),
        (world.school_admin, "/school/"),
    ]:
        client.force_login(user)
        assert client.get("/").url == target
    client.logout()
    assert client.get("/").url == "/login/"
