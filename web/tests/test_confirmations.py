"""Every step that cannot be undone, or that undoes another party's answer, asks once (issue 18 bug 6).

Without JavaScript, a POST that does not carry the confirmation answers with the page that asks (the confirmation
page, or the dialog or page that is itself the question) and changes nothing; the same POST confirmed takes the
step. The steps: 签约审核 通过 and 批量通过, 解约审核 通过 and 退回, 毕业去向 通过 and 批量通过, 修改邀约 of a signed
agreement (it cancels the student's acceptance), 撤回邀约, the employer's 解约申请 (it cannot be withdrawn), 同意 and
拒绝 a 解约 (both parties), the student's 同意 and 拒绝 of an invitation, and 撤回 of a paper agreement's
registration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Agreement, Destination, Status, User
from core.services import agreements as wf
from core.services import destinations
from core.services import paper_agreements as paper
from testsupport import PAPER_EXTRA, LoginAs, World, confirm, confirmation_fields

pytestmark = pytest.mark.django_db

PAPER = {
    **PAPER_EXTRA,
    "employer_name": "大连星海教育咨询有限公司",
    "credit_code": "1210000046300354XU",
    "position_category": "24",
    "position": "课程顾问",
    "work_location": "210202",
}


def _student(world: World) -> User:
    assert world.student.user is not None
    return world.student.user


def _employer_requested(world: World) -> Agreement:
    agreement = world.reach("effective")
    return wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)


def _paper(world: World) -> Agreement:
    return paper.paper_agreement_register(
        PAPER,
        scan_name="协议书.pdf",
        scan=b"%PDF-1.4\n",
        acting_user=_student(world),
        confirmation=confirm(_student(world), "paper"),
    )


def _modify_terms(agreement: Agreement) -> dict[str, Any]:
    terms = {k: "" if v is None else v for k, v in wf.terms_as_dict(agreement.current_terms).items()}
    return {**terms, "position": "架构师"}


def _destination(world: World) -> Destination:
    mine = _student(world)
    destinations.destination_update({"code": "80", "school_name": "东北大学", "programme": "法学"}, acting_user=mine)
    destinations.destination_attach(name="录取通知书.pdf", content=b"%PDF-1.4\n", acting_user=mine)
    return destinations.destination_submit(acting_user=mine, confirmation=confirm(mine, "destination_submit"))


@dataclass(frozen=True)
class Step:
    who: Callable[[World], User]
    setup: Callable[[World], Any]  # the object (an agreement or a 毕业去向) in the state the step starts from
    url: Callable[[Any], str]
    data: Callable[[Any], dict[str, Any]]
    asks: str  # words of the page that asks
    after: str  # the object's status once the step is taken


def _agreement_url(name: str) -> Callable[[Any], str]:
    return lambda obj: reverse(name, args=[obj.pk])


def _no_data(obj: Any) -> dict[str, Any]:
    return {}


STEPS: dict[str, Step] = {
    "签约审核通过": Step(
        lambda w: w.college_admin,
        lambda w: w.reach("college_review"),
        _agreement_url("school:agreement_approve"),
        _no_data,
        "审核通过确认",
        Status.SCHOOL_REVIEW,
    ),
    "签约审核批量通过": Step(
        lambda w: w.school_admin,
        lambda w: w.reach("school_review"),
        lambda obj: reverse("school:reviews_approve_batch"),
        lambda obj: {"ids": [obj.pk]},
        "批量通过确认",
        Status.EFFECTIVE,
    ),
    "解约审核通过": Step(
        lambda w: w.school_admin,
        lambda w: w.reach("termination_review"),
        _agreement_url("school:termination_approve"),
        _no_data,
        "解约审核通过确认",
        Status.TERMINATED,
    ),
    "解约审核退回": Step(
        lambda w: w.school_admin,
        lambda w: w.reach("termination_review"),
        _agreement_url("school:termination_return"),
        lambda obj: {"remark": "材料不全"},
        "解约审核退回确认",
        Status.EFFECTIVE,
    ),
    "毕业去向通过": Step(
        lambda w: w.college_admin,
        _destination,
        lambda obj: reverse("school:destination_approve", args=[obj.pk]),
        _no_data,
        "毕业去向审核通过确认",
        "school_review",
    ),
    "毕业去向批量通过": Step(
        lambda w: w.college_admin,
        _destination,
        lambda obj: reverse("school:destinations_approve_batch"),
        lambda obj: {"ids": [obj.pk]},
        "批量通过确认",
        "school_review",
    ),
    "修改已签的协议": Step(
        lambda w: w.employer,
        lambda w: w.reach("college_review"),
        _agreement_url("employer:agreement_modify"),
        _modify_terms,
        "修改邀约确认",
        Status.INVITED,
    ),
    "撤回邀约": Step(
        lambda w: w.employer,
        lambda w: w.reach("invited"),
        _agreement_url("employer:agreement_withdraw"),
        _no_data,
        "确定撤回",
        Status.WITHDRAWN,
    ),
    "单位申请解约": Step(
        lambda w: w.employer,
        lambda w: w.reach("effective"),
        _agreement_url("employer:termination_request"),
        lambda obj: {"reason": "岗位调整"},
        "解约申请一旦发出将无法撤回",
        Status.TERMINATION_REQUESTED,
    ),
    "单位同意解约": Step(
        lambda w: w.employer,
        lambda w: w.reach("termination_requested"),
        _agreement_url("employer:termination_answer"),
        lambda obj: {"decision": "agree"},
        "处理解约申请确认",
        Status.TERMINATION_REVIEW,
    ),
    "单位拒绝解约": Step(
        lambda w: w.employer,
        lambda w: w.reach("termination_requested"),
        _agreement_url("employer:termination_answer"),
        lambda obj: {"decision": "decline", "remark": "岗位需要"},
        "处理解约申请确认",
        Status.EFFECTIVE,
    ),
    "学生同意解约": Step(
        _student,
        _employer_requested,
        _agreement_url("student:termination_answer"),
        lambda obj: {"decision": "accept", **confirmation_fields(obj.student.user, "termination/accept", obj)},
        "处理解约申请确认",
        Status.TERMINATION_REVIEW,
    ),
    "学生拒绝解约": Step(
        _student,
        _employer_requested,
        _agreement_url("student:termination_answer"),
        lambda obj: {
            "decision": "decline",
            "remark": "不同意",
            **confirmation_fields(obj.student.user, "termination/decline", obj),
        },
        "处理解约申请确认",
        Status.EFFECTIVE,
    ),
    "学生同意邀约": Step(
        _student,
        lambda w: w.reach("invited"),
        _agreement_url("student:invitation_accept"),
        lambda obj: confirmation_fields(obj.student.user, "accept", obj),  # and 本人确认 (issue 20)
        "确认同意",
        Status.COLLEGE_REVIEW,
    ),
    "学生拒约": Step(
        _student,
        lambda w: w.reach("invited"),
        _agreement_url("student:invitation_decline"),
        lambda obj: {"remark": "已有去处"},
        "确认拒绝",
        Status.DECLINED,
    ),
    "撤回纸质协议登记": Step(
        _student,
        _paper,
        _agreement_url("student:paper_withdraw"),
        _no_data,
        "撤回登记确认",
        Status.WITHDRAWN,
    ),
}


def _status(obj: Any) -> str:
    obj.refresh_from_db()
    return str(obj.status)


@pytest.mark.parametrize("name", list(STEPS))
def test_without_the_confirmation_the_step_asks_and_changes_nothing(
    world: World, client: Client, login_as: LoginAs, name: str
) -> None:
    step = STEPS[name]
    obj = step.setup(world)
    before = _status(obj)
    login_as(step.who(world))
    data = step.data(obj)
    asked = client.post(step.url(obj), data)
    html = asked.content.decode()
    assert asked.status_code == 200, (name, asked.status_code, asked.get("Location"))
    assert step.asks in html, name
    assert 'name="confirmed" value="1"' in html, name  # its button sends the confirmation
    assert _status(obj) == before, name

    done = client.post(step.url(obj), {**data, "confirmed": "1"})
    assert done.status_code in (200, 302), (name, done.status_code)
    assert _status(obj) == step.after, name


def test_the_confirmation_page_resends_what_was_posted(world: World, client: Client, login_as: LoginAs) -> None:
    """Without JavaScript the question is a page of its own; its form carries every field of the first POST."""
    agreement = world.reach("termination_review")
    login_as(world.school_admin)
    back = reverse("school:terminations")
    page = client.post(reverse("school:termination_return", args=[agreement.pk]), {"remark": "材料不全", "next": back})
    html = page.content.decode()
    assert '<input type="hidden" name="remark" value="材料不全">' in html
    assert f'<input type="hidden" name="next" value="{back}">' in html
    assert "退回后本次解约申请结束，协议恢复原状态" in html  # what it will do, from core.status_words
    assert "取消" in html


def test_modifying_an_unanswered_invitation_does_not_ask(world: World, client: Client, login_as: LoginAs) -> None:
    """Nobody's answer is undone: the employer may change it again, so it is saved at once."""
    agreement = world.reach("invited")
    login_as(world.employer)
    response = client.post(reverse("employer:agreement_modify", args=[agreement.pk]), _modify_terms(agreement))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.current_terms is not None and agreement.current_terms.position == "架构师"
