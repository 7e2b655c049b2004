"""单位资质审核: the pending list with the credit code checked, 通过 / 驳回 (reason required), verified employers
with their signing activity at this school."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Employer
from core.services import agreements as wf
from school.tests.conftest import Reach
from school.tests.helpers import reach_outsider
from testsupport import LoginAs, World, confirm, make_employer, register_employer

pytestmark = pytest.mark.django_db

BASIC = {
    "name": "沈阳未来教育科技有限公司",
    "credit_code": "1210000046300354XU",
    "contact_person": "陈经理",
    "phone": "024-83687000",
    "email": "hr@future.example.com",
    "address": "辽宁省沈阳市和平区",
}


@pytest.fixture
def pending(db: None) -> Employer:
    user = register_employer("future_hr", BASIC)
    assert user.employer is not None
    return user.employer


def test_pending_list_checks_credit_codes(world: World, client: Client, pending: Employer, login_as: LoginAs) -> None:
    # An employer from before validation existed, with a code whose check character is wrong.
    legacy = Employer.objects.create(
        name="旧数据单位", credit_code="91210102999999999A", contact_person="刘", phone="1", email="a@b.cn", address="x"
    )
    login_as(world.school_admin)
    page = client.get(reverse("school:employers")).content.decode()
    assert pending.name in page and legacy.name in page
    assert "沈阳鼎新科技有限公司" not in page  # verified ones are on the other tab
    assert 'aria-label="校验通过">✓' in page
    assert "✗" in page and "统一社会信用代码校验位不正确" in page
    detail = client.get(reverse("school:employer", args=[legacy.pk])).content.decode()
    assert "未通过校验" in detail


def test_approve(world: World, client: Client, pending: Employer, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    response = client.post(reverse("school:employer_verify", args=[pending.pk]), {"approve": "1"})
    assert response["Location"] == reverse("school:employers") + "?tab=pending"
    pending.refresh_from_db()
    assert pending.is_verified and pending.verified_by == world.school_admin
    response = client.post(reverse("school:employer_verify", args=[pending.pk]), {"approve": "1"}, follow=True)
    assert "该单位资质审核已通过" in response.content.decode()  # a second decision is refused


def test_reject_needs_a_reason(world: World, client: Client, pending: Employer, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    url = reverse("school:employer_verify", args=[pending.pk])
    response = client.post(url, {"approve": "0", "remark": " "})
    assert response.status_code == 400 and "请填写驳回原因" in response.content.decode()
    pending.refresh_from_db()
    assert pending.verification_status == "pending"
    client.post(url, {"approve": "0", "remark": "营业执照与单位名称不符"})
    pending.refresh_from_db()
    assert pending.verification_status == "rejected" and pending.verification_remark == "营业执照与单位名称不符"
    page = client.get(reverse("school:employers"), {"tab": "rejected"}).content.decode()
    assert "营业执照与单位名称不符" in page


def test_unknown_employer_is_404(world: World, client: Client, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    assert client.get(reverse("school:employer", args=[999999])).status_code == 404
    assert client.post(reverse("school:employer_verify", args=[999999]), {"approve": "1"}).status_code == 404


def test_verified_list_counts_signing_with_this_school_only(
    world: World, client: Client, reach: Reach, login_as: LoginAs
) -> None:
    reach("invited")
    reach("college_review")
    reach("effective")
    reach("effective", college=world.other_college)
    reach("terminated")
    reach_outsider(world)  # with another school: not counted here
    login_as(world.school_admin)
    page = client.get(reverse("school:employers"), {"tab": "verified"}).content.decode()
    row = page[page.index("沈阳鼎新科技有限公司") :]
    row = row[: row.index("</tr>")]
    cells = [c.split("<")[0] for c in row.split('class="wq-num">')[1:]]
    assert cells == ["1", "1", "2", "1", "5"]  # 待应约, 审核中, 已生效, 已解约, 合计
    detail = client.get(reverse("school:employer", args=[world.employer.employer_id])).content.decode()
    assert "合计 5" in detail and "已生效 2" in detail


def test_list_query_count_is_constant(world: World, client: Client, reach: Reach, login_as: LoginAs) -> None:
    login_as(world.school_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("school:employers"), {"tab": "verified"})
    for _ in range(5):
        hr = make_employer()
        reach("invited", employer=hr)
        reach("effective", employer=hr, college=world.other_college)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("school:employers"), {"tab": "verified"}).content.decode()
    assert page.count(">查看</a>") == 7
    assert len(many) == len(few)
    make_employer(verified=False, profile=False)
    with CaptureQueriesContext(connection) as pending_few:
        client.get(reverse("school:employers"))
    for _ in range(5):
        make_employer(verified=False, profile=False)
    with CaptureQueriesContext(connection) as pending_many:
        client.get(reverse("school:employers"))
    assert len(pending_many) == len(pending_few)


def test_a_termination_asked_before_approval_is_not_counted_effective(
    world: World, client: Client, reach: Reach, login_as: LoginAs
) -> None:
    # 已生效 means what 签约率 and the 就业方案 mean: approved by the school and not yet terminated.
    during_review = reach("college_review")
    assert during_review.student.user is not None
    wf.termination_request(
        during_review,
        reason="个人原因",
        acting_user=during_review.student.user,
        confirmation=confirm(during_review.student.user, "termination", during_review),
    )
    reach("termination_requested")
    login_as(world.school_admin)
    detail = client.get(reverse("school:employer", args=[world.employer.employer_id])).content.decode()
    assert "已生效 1" in detail and "合计 2" in detail
