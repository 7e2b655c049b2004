"""导出: the xlsx holds exactly the filtered list, masked for employers, with formulas defused."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from core.masking import mask_id_number
from core.models import Agreement
from core.selectors import agreements_visible_to
from core.services.exports import EMPLOYER_HEADERS, REVIEWER_HEADERS, agreements_export_xlsx
from testsupport import ApiClient, World, invite, make_student


def _sheet(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_employer_export_is_masked_with_the_list_columns(world: World) -> None:
    world.reach("effective")
    rows = _sheet(agreements_export_xlsx(agreements_visible_to(world.employer), world.employer))
    assert tuple(rows[0]) == EMPLOYER_HEADERS
    assert rows[1][:3] == ["东北大学", "李明", mask_id_number(world.student.id_number)]
    assert rows[1][6:] == ["双方已签约", "签约审核通过"]
    assert len(rows) == 2


def test_reviewer_export_is_full(world: World) -> None:
    world.reach("college_review")
    rows = _sheet(agreements_export_xlsx(agreements_visible_to(world.school_admin), world.school_admin))
    assert tuple(rows[0]) == REVIEWER_HEADERS
    assert world.student.id_number in rows[1]


def test_formula_injection_is_escaped(world: World) -> None:
    evil = make_student(world.college, name='=HYPERLINK("http://x")')
    invite(world.employer, evil)
    content = agreements_export_xlsx(agreements_visible_to(world.employer), world.employer)
    rows = _sheet(content)
    assert rows[1][1] == '=HYPERLINK("http://x")'  # the value as typed: no apostrophe added to the data
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet.cell(row=2, column=2).quotePrefix and sheet.cell(row=2, column=2).data_type == "s"
    assert not sheet.cell(row=2, column=1).quotePrefix


def test_api_export_uses_the_list_filters(world: World, api: ApiClient) -> None:
    world.reach("effective")
    world.reach("invited", student=world.other_student)
    world.reach("invited", employer=world.other_employer, student=world.outsider_student)
    api.login(world.employer)
    response = api.get("/agreements/export", tab="pending")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet(response.content)
    assert [r[1] for r in rows[1:]] == ["王芳"]
    everything = _sheet(api.get("/agreements/export").content)
    assert sorted(r[1] for r in everything[1:]) == ["李明", "王芳"]  # never another employer's rows
    assert api.get("/agreements/export", tab="nonsense").status_code == 400


def test_api_export_school_filter_and_scope(world: World, api: ApiClient) -> None:
    world.reach("invited")
    api.login(world.employer)
    rows = _sheet(api.get("/agreements/export", school_id=world.other_school.pk).content)
    assert rows[1:] == []
    assert Agreement.objects.count() == 1
    assert api.client.get("/api/v1/agreements/export").status_code == 401
