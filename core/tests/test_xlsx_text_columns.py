"""A number cell cannot carry a 身份证号, 学号, 手机号, 统一社会信用代码 or 邮编: every import refuses one in those
columns, naming row and column, and writes nothing; every template formats those columns as text (issue 18 bug 1).

The files in core/tests/files/ were made by LibreOffice 7.4 (Debian's libreoffice-calc) from the CSV beside each:

    libreoffice --headless --infilter="CSV:44,34,76,1" --convert-to xlsx --outdir core/tests/files \\
        core/tests/files/roster_libreoffice.csv

It writes the 身份证号 210102200503311745 as `<c t="n"><v>2.10102200503312E+017</v></c>` and the 学号 00270001
as 270001; `test_libreoffice_converts_a_csv_as_reported` runs that conversion itself (in CI always: `make test`
installs libreoffice-calc through scripts/ensure_libreoffice.sh).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Job, SendListItem, Student
from core.services import xlsx
from core.services.roster import ROSTER_HEADERS, RosterInvalid, roster_import, roster_template
from core.services.shortlist import SHORTLIST_HEADERS, ShortlistInvalid, shortlist_import, shortlist_template
from testsupport import ApiClient, LoginAs, World, inline_row, xlsx_bytes, xlsx_parts

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
REPORTED = b'<c r="D2" s="0" t="n"><v>2.10102200503312E+017</v></c>'


class _ReaderCalled(BaseException):
    """Not an Exception: read_rows turns every Exception of a reader into a 400, and this must fail the test."""


class _MustNotRead:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _ReaderCalled("this reader must not be used here")

    from_filelike = __init__


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs through both reading paths: calamine (a file as Excel or LibreOffice saves it) and openpyxl's
    streaming reader (any other file)."""
    if request.param == "calamine":
        monkeypatch.setattr(xlsx, "load_workbook", _MustNotRead)
    else:
        monkeypatch.setattr(xlsx, "CalamineWorkbook", _MustNotRead)
        monkeypatch.setattr(xlsx._Shape, "calamine_fits", False)
    return str(request.param)


def fixture(name: str) -> io.BytesIO:
    upload = io.BytesIO((FILES / name).read_bytes())
    upload.name = name
    return upload


def test_the_fixture_is_the_reported_file() -> None:
    with zipfile.ZipFile(FILES / "roster_libreoffice.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        assert b"LibreOffice" in archive.read("docProps/app.xml")
    assert REPORTED in sheet
    assert b'<c r="A2" s="0" t="n"><v>270001</v></c>' in sheet  # 学号 00270001 lost its zeros


def test_a_roster_converted_from_csv_is_refused_not_misread(world: World, reader: str) -> None:
    before = Student.objects.count()
    with pytest.raises(RosterInvalid) as refused:
        roster_import(world.school, fixture("roster_libreoffice.xlsx"), dry_run=False, acting_user=world.school_admin)
    errors = {(e.row, e.column): e.message for e in refused.value.result.errors}
    assert set(errors) == {(2, "学号"), (2, "身份证号"), (2, "手机号")}
    assert errors[(2, "身份证号")].startswith("身份证号须设为文本格式：该单元格是数字（读到210102200503312000）")
    assert "去掉开头的0" in errors[(2, "学号")]
    assert refused.value.detail.startswith("文件有3处错误，未导入任何数据（第2行 学号：学号须设为文本格式")
    assert Student.objects.count() == before
    assert not Student.objects.filter(id_number="210102200503312000").exists()


def test_a_shortlist_converted_from_csv_is_refused(world: World, reader: str) -> None:
    with pytest.raises(ShortlistInvalid) as refused:
        shortlist_import(fixture("shortlist_libreoffice.xlsx"), acting_user=world.employer)
    assert [(e.row, e.column) for e in refused.value.row_errors] == [(2, "身份证号")]
    assert "身份证号须设为文本格式" in refused.value.detail and "未导入任何学生" in refused.value.detail
    assert not SendListItem.objects.exists()


def _cells(number: int, *cells: tuple[str, str]) -> bytes:
    """A row of cells: ("s", text) an inline string, ("n", digits) a number cell, as LibreOffice writes one."""
    xml = b""
    for column, (kind, value) in zip("ABCDEFGHIJ", cells, strict=False):
        ref = f"{column}{number}".encode()
        if kind == "n":
            xml += b'<c r="%s" t="n"><v>%s</v></c>' % (ref, value.encode())
        else:
            xml += b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, value.encode())
    return b'<row r="%d">%s</row>' % (number, xml)


def test_the_errors_are_listed_with_the_rows_own(world: World, reader: str) -> None:
    """A number cell and an ordinary mistake of another row: both listed, in row order, nothing imported."""
    s = world.student
    rows = [
        inline_row(1, *SHORTLIST_HEADERS),
        _cells(2, ("s", str(s.graduation_year)), ("s", s.name), ("s", s.id_number)),
        _cells(3, ("s", "二〇二七"), ("s", "某人"), ("s", ""), ("s", "13000000000")),
        _cells(4, ("n", "2027"), ("s", "王芳"), ("s", ""), ("n", "13900139000")),
    ]
    with pytest.raises(ShortlistInvalid) as refused:
        shortlist_import(xlsx_parts(rows), acting_user=world.employer)
    assert [(e.row, e.column) for e in refused.value.row_errors] == [(3, "毕业年度"), (4, "手机号")]
    assert not SendListItem.objects.exists()


@pytest.mark.parametrize("column", ["统一社会信用代码", "邮编"])
def test_every_import_gets_the_rule(reader: str, column: str) -> None:
    """A future import reading one of these columns is refused alike, without a line of its own."""
    headers = ("单位名称", column)
    rows = [inline_row(1, *headers), _cells(2, ("s", "某公司"), ("n", "123456"))]
    with pytest.raises(xlsx.RowsInvalid) as refused:
        list(xlsx.read_rows(xlsx_parts(rows), headers))
    assert [(e.row, e.column) for e in refused.value.row_errors] == [(2, column)]
    assert refused.value.row_errors[0].message.startswith(f"{column}须设为文本格式")
    assert refused.value.errors == {"rows": [e.__dict__ for e in refused.value.row_errors]}
    assert refused.value.detail.startswith(f"文件有1处错误，未导入任何数据（第2行 {column}：")


def test_an_import_declares_a_text_column_of_its_own(reader: str) -> None:
    headers = ("单位名称", "工号")
    rows = [inline_row(1, *headers), _cells(2, ("s", "某公司"), ("n", "123456"))]
    # A number in a column that is not text is read as before...
    assert list(xlsx.read_rows(xlsx_parts(rows), headers)) == [(2, {"单位名称": "某公司", "工号": "123456"})]
    # ...and refused once the import declares the column text.
    with pytest.raises(xlsx.RowsInvalid, match="工号须设为文本格式"):
        list(xlsx.read_rows(xlsx_parts(rows), headers, text=("工号",)))


def test_text_cells_of_digits_are_read_as_they_are(world: World, reader: str) -> None:
    s = world.student
    rows = [
        inline_row(1, *SHORTLIST_HEADERS),
        _cells(2, ("n", str(s.graduation_year)), ("s", s.name), ("s", s.id_number), ("s", "")),
    ]
    assert [st.pk for st in shortlist_import(xlsx_parts(rows), acting_user=world.employer)] == [s.pk]


def test_the_roster_api_lists_the_number_cells(api: ApiClient, world: World) -> None:
    api.login(world.school_admin)
    response = api.post("/school/roster/import", {"file": fixture("roster_libreoffice.xlsx")}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rows"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "学号"), (2, "身份证号"), (2, "手机号")]
    assert not Student.objects.filter(student_no="270001").exists()


def test_the_roster_page_lists_the_number_cells(
    world: World, client: Client, login_as: LoginAs, django_capture_on_commit_callbacks: Any
) -> None:
    login_as(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the dry run: a task run after the request commits
        response = client.post(reverse("school:roster_import"), {"file": fixture("roster_libreoffice.xlsx")})
    job = Job.objects.get(kind=Job.Kind.ROSTER)
    assert response["Location"] == reverse("school:roster_job", args=[job.pk])
    assert job.state == Job.State.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "学号"), (2, "身份证号"), (2, "手机号")]
    page = client.get(reverse("school:roster_job", args=[job.pk])).content.decode()
    assert "身份证号须设为文本格式" in page


def test_the_shortlist_page_and_api_name_row_and_column(world: World, api: ApiClient, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.post(reverse("employer:send_list_import"), {"file": fixture("shortlist_libreoffice.xlsx")})
    assert page.status_code == 400
    text = page.content.decode()
    assert "第2行" in text and "身份证号须设为文本格式" in text
    api.login(world.employer)
    upload = fixture("shortlist_libreoffice.xlsx")
    response = api.post("/employer/send-list/import", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["rows"][0]["column"] == "身份证号"
    assert not SendListItem.objects.exists()


def test_libreoffice_converts_a_csv_as_reported(world: World, tmp_path: Path) -> None:
    """The reported case reproduced for real: LibreOffice opens the CSV and saves number cells."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        if os.environ.get("CI") == "true":
            pytest.fail("libreoffice is missing: scripts/ensure_libreoffice.sh installs it (make test)")
        pytest.skip("libreoffice is not installed (CI installs it: scripts/ensure_libreoffice.sh)")
    source = tmp_path / "生源.csv"
    shutil.copy(FILES / "roster_libreoffice.csv", source)
    profile = tmp_path / "profile"  # its own profile: no clash with another LibreOffice running
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    converted = tmp_path / "生源.xlsx"
    with zipfile.ZipFile(converted) as archive:
        assert REPORTED in archive.read("xl/worksheets/sheet1.xml")
    with pytest.raises(RosterInvalid) as refused:
        roster_import(world.school, io.BytesIO(converted.read_bytes()), dry_run=False, acting_user=world.school_admin)
    assert {(e.row, e.column) for e in refused.value.result.errors} == {(2, "学号"), (2, "身份证号"), (2, "手机号")}


@pytest.mark.parametrize(
    ("template", "headers"), [(roster_template, ROSTER_HEADERS), (shortlist_template, SHORTLIST_HEADERS)]
)
def test_every_template_formats_the_text_columns_as_text(template: Any, headers: tuple[str, ...]) -> None:
    workbook = load_workbook(io.BytesIO(template()))
    sheet = workbook.active
    assert sheet is not None
    text = [i for i, h in enumerate(headers, start=1) if h in xlsx.TEXT_COLUMNS]
    assert text, "each import has at least one text column"
    for column, header in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        expected = "@" if column in text else "General"
        # The column (what is typed below the example takes its format) and the example's cell.
        assert sheet.column_dimensions[letter].number_format == expected, header
        assert sheet.cell(row=2, column=column).number_format == expected, header
    # The example row passes its own import's reading (its digits are text cells).
    rows = list(xlsx.read_rows(io.BytesIO(template()), headers))
    assert len(rows) == 1


def test_the_downloaded_templates_are_the_text_formatted_ones(world: World, login_as: LoginAs) -> None:
    for user, name in ((world.school_admin, "school:roster_template"), (world.employer, "employer:send_list_template")):
        response = login_as(user).get(reverse(name))
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        assert sheet.column_dimensions["D"].number_format == "@"  # 身份证号 in both


def test_a_file_written_by_openpyxl_with_numbers_is_refused(world: World) -> None:
    """The case of a script filling the template: numbers where digits belong are refused alike."""
    upload = xlsx_bytes(list(SHORTLIST_HEADERS), [[2027, world.student.name, 110105194912310021, ""]])
    with pytest.raises(ShortlistInvalid, match="身份证号须设为文本格式"):
        shortlist_import(upload, acting_user=world.employer)
