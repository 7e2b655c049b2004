"""The province role (SPEC §1, issue 21 item 1): a province admin reads its own schools' figures, agreements and 去向,
never changes them, and another province's school (or a school of none) answers 404."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from core.models import Agreement, Province, Role, User, VerificationCampaign
from core.models.destinations import Destination
from core.services import agreements as wf
from sampledata.demo import load_demo
from testsupport import (
    ApiClient,
    LoginAs,
    World,
    confirm,
    invite,
    make_college,
    make_college_admin,
    make_school,
    make_student,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_admin(world: World) -> User:
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    Province.objects.create(name="吉林省教育厅").schools.set([world.other_school])
    return make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")


def test_the_landing_page_lists_its_schools_only(province_admin: User, login_as: LoginAs) -> None:
    client = login_as(province_admin)
    assert client.get("/")["Location"] == "/province/"
    page = client.get("/province/").content.decode()
    assert "辽宁省教育厅" in page and "10145" in page and "东北大学" in page
    assert "辽宁大学" not in page and "吉林省教育厅" not in page


def test_a_province_admin_sees_nothing_else(world: World, province_admin: User, login_as: LoginAs) -> None:
    client = login_as(province_admin)
    for path in ("/school/", "/school/agreements/", "/school/staff/", "/employer/agreements/", "/student/invitations/"):
        assert client.get(path).status_code == 403, path
    mine = world.reach("effective")
    api = ApiClient(Client())
    api.login(province_admin)
    # It reads its school's agreements (issue 21 item 1), and may take no action on them.
    assert [row["id"] for row in api.get("/agreements").json()["results"]] == [mine.pk]
    assert api.get(f"/agreements/{mine.pk}").json()["actions"] == []
    assert api.post(f"/agreements/{mine.pk}/termination", {"reason": "核查"}).status_code == 403
    assert api.get("/me").json()["role"] == "province_admin"
    for path in ("/school/staff", "/school/employers"):
        assert api.get(path).status_code in (403, 404), path
    assert api.get(f"/agreements/{world.reach('invited', student=world.outsider_student).pk}").status_code == 404


def test_other_roles_may_not_open_the_province_page(world: World, login_as: LoginAs, client: Client) -> None:
    for user in (world.school_admin, world.college_admin, world.employer, world.student.user):
        assert login_as(user).get("/province/").status_code == 403
    assert Client().get("/province/")["Location"].startswith("/login/")
    orphan = make_user("no_province", Role.PROVINCE_ADMIN)
    assert login_as(orphan).get("/province/").status_code == 403


def test_the_demo_has_province1_over_its_schools(db: None) -> None:
    load_demo()
    admin = User.objects.get(username="province1")
    assert admin.role == Role.PROVINCE_ADMIN and admin.check_password("demo-pass-2026")
    assert admin.province is not None
    codes = set(admin.province.schools.values_list("code", flat=True))
    assert "10145" in codes and codes <= {"10145", "10140"}
    # A 核查 to look at (issue 21 item 2): 东北大学's approved 去向, each graduate sent a link.
    campaign = VerificationCampaign.objects.get(province=admin.province)
    assert campaign.seed == "demo-核查" and campaign.rows.count() >= 1
    assert all(row.student_messages >= 1 for row in campaign.rows.all())


# --- issue 21 item 1: the province's figures and read-only views ---------------------------------------------


@pytest.fixture
def over_two(world: World) -> User:
    """A province over both schools of the world; a third school (吉林大学) belongs to none of its."""
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school, world.other_school])
    return make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")


def _effective_at_other_school(world: World) -> Agreement:
    """An effective agreement of 辽宁大学's student, through that school's own reviewers."""
    student = world.outsider_student
    assert student.user is not None
    (agreement,) = invite(world.employer, student)
    wf.agreement_accept(agreement, acting_user=student.user, confirmation=confirm(student.user, "accept", agreement))
    wf.agreement_approve(agreement, acting_user=make_college_admin(student.college, "college_lnu"))
    return wf.agreement_approve(agreement, acting_user=world.other_school_admin)


def _third_school_agreement(world: World) -> Agreement:
    college = make_college(make_school("吉林大学", "10183"), "法学院")
    (agreement,) = invite(world.employer, make_student(college, name="赵敏"))
    return agreement


def test_a_province_admin_over_two_schools_sees_both_schools_figures(
    world: World, over_two: User, login_as: LoginAs
) -> None:
    world.reach("effective")
    world.reach("invited", student=world.other_student)
    _effective_at_other_school(world)
    _third_school_agreement(world)
    api = ApiClient(Client())
    api.login(over_two)
    answer = api.get("/province/schools", graduation_year=2027).json()
    by_code = {row["code"]: row for row in answer["schools"]}
    assert set(by_code) == {"10145", "10140"}  # not 吉林大学
    neu, lnu = by_code["10145"], by_code["10140"]
    assert (neu["graduates"], neu["effective"], neu["rate"]) == (2, 1, 0.5)
    assert (lnu["graduates"], lnu["effective"], lnu["rate"]) == (1, 1, 1.0)
    # Accepting needs 本人确认 (issue 20): every effective agreement was confirmed by its graduate.
    assert (neu["confirmed_agreements"], neu["confirmed_agreement_share"]) == (1, 1.0)
    assert neu["open_disputes"] == 0
    groups = {g["group"]: g for g in neu["destination_groups"]}
    assert groups["协议和合同就业"]["count"] == neu["placed"]
    # This week: both effective agreements are in the last week's figures.
    assert neu["weeks"][-1]["effective"] == 1 and neu["weeks"][-1]["new_effective"] == 1
    assert len(neu["weeks"]) == 26

    page = login_as(over_two).get("/province/?year=2027").content.decode()
    assert "东北大学" in page and "辽宁大学" in page and "吉林大学" not in page
    assert "50.0%" in page and "100.0%" in page
    assert 'method="post"' not in page.split('id="main"')[1]  # nothing to change here


def test_a_third_schools_agreement_and_destination_answer_404(world: World, over_two: User, login_as: LoginAs) -> None:
    foreign = _third_school_agreement(world)
    client = login_as(over_two)
    assert client.get(f"/province/agreements/{foreign.pk}/").status_code == 404
    assert client.get(f"/province/schools/{foreign.school_id}/").status_code == 404
    assert client.get(f"/documents/agreements/{foreign.pk}/pdf/").status_code in (403, 404)
    api = ApiClient(Client())
    api.login(over_two)
    assert api.get(f"/agreements/{foreign.pk}").status_code == 404
    assert foreign.pk not in [row["id"] for row in api.get("/agreements").json()["results"]]


def test_the_province_reads_its_schools_agreements_and_destinations_read_only(
    world: World, over_two: User, login_as: LoginAs
) -> None:
    agreement = _effective_at_other_school(world)
    client = login_as(over_two)
    listing = client.get(f"/province/schools/{world.other_school.pk}/?year=2027").content.decode()
    assert "张伟" in listing and f"/province/agreements/{agreement.pk}/" in listing
    detail = client.get(f"/province/agreements/{agreement.pk}/").content.decode()
    assert "张伟" in detail and "流程追踪" in detail and "只读" in detail
    assert "<form" not in detail.split('id="main"')[1]  # no action of any kind
    destination = Destination.objects.get(student=world.outsider_student)
    page = client.get(f"/province/destinations/{destination.pk}/").content.decode()
    assert "毕业去向详情" in page and "张伟" in page
    assert "<form" not in page.split('id="main"')[1]
    # What a reviewer could do is refused to it.
    assert client.post(f"/school/agreements/{agreement.pk}/approve/").status_code == 403
    before = Agreement.objects.get(pk=agreement.pk).status
    api = ApiClient(Client())
    api.login(over_two)
    assert api.post(f"/agreements/{agreement.pk}/termination/approve", {"remark": ""}).status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == before


def test_the_figures_export_as_xlsx(world: World, over_two: User, login_as: LoginAs) -> None:
    world.reach("effective")
    client = login_as(over_two)
    for query, first in (("year=2027", "院校代码"), ("year=2027&weeks=1", "院校代码")):
        answer = client.get(f"/province/export/?{query}")
        assert answer.status_code == 200
        sheet = load_workbook(io.BytesIO(answer.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == first
        assert {"10145", "10140"} <= {r[0] for r in rows[1:]}
    summary = load_workbook(io.BytesIO(client.get("/province/export/?year=2027").content)).active
    assert summary is not None
    neu = next(r for r in summary.iter_rows(values_only=True) if r[0] == "10145")
    assert neu[3:6] == (2, 1, 50)


def test_bad_input_answers_in_chinese(world: World, over_two: User, login_as: LoginAs) -> None:
    page = login_as(over_two).get("/province/?year=abc").content.decode()
    assert "毕业年度应为四位年份" in page
    api = ApiClient(Client())
    api.login(over_two)
    answer = api.get("/province/schools", graduation_year=1900)
    assert answer.status_code == 400 and "graduation_year" in answer.json()["errors"]
    api.login(world.school_admin)
    assert api.get("/province/schools").status_code == 403


def test_a_graduates_open_disputes_are_counted_for_the_province(world: World, over_two: User) -> None:
    from core.services import destinations

    data = {"code": "11", "unit_name": "沈阳某公司", "unit_nature": "39", "unit_location": "210102"}
    data.update(position="职员", contract_start="2027-07-01")
    destinations.destination_enter(world.student.pk, data, acting_user=world.school_admin)
    destinations.destination_dispute("我没有在这家公司工作", acting_user=world.student.user)
    api = ApiClient(Client())
    api.login(over_two)
    by_code = {row["code"]: row for row in api.get("/province/schools", graduation_year=2027).json()["schools"]}
    assert by_code["10145"]["open_disputes"] == 1 and by_code["10140"]["open_disputes"] == 0


def _disputed(world: World) -> Destination:
    from core.services import destinations

    data = {"code": "11", "unit_name": "沈阳某公司", "unit_nature": "39", "unit_location": "210102"}
    data.update(position="职员", contract_start="2027-07-01")
    destinations.destination_enter(world.student.pk, data, acting_user=world.school_admin)
    return destinations.destination_dispute("我没有在这家公司工作", acting_user=world.student.user)


def test_the_province_closes_a_graduates_dispute(world: World, over_two: User, login_as: LoginAs) -> None:
    disputed = _disputed(world)
    client = login_as(over_two)
    url = f"/province/destinations/{disputed.pk}/"
    page = client.get(url).content.decode()
    assert "学生异议（待省级主管部门处理）" in page and "我没有在这家公司工作" in page
    refused = client.post(url + "dispute/", {"remark": "已核实"})
    assert refused.status_code == 400 and "请选择" in refused.content.decode()
    refused = client.post(url + "dispute/", {"decision": "rejected", "remark": ""})
    assert refused.status_code == 400 and "处理意见" in refused.content.decode()
    assert Destination.objects.get(pk=disputed.pk).status == "disputed"
    # Another province's admin (or a school admin) cannot.
    other = make_user("jl_jyt", Role.PROVINCE_ADMIN, province=Province.objects.create(name="吉林省教育厅"))
    assert login_as(other).post(url + "dispute/", {"decision": "rejected", "remark": "x"}).status_code == 404
    assert (
        login_as(world.school_admin).post(url + "dispute/", {"decision": "rejected", "remark": "x"}).status_code == 403
    )

    client = login_as(over_two)
    assert (
        client.post(url + "dispute/", {"decision": "rejected", "remark": "经单位核实确在该公司就业"}).status_code == 302
    )
    closed = Destination.objects.get(pk=disputed.pk)
    assert closed.status == "approved" and closed.code == "11"
    event = closed.events.order_by("-sequence").first()
    assert event is not None and event.action == "dispute_rejected" and event.actor_role == "province_admin"
    assert event.remark == "经单位核实确在该公司就业"
    api = ApiClient(Client())
    api.login(over_two)
    neu = next(r for r in api.get("/province/schools").json()["schools"] if r["code"] == "10145")
    assert (neu["open_disputes"], neu["placed"]) == (0, 1)  # it counts now
    assert client.post(url + "dispute/", {"decision": "upheld", "remark": "x"}).status_code == 409


def test_an_upheld_dispute_withdraws_the_destination(world: World, over_two: User, login_as: LoginAs) -> None:
    disputed = _disputed(world)
    client = login_as(over_two)
    assert client.post(f"/province/destinations/{disputed.pk}/dispute/", {"decision": "upheld", "remark": "学校误录"})
    closed = Destination.objects.get(pk=disputed.pk)
    assert (closed.status, closed.code, closed.current_id) == ("unregistered", "", None)
    assert closed.versions.count() == 1  # the history stays


def test_the_province_closes_a_dispute_through_the_api(world: World, over_two: User) -> None:
    disputed = _disputed(world)
    api = ApiClient(Client())
    # It finds the 异议 to close by listing its schools' 去向 (outsider F12); another province's lists none of them.
    api.login(over_two)
    listed = api.get("/destinations", status="disputed").json()
    assert [row["id"] for row in listed["results"]] == [disputed.pk] and listed["count"] == 1
    assert api.get(f"/destinations/{disputed.pk}").json()["status"] == "disputed"
    elsewhere = Province.objects.create(name="吉林省教育厅")
    elsewhere.schools.set([make_school("吉林大学", "10183")])
    api.login(make_user("jl_jyc", Role.PROVINCE_ADMIN, province=elsewhere))
    assert api.get("/destinations", status="disputed").json()["count"] == 0
    assert api.get(f"/destinations/{disputed.pk}").status_code == 404
    api.login(world.school_admin)
    path = f"/province/destinations/{disputed.pk}/dispute"
    assert api.post(path, {"upheld": True, "remark": "x"}).status_code == 403
    api.login(over_two)
    refused = api.post(path, {"upheld": True, "remark": ""})
    assert refused.status_code == 400 and "remark" in refused.json()["errors"]
    assert api.post(path, {"upheld": True, "remark": "学校误录"}).json()["status"] == "unregistered"
    assert api.post(path, {"upheld": True, "remark": "再次"}).status_code == 409
    assert api.post("/province/destinations/999999/dispute", {"upheld": True, "remark": "x"}).status_code == 404
