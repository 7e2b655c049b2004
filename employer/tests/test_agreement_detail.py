"""The shared 查看详情 block: steps, masking per viewer, terms, changes and 流程追踪."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from core.masking import mask_id_number, mask_phone
from core.selectors import get_agreement_for_user
from core.services import agreements as wf
from testsupport import World, confirm
from web.agreement_detail import agreement_detail_context


def _detail(world: World, agreement: Any, viewer: Any) -> dict[str, Any]:
    fetched = get_agreement_for_user(viewer, agreement.pk)
    return agreement_detail_context(fetched, viewer)["detail"]


def test_steps_follow_the_status(world: World) -> None:
    invited = world.reach("invited")
    assert [s["state"] for s in _detail(world, invited, world.employer)["steps"]] == ["done", "current", "todo"]
    review = world.reach("college_review", student=world.other_student)
    assert [s["state"] for s in _detail(world, review, world.employer)["steps"]] == ["done", "done", "current"]


def test_employer_sees_masked_data_student_and_reviewer_full(world: World) -> None:
    agreement = world.reach("effective")
    student = world.student
    employer_view = dict(_detail(world, agreement, world.employer)["party_b"])
    assert employer_view["身份证号"] == mask_id_number(student.id_number)
    assert employer_view["联系电话"] == mask_phone(student.phone)
    for viewer in (student.user, world.college_admin, world.school_admin):
        full = dict(_detail(world, agreement, viewer)["party_b"])
        assert full["身份证号"] == student.id_number
        assert full["联系电话"] == student.phone
    employment = dict(_detail(world, agreement, world.employer)["employment"])
    assert employment["就业类别"] == "协议就业（线上签约）"
    assert employment["协议书编号"] == agreement.number
    assert employment["协议书状态"] == "已生效"


def test_modification_shows_changes_and_renewed_consent(world: World) -> None:
    agreement = world.reach("college_review")
    wf.agreement_modify(agreement, terms={"position": "架构师"}, acting_user=world.employer)
    detail = _detail(world, agreement, world.employer)
    assert ("拟聘用职位", "软件开发工程师", "架构师") in detail["changes"]
    wf.agreement_accept(
        agreement, acting_user=world.student.user, confirmation=confirm(world.student.user, "accept", agreement)
    )
    detail = _detail(world, agreement, world.employer)
    actions = [e["action"] for e in detail["events"]]
    assert actions[-2:] == ["单位修改邀约", "学生同意邀约"]
    assert detail["changes"] == []


def test_template_renders_every_section(world: World) -> None:
    agreement = world.reach("termination_requested")
    html = render_to_string("includes/agreement_detail.html", _ctx(world, agreement))
    for word in (
        "单位发起签约",
        "学生处理",
        "管理员审核",
        "就业信息",
        "甲方",
        "乙方",
        "流程追踪",
        "用户名称",
        "个人原因",
        mask_id_number(world.student.id_number),
    ):
        assert word in html
    assert world.student.id_number not in html


def _ctx(world: World, agreement: Any) -> dict[str, Any]:
    return agreement_detail_context(get_agreement_for_user(world.employer, agreement.pk), world.employer)
