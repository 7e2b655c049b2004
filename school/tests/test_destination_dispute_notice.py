"""A graduate's 异议 ("这不是我的去向") is told to the school (issue 20 item 2): its entry in core/catalogue.py names
the school's side (`Party.SCHOOL`: the school's admins and the admins of the graduate's college), who get a 消息 in
the school portal and an e-mail; nobody else, and no other 去向 event tells them. The other way round, a 去向 the
school enters is told to the graduate (e-mail and SMS to the roster phone), who must confirm or dispute it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core import sms
from core.catalogue import DESTINATION_EVENTS, Party
from core.models import DestinationNotification, Province, Role, User
from core.services import destinations as svc
from testsupport import LoginAs, World, confirm, make_user

pytestmark = pytest.mark.django_db

ARMY = {"code": "46", "unit_location": "210102", "contract_start": "2027-09-01"}
REASON = "这不是我的去向，我没有应征入伍"


def _with_email(*users: User) -> None:
    for user in users:
        user.email = f"{user.username}@neu.edu.cn"
        user.save(update_fields=["email"])


CLOSED = ("dispute_upheld", "dispute_rejected")


def test_the_catalogue_tells_the_school_of_an_objection_and_its_finding_only() -> None:
    school_told = {a for a, kind in DESTINATION_EVENTS.items() if Party.SCHOOL in (*kind.inbox, *kind.email)}
    assert school_told == {"dispute", *CLOSED}
    kind = DESTINATION_EVENTS["dispute"]
    assert set(kind.inbox) == {Party.SCHOOL} and kind.email == (Party.SCHOOL,)
    graduate_told = {a for a, kind in DESTINATION_EVENTS.items() if kind.sms or Party.STUDENT in kind.email}
    assert graduate_told == {"staff_enter", *CLOSED}
    reviewed = {"college_return", "school_approve", "school_return"}
    assert {a for a, kind in DESTINATION_EVENTS.items() if Party.STUDENT in kind.inbox} == {
        "staff_enter",
        *CLOSED,
        *reviewed,
    }
    assert all(not DESTINATION_EVENTS[a].sms for a in CLOSED)  # no SMS: nothing waits on the graduate's phone


@pytest.mark.parametrize("upheld", [True, False])
def test_the_provinces_finding_reaches_the_graduate_and_the_school(
    world: World,
    login_as: LoginAs,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    upheld: bool,
) -> None:
    """Outsider F6: the province's decision on an 异议 was told to nobody; the school's 消息 kept saying 待核查."""
    _with_email(world.school_admin, world.college_admin, world.other_school_admin)
    user = world.student.user
    assert user is not None
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    official = make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")
    destination = svc.destination_enter(world.student.pk, ARMY, acting_user=world.college_admin)
    svc.destination_dispute(REASON, acting_user=user)
    finding = "经核实，该生未应征入伍" if upheld else "经核实，入伍通知书属实"
    with django_capture_on_commit_callbacks(execute=True):
        svc.destination_dispute_close(destination.pk, upheld=upheld, remark=finding, acting_user=official)
    verdict = "成立" if upheld else "不成立"

    told = DestinationNotification.objects.filter(event__action__in=CLOSED)
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [user.pk, world.school_admin.pk, world.college_admin.pk]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.student.email, "college_law@neu.edu.cn", f"{world.school_admin.username}@neu.edu.cn"]
    )
    (to_graduate,) = [m for m in mailoutbox if m.to == [world.student.email]]
    assert f"省级主管部门认定你的异议{verdict}" in to_graduate.body and finding in to_graduate.body
    assert "/student/destination/" in to_graduate.body
    assert not [m for m in sms.outbox if "异议" in m.text]

    page = login_as(world.student).get(reverse("student:messages")).content.decode()
    assert f"省级主管部门认定你的异议{verdict}" in page and f"处理意见：{finding}" in page
    school = login_as(world.school_admin).get(reverse("school:messages")).content.decode()
    assert f"省级主管部门认定李明的异议{verdict}" in school and 'title="未读">2</span>' in school  # 异议, finding


def test_an_objection_reaches_the_schools_side_in_messages_and_by_mail(
    world: World, client: Client, login_as: LoginAs, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    _with_email(world.school_admin, world.college_admin, world.other_college_admin, world.other_school_admin)
    user = world.student.user
    assert user is not None
    with django_capture_on_commit_callbacks(execute=True):
        destination = svc.destination_enter(world.student.pk, ARMY, acting_user=world.college_admin)
    # entering tells the graduate only
    assert list(DestinationNotification.objects.values_list("recipient", flat=True)) == [user.pk]
    assert [m.to[0] for m in mailoutbox] == [world.student.email]
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        svc.destination_dispute(REASON, acting_user=user)
    told = DestinationNotification.objects.filter(event__action="dispute").values_list("recipient__username", flat=True)
    assert sorted(told) == sorted([world.school_admin.username, world.college_admin.username])
    assert sorted(m.to[0] for m in mailoutbox) == [
        "college_law@neu.edu.cn",
        f"{world.school_admin.username}@neu.edu.cn",
    ]
    mail = mailoutbox[0]
    assert mail.subject == "【就业协议书网签】学生提出异议：李明"
    assert f"李明对学校代为登记的毕业去向提出异议：{REASON}" in mail.body
    assert f"/school/destinations/{destination.pk}/" in mail.body

    # The 消息 page: the sentence, unread on the menu; opening it reads it and shows the 去向.
    login_as(world.school_admin)
    home = client.get(reverse("school:messages")).content.decode()
    assert f"李明对学校代为登记的毕业去向提出异议：{REASON}（待省级主管部门核查）" in home
    assert 'title="未读">1</span>' in home
    notification = DestinationNotification.objects.get(recipient=world.school_admin)  # the 异议's
    opened = client.get(reverse("school:message_open", args=[notification.pk]))
    assert opened["Location"] == reverse("school:destination", args=[destination.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "学生有异议" in client.get(opened["Location"]).content.decode()
    # Another admin's 消息 is not this one's to open.
    other = DestinationNotification.objects.get(recipient=world.college_admin)
    assert client.get(reverse("school:message_open", args=[other.pk])).status_code == 404
    login_as(world.other_college_admin)
    assert "暂无消息" in client.get(reverse("school:messages")).content.decode()


def test_the_graduate_is_told_of_a_destination_entered_for_them(
    world: World, login_as: LoginAs, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    _with_email(world.school_admin, world.college_admin)
    with django_capture_on_commit_callbacks(execute=True):
        svc.destination_enter(world.student.pk, ARMY, acting_user=world.school_admin)
    (mail,) = mailoutbox
    assert mail.to == [world.student.email] and mail.subject == "【就业协议书网签】学校代为登记，待本人确认：李明"
    assert "请登录确认；如不是你的去向，请提出异议：http" in mail.body and "毕业去向：应征义务兵" in mail.body
    (text,) = [m for m in sms.outbox if m.phone == world.student.phone]
    assert text.text.startswith("【就业协议书网签】学校为你代为登记了毕业去向") and "/student/destination/" in text.text
    # and in 消息, read once shown, leading to 毕业去向
    assert world.student.user is not None
    client = login_as(world.student)
    assert 'title="1条未读"' in client.get(reverse("student:invitations")).content.decode()  # 毕业去向 would read it
    page = client.get(reverse("student:messages")).content.decode()
    assert "学校为你代为登记了毕业去向（应征义务兵），请确认；如不是你的去向，请提出异议" in page
    assert f'href="{reverse("student:destination")}"' in page
    assert DestinationNotification.objects.get(recipient=world.student.user).read_at is not None
    # The school admin who entered it is not told of their own act.
    assert not DestinationNotification.objects.filter(recipient=world.school_admin).exists()


def test_a_confirmation_tells_nobody(
    world: World, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    _with_email(world.school_admin, world.college_admin)
    user = world.student.user
    assert user is not None
    svc.destination_enter(world.student.pk, ARMY, acting_user=world.school_admin)  # its notices are not run here
    told = DestinationNotification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    assert DestinationNotification.objects.count() == told and mailoutbox == []
