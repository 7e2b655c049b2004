"""A paper agreement in the 就业方案 (issue 18 bug 5): the paper form asks what an online agreement's row carries
(单位性质, 单位所在地, 档案/户口, the paper's own 协议书编号), so an approved paper agreement's row is as complete as an
online one's, and its unit is the one printed on the paper, never mixed with the codes of the employer row its
统一社会信用代码 found."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Agreement, Destination
from core.services import agreements as wf
from testsupport import PAPER_FORM, ApiClient, LoginAs, World, register_paper

pytestmark = pytest.mark.django_db


def plan_rows(client: Client, year: int) -> dict[str, dict[str, Any]]:
    response = client.get(reverse("school:plan_export"), {"year": str(year)})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    return {row[header.index("学号")]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def filled(row: dict[str, Any]) -> set[str]:
    return {column for column, value in row.items() if value not in (None, "")}


def test_an_approved_paper_agreements_row_is_as_complete_as_an_online_ones_and_its_own(
    world: World, login_as: LoginAs
) -> None:
    online = world.reach("effective")
    # The paper names the registered employer's 信用代码, but prints its own name, 单位性质 and 单位所在地.
    verified = world.employer.employer
    assert (verified.nature, verified.location) == ("31", "210102")
    paper = register_paper(world.other_student, {"credit_code": verified.credit_code})
    wf.agreement_approve(paper, acting_user=world.school_admin)

    rows = plan_rows(login_as(world.school_admin), online.graduation_year)
    online_row, paper_row = rows[world.student.student_no], rows[world.other_student.student_no]
    assert paper_row["签约方式"] == "纸质协议" and online_row["签约方式"] == "网上签约"
    assert filled(paper_row) == filled(online_row)
    assert paper_row["单位名称"] == PAPER_FORM["employer_name"]
    assert (paper_row["单位性质代码"], paper_row["单位性质"]) == ("39", "其他企业")
    assert (paper_row["单位所在地代码"], paper_row["单位所在地"]) == ("210202", "辽宁省大连市中山区")
    assert paper_row["协议书编号"] == PAPER_FORM["paper_number"]
    assert (paper_row["档案接收类型代码"], paper_row["户口接收类型代码"]) == ("1", "1")
    assert paper_row["档案转寄单位名称"] == PAPER_FORM["archive_unit_name"]
    # The 毕业去向 it set says the same.
    destination = Destination.objects.select_related("current").get(student=world.other_student)
    assert destination.current is not None
    assert (destination.current.unit_nature, destination.current.unit_location) == ("39", "210202")
    assert destination.current.unit_name == PAPER_FORM["employer_name"]


def test_the_paper_form_asks_every_field_and_a_missing_one_is_named_and_changes_nothing(
    world: World, login_as: LoginAs
) -> None:
    student = login_as(world.student)
    form = student.get(reverse("student:paper_register")).content.decode()
    for label in (
        "协议书编号",
        "单位性质",
        "单位所在地",
        "档案接收类型",
        "档案转寄单位名称",
        "单位隶属",
        "户口接收类型",
    ):
        assert f">{label}</label>" in form, label

    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    missing = student.post(reverse("student:paper_register"), {**PAPER_FORM, "paper_number": "", "scan": scan})
    assert missing.status_code == 400 and "请填写协议书编号" in missing.content.decode()
    assert not Agreement.objects.exists()

    assert world.student.user is not None
    api = ApiClient(Client()).login(world.student.user)
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    answer = api.post("/agreements/paper", {**PAPER_FORM, "unit_nature": "99", "scan": scan}, format="multipart")
    assert answer.status_code == 400 and "unit_nature" in answer.json()["errors"]
    assert not Agreement.objects.exists()
    scan = SimpleUploadedFile("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    signed = api.confirm("paper", None)  # 本人确认 (issue 20)
    created = api.post("/agreements/paper", {**PAPER_FORM, "scan": scan, "confirmation": signed}, format="multipart")
    assert created.status_code == 201
    terms = created.json()["terms"]
    assert (terms["paper_number"], terms["unit_nature_label"]) == (PAPER_FORM["paper_number"], "其他企业")


def test_the_agreement_list_export_shows_a_paper_agreements_own_number(world: World, login_as: LoginAs) -> None:
    paper = register_paper(world.student)
    wf.agreement_approve(paper, acting_user=world.school_admin)
    online = world.reach("effective", student=world.other_student)
    response = login_as(world.school_admin).get(reverse("school:agreements_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response))).active.iter_rows(values_only=True))  # type: ignore[arg-type]
    header = rows[0]
    numbers = {row[header.index("学号")]: row[header.index("协议书编号")] for row in rows[1:]}
    assert numbers[world.student.student_no] == PAPER_FORM["paper_number"]
    assert numbers[world.other_student.student_no] == online.number
