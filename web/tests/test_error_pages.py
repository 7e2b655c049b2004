import pytest
from django.test import Client

from core.testing import LoginAs, World

pytestmark = pytest.mark.django_db


def test_403_and_404_pages_speak_chinese(client: Client, world: World, login_as: LoginAs) -> None:
    login_as(world.student.user)
    forbidden = client.get("/school/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()
    missing = client.get("/student/agreements/999999/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()


def test_role_home_redirects(client: Client, world: World, login_as: LoginAs) -> None:
    for user, target in [
        (world.employer, "/employer/"),
        (world.student.user, "/student/"),
        (world.college_admin, "/school/"),
        (world.school_admin, "/school/"),
    ]:
        login_as(user)
        assert client.get("/")["Location"] == target
    client.logout()
    assert client.get("/")["Location"] == "/login/"
