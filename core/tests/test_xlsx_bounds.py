"""Uploads are bounded before parsing: a decompression bomb or an over-limit sheet is refused from the zip's
headers and one streamed pass over its parts, before openpyxl reads anything (SPEC §5, issue 10 hole 3)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.errors import InvalidInput
from core.models import Job, SendListItem, Student
from core.services import xlsx
from core.services.roster import ROSTER_HEADERS
from core.services.shortlist import SHORTLIST_HEADERS, shortlist_import
from testsupport import ApiClient, LoginAs, World, inline_row, xlsx_parts

pytestmark = pytest.mark.django_db


class _ReaderCalled(BaseException):
    """Not an Exception: read_rows turns every Exception of a reader into a 400, and this must fail the test."""


class _MustNotRead:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _ReaderCalled("a parser was asked to read a file it should not have read")

    from_filelike = __init__


@pytest.fixture
def openpyxl_must_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The point is to refuse before parsing: openpyxl (or calamine) opening the file fails the test."""
    monkeypatch.setattr(xlsx, "load_workbook", _MustNotRead)
    monkeypatch.setattr(xlsx, "CalamineWorkbook", _MustNotRead)


@pytest.fixture
def only_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "CalamineWorkbook", _MustNotRead)


@pytest.fixture
def only_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "load_workbook", _MustNotRead)


def shared_strings_bomb() -> io.BytesIO:
    """A few kB stored; sharedStrings.xml inflates to 1.7 MB of one repeated string (ratio far above 100)."""
    strings = (b"<si><t>x</t></si>" for _ in range(100_000))
    return xlsx_parts([inline_row(1, *SHORTLIST_HEADERS)], strings)


def many_rows(count: int, *, dimension: bool = False) -> io.BytesIO:
    header = inline_row(1, *SHORTLIST_HEADERS)
    rows = (b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(2, count + 2))
    if dimension:
        return _dimension_file(header, rows, f'<dimension ref="A1:D{count + 1}"/>')
    return xlsx_parts([header, *rows])


def _dimension_file(header: bytes, rows: Iterator[bytes], dimension: str) -> io.BytesIO:
    """The sheet with a <dimension> element where Excel writes it, before <sheetData>."""
    buffer = xlsx_parts([header, *rows])
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", dimension.encode() + b"<sheetData>", 1)
            target.writestr(info.filename, data)
    out.seek(0)
    out.name = "upload.xlsx"
    return out


def test_a_shared_strings_bomb_is_refused_before_parsing(world: World, openpyxl_must_not_read: None) -> None:
    bomb = shared_strings_bomb()
    assert len(bomb.getvalue()) < 50_000
    with pytest.raises(InvalidInput) as refused:
        shortlist_import(bomb, acting_user=world.employer)
    assert "压缩比" in refused.value.detail and "上限100倍" in refused.value.detail
    assert refused.value.errors == {"file": refused.value.detail}
    assert not SendListItem.objects.exists()


def test_too_many_rows_are_refused_before_parsing(world: World, openpyxl_must_not_read: None) -> None:
    with override_settings(WANGQIAN_XLSX_MAX_ROWS=1000):
        for upload in (many_rows(1001), many_rows(5000, dimension=True)):
            with pytest.raises(InvalidInput, match="文件行数过多，每次最多导入1000行"):
                shortlist_import(upload, acting_user=world.employer)


def test_more_shared_strings_than_cells_are_refused(world: World, openpyxl_must_not_read: None) -> None:
    # Distinct strings barely compress, so the ratio alone would let this through; no cell uses them.
    strings = (b"<si><t>%d</t></si>" % n for n in range(5000))
    with pytest.raises(InvalidInput, match="共享字符串"):
        shortlist_import(xlsx_parts([inline_row(1, *SHORTLIST_HEADERS)], strings), acting_user=world.employer)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("WANGQIAN_XLSX_MAX_ENTRY_BYTES", 1024, "文件解压后过大（xl/worksheets/sheet1.xml超过1KB）"),
        ("WANGQIAN_XLSX_MAX_UNCOMPRESSED_BYTES", 2048, "文件解压后过大（超过2KB）"),
        ("WANGQIAN_XLSX_MAX_ENTRIES", 3, "文件内部包含5个部件，超过上限3个"),
        ("WANGQIAN_XLSX_MAX_CELLS", 10, "文件单元格过多，每次最多导入10个单元格"),
    ],
)
def test_every_limit_is_a_setting_with_a_message(
    world: World, openpyxl_must_not_read: None, setting: str, value: int, message: str
) -> None:
    with override_settings(**{setting: value}), pytest.raises(InvalidInput) as refused:
        shortlist_import(many_rows(200), acting_user=world.employer)
    assert message in refused.value.detail


def test_entities_are_refused_by_defusedxml(world: World) -> None:
    assert openpyxl.DEFUSEDXML, "defusedxml must be installed so that openpyxl parses through it"
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    rows = [inline_row(1, *SHORTLIST_HEADERS), inline_row(2, "2027", "&b;", "", "13000000000")]
    upload = xlsx_parts(rows, sheet_prolog=laughs)
    with pytest.raises(InvalidInput, match="文件格式不正确"):
        shortlist_import(upload, acting_user=world.employer)


def test_a_wide_dimension_does_not_widen_rows(world: World) -> None:
    s = world.student
    row = inline_row(2, str(s.graduation_year), s.name, s.id_number, "")
    upload = _dimension_file(inline_row(1, *SHORTLIST_HEADERS), iter([row]), '<dimension ref="A1:XFD2"/>')
    assert [st.pk for st in shortlist_import(upload, acting_user=world.employer)] == [s.pk]


def test_the_api_answers_400_for_a_bomb(api: ApiClient, world: World, openpyxl_must_not_read: None) -> None:
    api.login(world.employer)
    response = api.post("/employer/send-list/import", {"file": shared_strings_bomb()}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "压缩比" in body["detail"] and "file" in body["errors"]
    api.login(world.school_admin)
    before = Student.objects.count()
    bomb = xlsx_parts([inline_row(1, *ROSTER_HEADERS)], (b"<si><t>x</t></si>" for _ in range(100_000)))
    response = api.post("/school/roster/import", {"file": bomb}, format="multipart")
    assert response.status_code == 400 and "压缩比" in response.json()["detail"]
    assert Student.objects.count() == before


def test_a_bomb_uploaded_on_the_page_is_not_stored(
    world: World, client: Client, openpyxl_must_not_read: None, login_as: LoginAs
) -> None:
    login_as(world.school_admin)
    bomb = xlsx_parts([inline_row(1, *ROSTER_HEADERS)], (b"<si><t>x</t></si>" for _ in range(100_000)))
    bomb.name = "生源.xlsx"
    response = client.post(reverse("school:roster_import"), {"file": bomb})
    job = Job.objects.get(kind=Job.Kind.ROSTER)
    assert response["Location"] == reverse("school:roster_job", args=[job.pk])
    assert job.state == Job.State.INVALID and "压缩比" in job.detail
    assert not job.file


def _cell(ref: str, value: str) -> bytes:
    return b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref.encode(), value.encode())


def _read(upload: io.BytesIO) -> list[tuple[int, dict[str, str]]]:
    return list(xlsx.read_rows(upload, SHORTLIST_HEADERS, required=("毕业年度", "姓名")))


def _sample() -> list[bytes]:
    return [
        inline_row(1, *SHORTLIST_HEADERS),
        inline_row(2, "2027", "李明", "", "13800138000"),
        # A number cell where a number may be (毕业年度); a 手机号 must be text (core/tests/test_xlsx_text_columns.py).
        b'<row r="3"><c r="A3"><v>2027</v></c>%s%s</row>' % (_cell("B3", " 王芳 "), _cell("D3", "13900139000")),
        inline_row(5, "2027", "张伟", "210102200301010012", ""),
    ]


EXPECTED = [
    (2, {"毕业年度": "2027", "姓名": "李明", "身份证号": "", "手机号": "13800138000"}),
    (3, {"毕业年度": "2027", "姓名": "王芳", "身份证号": "", "手机号": "13900139000"}),
    (5, {"毕业年度": "2027", "姓名": "张伟", "身份证号": "210102200301010012", "手机号": ""}),
]


def test_an_excel_file_is_read_by_calamine(only_calamine: None) -> None:
    assert _read(xlsx_parts(_sample())) == EXPECTED


def test_openpyxl_reads_it_alike(only_openpyxl: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx._Shape, "calamine_fits", False)
    assert _read(xlsx_parts(_sample())) == EXPECTED


def test_a_sheet_starting_right_of_column_a_keeps_its_columns(only_calamine: None) -> None:
    # calamine's rows start at the first used column; the header is still matched by name, the data by column.
    cells = [_cell(f"{c}1", h) for c, h in zip("BCDE", SHORTLIST_HEADERS, strict=True)]
    header = b'<row r="1">%s</row>' % b"".join(cells)
    row = b'<row r="2">%s%s</row>' % (_cell("B2", "2027"), _cell("C2", "李明"))
    assert _read(xlsx_parts([header, row])) == [(2, {"毕业年度": "2027", "姓名": "李明", "身份证号": "", "手机号": ""})]


def test_a_far_cell_is_read_by_the_streaming_reader(only_openpyxl: None) -> None:
    # One cell in XFD200 would make calamine's in-memory grid 200 × 16384 cells (above WANGQIAN_XLSX_MAX_CELLS).
    rows = [*_sample()[:2], b'<row r="200">%s</row>' % _cell("XFD200", "x")]
    assert _read(xlsx_parts(rows)) == EXPECTED[:1]


def test_cells_without_a_place_are_read_by_the_streaming_reader(only_openpyxl: None) -> None:
    unplaced = b"<row>%s</row>" % b"".join(
        b'<c t="inlineStr"><is><t>%s</t></is></c>' % v.encode() for v in ("2027", "李明", "", "13800138000")
    )
    assert _read(xlsx_parts([inline_row(1, *SHORTLIST_HEADERS), unplaced])) == EXPECTED[:1]


def test_a_quoted_bracket_does_not_hide_a_reference(only_openpyxl: None) -> None:
    tricky = b'<row r="200"><c foo=">" r="XFD200" t="inlineStr"><is><t>x</t></is></c></row>'
    assert _read(xlsx_parts([*_sample()[:2], tricky])) == EXPECTED[:1]
