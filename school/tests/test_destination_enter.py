"""学校代为登记 on the school portal (issue 20 item 2): a college or school admin enters or changes a graduate's
毕业去向 on a page that asks for the fields by kind as the student's form does, works without JavaScript, and
leaves the 去向 待本人确认 (counted nowhere) and says so. Only graduates of the admin's scope; a disputed 去向 or
one set by an agreement is refused; replacing what the graduate registered asks once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Destination, DestinationStatus
from core.services import destinations as svc
from core.services.stats import school_stats
from testsupport import LoginAs, World, confirm

pytestmark = pytest.mark.django_db

ARMY = {"code": "46", "unit_location": "210102", "contract_start": "2027-09-01"}  # 应征义务兵: 入伍地, 入伍时间
CONTRACT = {
    "code": "11",
    "unit_name": "沈阳鼎新科技有限公司",
    "unit_nature": "39",
    "unit_location": "210102",
    "position": "软件工程师",
    "contract_start": "2027-07-01",
}


def _url(world: World) -> str:
    return reverse("school:destination_enter", args=[world.student.pk])


def _placed(world: World) -> int:
    return school_stats(world.school, world.student.graduation_year).total.placed


def test_the_form_asks_the_kinds_own_fields(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    detail = client.get(reverse("school:student", args=[world.student.pk])).content.decode()
    assert f'href="{_url(world)}"' in detail and "代为登记去向" in detail and "未登记" in detail
    page = client.get(_url(world)).content.decode()
    assert "待本人确认" in page and 'name="code"' in page and "<noscript>" in page
    assert 'id="destination-form"' not in page  # no kind chosen yet
    page = client.get(_url(world), {"code": "46"}).content.decode()
    assert "入伍地" in page and "入伍时间" in page and "单位名称" not in page  # the kind's own words, as the student's
    page = client.get(_url(world), {"code": "11"}).content.decode()
    assert "单位名称" in page and "合同开始日期" in page and "入伍地" not in page


def test_saving_leaves_it_waiting_for_the_graduate_and_says_so(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.college_admin)
    response = client.post(_url(world), ARMY)
    destination = Destination.objects.get(student=world.student)
    assert response["Location"] == reverse("school:destination", args=[destination.pk])
    assert (destination.status, destination.source, destination.code) == ("pending_confirmation", "staff", "46")
    assert destination.current is not None and destination.current.unit_location == "210102"
    assert destination.events.get().action == "staff_enter"
    shown = client.get(response["Location"]).content.decode()
    assert "已代为登记李明的毕业去向，待本人确认" in shown and "待本人确认" in shown
    assert _placed(world) == 0
    # The graduate's 本人确认 makes it count.
    user = world.student.user
    assert user is not None
    svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    assert _placed(world) == 1


def test_bad_input_is_told_beside_its_field_and_changes_nothing(
    world: World, client: Client, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    response = client.post(_url(world), {**ARMY, "unit_location": "999999", "contract_start": "明年"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "入伍地应选择到区县一级" in page and "入伍时间应为日期" in page
    assert 'value="明年"' in page  # what was typed stays
    assert not Destination.objects.filter(student=world.student).exclude(status="unregistered").exists()
    response = client.post(_url(world), {"code": "10"})
    assert response.status_code == 400 and "由就业协议书自动登记" in response.content.decode()


def test_places_are_chosen_without_javascript(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    # 刷新地区: the province and city chosen come back with their lists; nothing is saved.
    response = client.post(_url(world), {**ARMY, "unit_location": "", "unit_location_p": "210000", "refresh": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<option value="210100">沈阳市</option>' in page and "刷新地区" in page
    chosen = {**ARMY, "unit_location": "", "unit_location_p": "210000", "unit_location_c": "210100", "refresh": "1"}
    response = client.post(_url(world), chosen)
    assert '<option value="210102">和平区</option>' in response.content.decode()
    assert not Destination.objects.filter(student=world.student).exists()
    # With JavaScript the lists come from the portal's own cascade.
    counties = client.get(reverse("school:regions"), {"parent": "210100"}).json()
    assert {"code": "210102", "label": "和平区"} in counties
    assert client.get(reverse("school:regions"), {"parent": "nope"}).json() == []


def test_only_graduates_of_the_admins_scope(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.other_college_admin)
    assert client.get(_url(world)).status_code == 404
    assert client.post(_url(world), ARMY).status_code == 404
    login_as(world.other_school_admin)
    assert client.post(_url(world), ARMY).status_code == 404
    login_as(world.student)
    assert client.get(_url(world)).status_code in (302, 403)
    assert not Destination.objects.filter(student=world.student).exists()


def test_a_disputed_destination_is_the_provinces(world: World, client: Client, login_as: LoginAs) -> None:
    user = world.student.user
    assert user is not None
    svc.destination_enter(world.student.pk, ARMY, acting_user=world.school_admin)
    svc.destination_dispute("这不是我的去向", acting_user=user)
    login_as(world.school_admin)
    detail = client.get(reverse("school:student", args=[world.student.pk])).content.decode()
    assert "学生有异议" in detail and 'id="enter-destination"' not in detail
    page = client.get(_url(world))
    assert page.status_code == 409 and "须由省级主管部门核查处理，学校不能修改" in page.content.decode()
    response = client.post(_url(world), {**ARMY, "contract_start": "2027-10-01"})
    assert response.status_code == 409
    assert Destination.objects.get(student=world.student).status == DestinationStatus.DISPUTED


def test_replacing_the_graduates_own_asks_once(world: World, client: Client, login_as: LoginAs) -> None:
    user = world.student.user
    assert user is not None
    svc.destination_update({"code": "72", "note": "准备考研"}, acting_user=user)  # 暂不就业, the graduate's own draft
    login_as(world.school_admin)
    page = client.get(_url(world)).content.decode()
    assert "该生已自行登记了毕业去向" in page and "data-confirm=" in page
    asked = client.post(_url(world), ARMY)
    assert asked.status_code == 200 and "代为登记确认" in asked.content.decode()
    assert 'name="unit_location" value="210102"' in asked.content.decode()  # re-posted as sent
    assert Destination.objects.get(student=world.student).status == DestinationStatus.DRAFT
    done = client.post(_url(world), {**ARMY, "confirmed": "1"})
    assert done.status_code == 302
    destination = Destination.objects.get(student=world.student)
    assert (destination.status, destination.code) == ("pending_confirmation", "46")
    assert [e.action for e in destination.events.order_by("sequence")] == ["update", "staff_enter"]

    # Once the graduate confirmed the school's entry, changing it says so (it was not "自行登记", outsider F14).
    svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    page = client.get(_url(world)).content.decode()
    assert "该生已确认学校代为登记的毕业去向" in page and "已自行登记" not in page
    asking = client.post(_url(world), {**ARMY, "contract_start": "2027-10-01"}).content.decode()
    assert "李明已确认学校代为登记的毕业去向（审核通过）" in asking


def test_the_graduates_proof_does_not_pass_to_the_schools_entry(
    world: World, client: Client, login_as: LoginAs
) -> None:
    """Outsider F7: the graduate's contract scan proved their 去向, not the one the school enters instead; it is kept
    for the auditors (留存备查) and the new entry starts with no 证明材料. The same entry posted twice is one event."""
    user = world.student.user
    assert user is not None
    contract = {**CONTRACT, "unit_name": "大连真实软件有限公司"}
    svc.destination_update(contract, acting_user=user)
    scan = svc.destination_attach(name="劳动合同.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, acting_user=user)
    svc.destination_submit(acting_user=user, confirmation=confirm(user, "destination_submit"))
    destination = Destination.objects.get(student=world.student)
    svc.destination_return(destination, remark="合同不清晰", acting_user=world.college_admin)

    login_as(world.school_admin)
    page = client.get(_url(world)).content.decode()
    assert "该去向现有1个证明材料" in page and "转为留存备查" in page
    entered = {**CONTRACT, "unit_name": "测试公司"}
    assert client.post(_url(world), {**entered, "confirmed": "1"}).status_code == 302
    destination.refresh_from_db()
    assert destination.current is not None and destination.current.unit_name == "测试公司"
    assert not destination.attachments.exists()
    scan.refresh_from_db()
    assert scan.retired_reason == "replaced" and scan.retired_at is not None
    assert destination.events.order_by("-id").first().remark == "原1个证明材料转为留存备查"  # type: ignore[union-attr]
    detail = client.get(reverse("school:destination", args=[destination.pk])).content.decode()
    assert "学校代为登记时替换" in detail and "劳动合同.png" in detail  # kept for the reviewers
    assert client.get(f"/attachments/{scan.pk}/").status_code == 200

    # The graduate's page shows the new entry without the old proof.
    student_page = login_as(world.student).get(reverse("student:destination")).content.decode()
    assert "测试公司" in student_page and f"/attachments/{scan.pk}/" not in student_page  # named in 流程追踪 only

    # Posting the same entry again adds no version and no second event.
    login_as(world.school_admin)
    events = destination.events.count()
    assert client.post(_url(world), entered).status_code == 302
    assert destination.events.count() == events and destination.versions.count() == 2
    assert svc.destination_enter(world.student.pk, {**entered, "position": "测试"}, acting_user=world.school_admin)
    assert destination.events.count() == events + 1
