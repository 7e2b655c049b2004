"""No 去向 without its graduate (issue 20 item 2): a 去向 a college or school admin enters or changes is 待本人确认
and counts in no figure (统计, 就业方案, 去向落实率) until the graduate confirms it by 本人确认; the graduate may
raise an 异议 instead, which the school cannot clear or overwrite."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from core.errors import Conflict, Forbidden, NotFound
from core.models import Destination, DestinationStatus
from core.services import destinations as svc
from core.services.confirmations import ConfirmationRequired
from core.services.plan import plan_rows
from core.services.stats import school_stats
from core.services.stats_counters import counters_diff
from testsupport import ApiClient, World, confirm

pytestmark = pytest.mark.django_db

CONTRACT = {
    "code": "11",
    "unit_name": "沈阳鼎新科技有限公司",
    "unit_nature": "39",
    "unit_location": "210102",
    "position": "软件工程师",
    "contract_start": "2027-07-01",
}


def _placed(world: World) -> int:
    return school_stats(world.school, world.student.graduation_year).total.placed


def _plan_state(world: World, name: str) -> str:
    rows = list(plan_rows(world.school, world.student.graduation_year))
    (row,) = [r for r in rows if name in r]
    return next(cell for cell in row if cell in dict(DestinationStatus.choices).values())


def test_a_destination_entered_by_staff_counts_only_after_the_graduates_confirmation(world: World) -> None:
    user = world.student.user
    assert user is not None
    entered = svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.college_admin)
    assert (entered.status, entered.source) == ("pending_confirmation", "staff")
    assert _placed(world) == 0 and counters_diff() == {}
    assert _plan_state(world, world.student.name) == "待本人确认"

    with pytest.raises(ConfirmationRequired):  # the session alone never suffices
        svc.destination_confirm(acting_user=user)
    confirmed = svc.destination_confirm(acting_user=user, confirmation=confirm(user, "destination_confirm"))
    assert confirmed.status == DestinationStatus.APPROVED
    assert _placed(world) == 1 and counters_diff() == {}
    event = confirmed.events.get(action="confirm")
    assert event.confirmation.method == "sms"  # type: ignore[attr-defined]

    # The school changes it again: back to 待本人确认, out of the figures until confirmed again.
    svc.destination_enter(world.student.pk, {**CONTRACT, "position": "测试工程师"}, acting_user=world.school_admin)
    assert _placed(world) == 0 and counters_diff() == {}


def test_an_objection_stays_and_the_school_cannot_clear_it(world: World) -> None:
    user = world.student.user
    assert user is not None
    svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.school_admin)
    with pytest.raises(Exception, match="异议理由不能为空"):
        svc.destination_dispute("", acting_user=user)
    disputed = svc.destination_dispute("这不是我的去向，我没有与该单位签约", acting_user=user)
    assert disputed.status == DestinationStatus.DISPUTED and disputed.dispute_reason.startswith("这不是我的去向")
    assert disputed.events.get(action="dispute").remark.startswith("这不是我的去向")
    with pytest.raises(Conflict, match="省级主管部门"):
        svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.school_admin)
    with pytest.raises(Conflict):
        svc.destination_confirm(acting_user=user, confirmation="cfm_x")
    assert _placed(world) == 0 and _plan_state(world, world.student.name) == "学生有异议"


def test_only_the_graduates_own_school_side_enters(world: World) -> None:
    with pytest.raises(NotFound):  # another college's admin
        svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.other_college_admin)
    with pytest.raises(NotFound):  # another school
        svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.other_school_admin)
    with pytest.raises(Forbidden):
        svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.employer)
    with pytest.raises(Exception, match="请填写"):  # bad input names the field, changes nothing
        svc.destination_enter(world.student.pk, {"code": "11"}, acting_user=world.school_admin)


def test_through_the_api(world: World) -> None:
    school = ApiClient(Client()).login(world.school_admin)
    entered = school.post(f"/destinations/students/{world.student.pk}", CONTRACT)
    assert entered.status_code == 200, entered.content
    assert entered.json()["status"] == "pending_confirmation"
    assert school.post(f"/destinations/students/{world.outsider_student.pk}", CONTRACT).status_code == 404

    me = ApiClient(Client()).login(world.student.user)  # type: ignore[arg-type]
    mine = me.get("/destinations/me").json()
    assert mine["status_label"] == "待本人确认" and mine["actions"] == ["confirm", "dispute"]
    refused = me.post("/destinations/me/confirm")
    assert refused.status_code == 403 and refused.json()["code"] == "confirmation_required"
    done = me.post("/destinations/me/confirm", {"confirmation": me.confirm("destination_confirm", None)})
    assert done.status_code == 200 and done.json()["status"] == "approved"

    other = ApiClient(Client()).login(world.other_student.user)  # type: ignore[arg-type]
    school.post(f"/destinations/students/{world.other_student.pk}", CONTRACT)
    disputed = other.post("/destinations/me/dispute", {"reason": "这不是我的去向"})
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    again = school.post(f"/destinations/students/{world.other_student.pk}", CONTRACT)
    assert again.status_code == 409 and "省级主管部门" in again.json()["detail"]


def test_the_graduates_page_offers_confirm_and_dispute(world: World, login_as: Any) -> None:
    from core import sms

    student_client = login_as(world.student)
    svc.destination_enter(world.student.pk, CONTRACT, acting_user=world.school_admin)
    page = student_client.get("/student/destination/").content.decode()
    assert "待你本人确认" in page and "确认是我的去向" in page and "提出异议" in page
    asked = student_client.post("/student/destination/confirm/")
    assert asked.status_code == 403 and "确认学校代为登记的毕业去向" in asked.content.decode()
    sending = student_client.post("/student/destination/confirm/", {"send_code": "1"}).content.decode()
    # What the code binds them to is on the page, every field (outsider F5), and the button reads as it does.
    for shown in ("签劳动合同形式就业", "沈阳鼎新科技有限公司", "软件工程师", "2027-07-01", "证明材料"):
        assert shown in sending, shown
    assert ">确认是我的去向</button>" in sending and "确认并确认" not in sending
    code = sms.outbox[-1].text.split("验证码：")[1][:6]
    from core.models import Confirmation

    latest = Confirmation.objects.filter(action="destination_confirm").latest("pk")
    done = student_client.post(
        "/student/destination/confirm/", {"confirmed": "1", "confirmation_id": latest.pk, "code": code}
    )
    assert done.status_code == 302
    assert Destination.objects.get(student=world.student).status == "approved"


def test_the_dispute_asks_once_then_stays(world: World, login_as: Any) -> None:
    client = login_as(world.other_student)
    svc.destination_enter(world.other_student.pk, CONTRACT, acting_user=world.school_admin)
    asked = client.post("/student/destination/dispute/", {"reason": "不是我的"})
    assert asked.status_code == 200 and "确定提出异议" in asked.content.decode()
    client.post("/student/destination/dispute/", {"reason": "不是我的", "confirmed": "1"})
    page = client.get("/student/destination/").content.decode()
    assert "你已对学校代为登记的去向提出异议" in page and "不是我的" in page
