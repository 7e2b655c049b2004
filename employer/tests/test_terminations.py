"""解约办理: the two lists with the manual's 提示, 学生解约通知 (同意/拒绝), 单位解除协议申请, 导出列表."""

from __future__ import annotations

import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Status, Termination
from core.services import agreements as wf
from testsupport import LoginAs, World, confirm, make_student

CONFIRMED = {"confirmed": "1"}  # what the step's confirmation (dialog or page) sends

STUDENT_TIPS = (
    "本列表显示由学生提出的解约待办事项，提示：",
    "① 单位发起邀约且学生点击“同意”邀约后，双方即可申请解约，解约申请须经过学校审核。",
    "② 单位在此处勾选任一学生后点击“处理解约申请”按钮，查看学生提出的解约申请，并根据操作提示办理解约。"
    "学校审核通过后，协议书显示在“单位签约中心”的“已解约”中。",
    "③ 解约需要签约双方同意并经学校审核，审核通过后解约生效。",
    "④ 解约前请确保解约双方已对解约相关事宜达成一致，避免产生解约纠纷。",
)
SIGNED_TIPS = (
    "① 已签约成功学生列表：此处展示单位和学生已签约并经学校审核通过后的数据。单位用户可在此处主动向学生提出解约。",
    "② 单位在此处勾选任一学生后点击“申请解约”按钮，编辑解约申请后发送给学生并等待学生处理。"
    "发出后，协议书显示在“单位签约中心”的“待解约”中。",
    "③ 解约需要签约双方同意并经学校审核，审核通过后解约生效。",
    "④ 解约前请确保解约双方已对解约相关事宜达成一致，避免产生解约纠纷。解约申请一旦发出将无法撤回，请谨慎办理。",
)


def _student_request(world: World, student: Any = None) -> Any:
    agreement = world.reach("effective", student=student)
    student = student or world.student
    wf.termination_request(
        agreement,
        reason="考取公务员，需解除协议",
        acting_user=student.user,
        confirmation=confirm(student.user, "termination", agreement),
    )
    return agreement


def test_student_tab_lists_the_students_requests(world: World, login_as: LoginAs) -> None:
    asked = _student_request(world)
    mine = world.reach("effective", student=world.other_student)
    wf.termination_request(mine, reason="岗位调整", acting_user=world.employer)  # the employer's own request
    page = login_as(world.employer).get(reverse("employer:terminations")).content.decode()
    for word in (
        "我的位置",
        "解约办理",
        "学生提出解约待办理列表",
        "已签约成功学生列表",
        *STUDENT_TIPS,
        "处理解约申请",
        "查看签约详情",
        "导出列表",
        "请选择应约状态",
        "待解约",
        "签约审核通过",
    ):
        assert word in page, word
    listed = page.split('id="wq-list"')[1].split("</table>")[0]
    assert asked.student.name in listed and world.other_student.name not in listed


def test_signed_tab_lists_effective_agreements(world: World, login_as: LoginAs) -> None:
    world.reach("effective")
    world.reach("college_review", student=world.other_student)
    page = login_as(world.employer).get(reverse("employer:terminations"), {"tab": "signed"}).content.decode()
    for word in (*SIGNED_TIPS, "申请解约", "查看签约详情", "查看协议书", "导出列表", "请选择解约状态"):
        assert word in page, word
    listed = page.split('id="wq-list"')[1].split("</table>")[0]
    assert world.student.name in listed and world.other_student.name not in listed


def test_signed_tab_history_filter(world: World, login_as: LoginAs) -> None:
    refused = world.reach("effective")
    wf.termination_request(
        refused,
        reason="个人原因",
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination", refused),
    )
    wf.termination_decline(refused, remark="不同意", acting_user=world.employer)
    world.reach("effective", student=world.other_student)
    client = login_as(world.employer)
    url = reverse("employer:terminations")

    def listed(history: str) -> str:
        page = client.get(url, {"tab": "signed", "history": history}).content.decode()
        return page.split('id="wq-list"')[1].split("</table>")[0]

    assert "李明" in listed("failed") and "王芳" not in listed("failed")
    assert "王芳" in listed("none") and "李明" not in listed("none")


def test_query_count_constant(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    _student_request(world)
    url = reverse("employer:terminations")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        _student_request(world, make_student(world.college))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_answer_dialog_and_agree(world: World, login_as: LoginAs) -> None:
    agreement = _student_request(world)
    client = login_as(world.employer)
    go = client.get(reverse("employer:termination_go"), {"action": "answer", "ids": str(agreement.pk)})
    url = reverse("employer:termination_answer", args=[agreement.pk])
    assert go["Location"] == url
    page = client.get(url).content.decode()
    assert "学生解约通知" in page and "考取公务员，需解除协议" in page and "同意" in page and "拒绝" in page
    response = client.post(url, {"decision": "agree", "remark": "", **CONFIRMED}, follow=True)
    assert "已同意李明的解约申请" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REVIEW


def test_refusing_needs_a_remark_and_keeps_it(world: World, login_as: LoginAs) -> None:
    agreement = _student_request(world)
    client = login_as(world.employer)
    url = reverse("employer:termination_answer", args=[agreement.pk])
    page = client.post(url, {"decision": "decline", "remark": "", **CONFIRMED}).content.decode()
    assert "拒绝理由不能为空" in page
    page = client.post(url, {"decision": "decline", "remark": "x" * 201, **CONFIRMED}).content.decode()
    assert "x" * 201 in page
    assert "请选择同意或拒绝" in client.post(url, {"remark": "?"}).content.decode()
    response = client.post(url, {"decision": "decline", "remark": "合同期内，不同意解约", **CONFIRMED}, follow=True)
    assert "已拒绝李明的解约申请" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.EFFECTIVE
    assert Termination.objects.get().response_remark == "合同期内，不同意解约"


def test_answer_with_htmx_redirects(world: World, login_as: LoginAs) -> None:
    agreement = _student_request(world)
    client = login_as(world.employer)
    url = reverse("employer:termination_answer", args=[agreement.pk])
    assert "<html" not in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    response = client.post(url, {"decision": "agree", **CONFIRMED}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("employer:terminations") + "?tab=student"


def test_own_request_cannot_be_answered_here(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    client = login_as(world.employer)
    url = reverse("employer:termination_answer", args=[agreement.pk])
    assert "没有待处理的学生解约申请" in client.get(url).content.decode()
    assert "解约申请须由对方处理" in client.post(url, {"decision": "agree", **CONFIRMED}).content.decode()


def test_request_dialog(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    client = login_as(world.employer)
    go = client.get(reverse("employer:termination_go"), {"action": "request", "ids": str(agreement.pk)})
    url = reverse("employer:termination_request", args=[agreement.pk])
    assert go["Location"] == url
    page = client.get(url).content.decode()
    assert "单位解除协议申请" in page and "解除原因（字数控制在200字以内）" in page
    assert "解约申请一旦发出将无法撤回，请谨慎办理。" in page and 'maxlength="200"' in page and "确定" in page
    page = client.post(url, {"reason": "", **CONFIRMED}).content.decode()
    assert "解约原因不能为空" in page
    long = "很" * 201
    page = client.post(url, {"reason": long, **CONFIRMED}).content.decode()
    assert "不能超过200个字" in page and long in page
    response = client.post(url, {"reason": "岗位调整，经协商解除", **CONFIRMED}, follow=True)
    assert "已向李明发出解约申请，等待学生处理" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATION_REQUESTED
    again = client.post(url, {"reason": "再次申请", **CONFIRMED}).content.decode()
    assert "不能申请解约" in again


def test_request_refused_outside_the_schools_window(world: World, login_as: LoginAs) -> None:
    import datetime

    agreement = world.reach("effective")
    world.school.termination_window_end = datetime.date(2000, 1, 1)
    world.school.save()
    page = (
        login_as(world.employer)
        .post(reverse("employer:termination_request", args=[agreement.pk]), {"reason": "岗位调整", **CONFIRMED})
        .content.decode()
    )
    assert "解约办理已截止" in page and "岗位调整" in page


def test_view_document_and_detail_from_the_lists(world: World, login_as: LoginAs) -> None:
    agreement = world.reach("effective")
    client = login_as(world.employer)
    go = reverse("employer:termination_go")
    assert client.get(go, {"action": "detail", "ids": str(agreement.pk)})["Location"] == reverse(
        "employer:agreement_detail", args=[agreement.pk]
    )
    target = client.get(go, {"action": "document", "ids": str(agreement.pk)})["Location"]
    assert str(agreement.pk) in target
    response = client.get(go, {"action": "request"}, follow=True)
    assert "请先勾选一条记录" in response.content.decode()


def test_export_lists(world: World, login_as: LoginAs) -> None:
    _student_request(world)
    world.reach("effective", student=world.other_student)
    client = login_as(world.employer)
    for tab, name in (("student", "李明"), ("signed", "王芳")):
        response = client.get(reverse("employer:termination_export"), {"tab": tab})
        rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
        assert [r[1] for r in rows[1:]] == [name]


def test_termination_is_offered_from_the_first_review_on(world: World, login_as: LoginAs) -> None:
    # SPEC §2: either party may ask for 解约 while the agreement waits for the college's or the school's review,
    # not only once it is effective; the detail page offers what the workflow allows.
    client = login_as(world.employer)
    for status, student in (("college_review", world.student), ("school_review", world.other_student)):
        agreement = world.reach(status, student=student)
        page = client.get(reverse("employer:agreement_detail", args=[agreement.pk])).content.decode()
        assert reverse("employer:termination_request", args=[agreement.pk]) in page, status
        dialog = client.get(reverse("employer:termination_request", args=[agreement.pk])).content.decode()
        assert "不能申请解约" not in dialog
    returned = world.reach("returned", student=make_student(world.college))
    page = client.get(reverse("employer:agreement_detail", args=[returned.pk])).content.decode()
    assert reverse("employer:termination_request", args=[returned.pk]) not in page
