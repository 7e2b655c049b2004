"""A 去向 the school enters or changes for a graduate is told to them in the student portal's 消息 (outsider F1),
beside their agreements' 消息, newest first, with the menu's unread count; it leads to 毕业去向, where they confirm or
dispute it, and opening that page reads it. The e-mail and SMS of the same event are
school/tests/test_destination_dispute_notice.py's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import DestinationNotification
from core.services import destinations as svc
from student.tests.conftest import text_of
from testsupport import ApiClient, LoginAs, World, confirm, invite, make_employer, make_student

pytestmark = pytest.mark.django_db

ARMY = {"code": "46", "unit_location": "210102", "contract_start": "2027-09-01"}
CONTRACT = {
    "code": "11",
    "unit_name": "沈阳鼎新科技有限公司",
    "unit_nature": "39",
    "unit_location": "210102",
    "position": "软件工程师",
    "contract_start": "2027-07-01",
}
ENTERED = "学校为你代为登记了毕业去向（{}），请确认；如不是你的去向，请提出异议"


def test_a_destination_the_school_enters_is_a_message_to_its_graduate(
    world: World, client: Client, login_as: LoginAs
) -> None:
    invite(world.employer, world.student)  # an agreement's 消息, older
    login_as(world.college_admin)
    assert client.post(reverse("school:destination_enter", args=[world.student.pk]), ARMY).status_code == 302

    login_as(world.student)
    home = client.get(reverse("student:invitations")).content.decode()
    assert 'aria-label="2条未读">2</span>' in home
    page = client.get(reverse("student:messages")).content.decode()
    text = text_of(page)
    entered = ENTERED.format("应征义务兵")
    assert entered in text and "学校代为登记，待本人确认" in text
    assert text.index(entered) < text.index(f"{world.employer.employer.name}向你发出了签约邀约")  # newest first
    assert f'href="{reverse("student:destination")}"' in page
    assert page.count(">新</span>") == 2
    assert not DestinationNotification.objects.filter(read_at__isnull=True).exists()  # shown, so read
    assert "条未读" not in client.get(reverse("student:messages")).content.decode()

    # Changed again through the API by the school: a new 消息 with the new kind; reading 毕业去向 reads it.
    school = ApiClient(Client()).login(world.school_admin)
    assert school.post(f"/destinations/students/{world.student.pk}", CONTRACT).status_code == 200
    assert 'aria-label="1条未读">1</span>' in client.get(reverse("student:invitations")).content.decode()
    destination = client.get(reverse("student:destination")).content.decode()
    assert "待你本人确认" in destination and "条未读" not in destination
    again = text_of(client.get(reverse("student:messages")).content.decode())
    assert again.index(ENTERED.format("签劳动合同形式就业")) < again.index(entered)

    # Only the graduate is told in 消息: not the admins who entered it, not another student.
    assert set(DestinationNotification.objects.values_list("recipient", flat=True)) == {world.student.user_id}
    login_as(world.other_student)
    assert "暂无消息" in client.get(reverse("student:messages")).content.decode()
    # A graduate who never signed in has no account to hold a 消息: the e-mail and SMS reach them.
    never = make_student(world.student.college, name="王芳", with_user=False)
    svc.destination_enter(never.pk, ARMY, acting_user=world.school_admin)
    assert not DestinationNotification.objects.filter(event__destination__student=never).exists()


def test_the_messages_page_reads_both_kinds_in_constant_queries(
    world: World, client: Client, login_as: LoginAs
) -> None:
    login_as(world.student)
    invite(world.employer, world.student)
    svc.destination_enter(world.student.pk, ARMY, acting_user=world.school_admin)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("student:messages")).status_code == 200
    for day in range(1, 13):  # each a change (the same entry again is no news)
        invite(make_employer(), world.student)
        svc.destination_enter(
            world.student.pk, {**ARMY, "contract_start": f"2027-10-{day:02d}"}, acting_user=world.school_admin
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("student:messages")).content.decode()
    assert len(many) == len(one)
    assert page.count('class="wq-message') == 20 and "当前共26条记录" in page
    second = client.get(reverse("student:messages") + "?page=2").content.decode()
    assert second.count('class="wq-message') == 6


def test_a_review_of_the_graduates_own_destination_is_a_message(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """A return waits on the graduate with its reason, and the school's approval ends the review: both are told in
    消息 (they were told of nothing and learned only by opening 毕业去向)."""
    user = world.student.user
    assert user is not None
    svc.destination_update(ARMY, acting_user=user)
    svc.destination_attach(name="入伍通知书.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, acting_user=user)
    svc.destination_submit(acting_user=user, confirmation=confirm(user, "destination_submit"))
    destination = svc.destination_open(acting_user=user)
    svc.destination_return(destination, remark="请补充入伍通知书", acting_user=world.college_admin)
    login_as(world.student)
    page = text_of(client.get(reverse("student:messages")).content.decode())
    assert "毕业去向被学院退回，请修改后重新提交：请补充入伍通知书" in page
    svc.destination_submit(acting_user=user, confirmation=confirm(user, "destination_submit"))
    svc.destination_approve(destination, acting_user=world.college_admin)  # 学院: not news yet
    svc.destination_approve(destination, acting_user=world.school_admin)
    page = text_of(client.get(reverse("student:messages")).content.decode())
    assert "你的毕业去向（应征义务兵）已通过学校审核" in page and page.count("学院审核通过") == 0
