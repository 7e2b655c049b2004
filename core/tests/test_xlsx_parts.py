"""Every part of an uploaded package is bounded before it is parsed, and a fault of a reader is a 400 naming the
file, on every import: 生源导入 (page, its background job, API) and 导入拟签约名单 (page, API) (issue 19 item 5)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.errors import InvalidInput
from core.models import Job, SendListItem, Student
from core.services import xlsx
from core.services.roster import roster_template
from core.services.shortlist import SHORTLIST_HEADERS, shortlist_import, shortlist_template
from testsupport import ApiClient, LoginAs, World, inline_row, styles_bomb, xlsx_parts, xlsx_with

pytestmark = pytest.mark.django_db


class _ReaderCalled(BaseException):
    """Not an Exception: read_rows turns every Exception of a reader into a 400, and this must fail the test."""


class _MustNotRead:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise _ReaderCalled("a reader was asked to parse a file it should not have parsed")

    from_filelike = __init__


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "load_workbook", _MustNotRead)
    monkeypatch.setattr(xlsx, "CalamineWorkbook", _MustNotRead)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return styles_bomb(roster_template()).getvalue()


def _part(data: bytes, name: str) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(data)).getinfo(name)


def test_the_styles_bomb_is_refused_from_the_directory(bomb: bytes, no_reader: None) -> None:
    styles = _part(bomb, "xl/styles.xml")
    # The reported file: 2.5 MB stored, 44 MB of styles at a ratio of 18, which passes the ratio and size limits.
    assert len(bomb) < 3 * 1024 * 1024 and styles.file_size > 44 * 1024 * 1024
    assert 15 < styles.file_size / styles.compress_size < xlsx.settings.WANGQIAN_XLSX_MAX_RATIO
    started = time.process_time()
    with pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(io.BytesIO(bomb))
    assert time.process_time() - started < 5  # a sanity bound, not a speed target (benchmarks/bench_upload_bounds.py)
    assert refused.value.detail.startswith("文件中的xl/styles.xml解压后超过2MB")


def _fills(template: bytes) -> io.BytesIO:
    """The 7 kB file of issue 19 item 5: `<fills><fill/></fills>`, on which openpyxl raises TypeError."""
    styles = zipfile.ZipFile(io.BytesIO(template)).read("xl/styles.xml")
    start, end = styles.index(b"<fills"), styles.index(b"</fills>") + len(b"</fills>")
    upload = xlsx_with(template, {"xl/styles.xml": styles[:start] + b"<fills><fill/></fills>" + styles[end:]})
    upload.name = "名单.xlsx"
    return upload


def _shortlist_fills(world: World) -> io.BytesIO:
    s = world.student
    return _fills(
        xlsx.write_template(SHORTLIST_HEADERS, [[str(s.graduation_year), s.name, s.id_number, ""]], title="x")
    )


FILLS_REFUSAL = "文件格式不正确：“名单.xlsx”无法作为xlsx文件读取"


def test_fills_without_a_pattern_is_a_400_on_the_shortlist(world: World, api: ApiClient, login_as: LoginAs) -> None:
    with pytest.raises(InvalidInput) as refused:
        shortlist_import(_shortlist_fills(world), acting_user=world.employer)
    assert refused.value.detail.startswith(FILLS_REFUSAL)
    assert refused.value.errors == {"file": refused.value.detail}
    page = login_as(world.employer).post(reverse("employer:send_list_import"), {"file": _shortlist_fills(world)})
    assert page.status_code == 400 and FILLS_REFUSAL in page.content.decode()
    api.login(world.employer)
    response = api.post("/employer/send-list/import", {"file": _shortlist_fills(world)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["detail"].startswith(FILLS_REFUSAL)
    assert not SendListItem.objects.exists()


def test_fills_without_a_pattern_is_a_400_on_the_roster_api(world: World, api: ApiClient) -> None:
    api.login(world.school_admin)
    before = Student.objects.count()
    for path in ("/school/roster/import?dry_run=true", "/school/roster/import"):
        response = api.post(path, {"file": _fills(roster_template())}, format="multipart")
        assert response.status_code == 400, path
        assert response.json()["detail"].startswith(FILLS_REFUSAL)
    assert Student.objects.count() == before
    # The refused import left no job that would block the next one.
    assert not Job.objects.filter(kind=Job.Kind.ROSTER, state__in=Job.ACTIVE_STATES).exists()


def test_fills_without_a_pattern_is_refused_by_the_roster_job(
    world: World, client: Client, login_as: LoginAs, django_capture_on_commit_callbacks: Any
) -> None:
    """The page stores the file and the worker's dry run reads it: the job says why, under the admin's name
    for the file, and is not a failure of the system."""
    login_as(world.school_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("school:roster_import"), {"file": _fills(roster_template())})
    job = Job.objects.get(kind=Job.Kind.ROSTER)
    assert response["Location"] == reverse("school:roster_job", args=[job.pk])
    assert job.state == Job.State.INVALID
    assert job.detail.startswith(FILLS_REFUSAL)
    assert not job.file
    assert FILLS_REFUSAL in client.get(reverse("school:roster_job", args=[job.pk])).content.decode()


def _sheet(*rows: bytes, prolog: bytes = b"", inside: bytes = b"", after: bytes = b"") -> bytes:
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return prolog + b'<worksheet xmlns="%s">%s<sheetData>%s</sheetData>%s</worksheet>' % (
        ns,
        inside,
        b"".join(rows),
        after,
    )


def _unplaced(*values: str) -> bytes:
    """A row whose cells do not name their place: such a file is read by openpyxl."""
    cells = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % v.encode() for v in values)
    return b"<row>%s</row>" % cells


def _shortlist(sheet: bytes) -> io.BytesIO:
    return xlsx_with(xlsx_parts([]).getvalue(), {"xl/worksheets/sheet1.xml": sheet})


HEADER = inline_row(1, *SHORTLIST_HEADERS)


def test_elements_openpyxl_would_keep_are_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl drops each row once read but keeps every element outside the rows: 3 million of them took 77 s
    and 970 MB. They are counted first, in a file that openpyxl would read."""
    monkeypatch.setattr(xlsx, "load_workbook", _MustNotRead)
    junk = b"".join(b"<x%d/>" % n for n in range(1001))
    upload = _shortlist(_sheet(HEADER, _unplaced("2027", "某人", "", "13000000000"), after=junk))
    with override_settings(WANGQIAN_XLSX_MAX_OTHER_ELEMENTS=1000), pytest.raises(InvalidInput) as refused:
        shortlist_import(upload, acting_user=world.employer)
    assert "xl/worksheets/sheet1.xml中行以外的元素超过1000个" in refused.value.detail


def test_elements_inside_rows_are_not_kept(world: World) -> None:
    """Column widths and the like are few; a worksheet's rows, however many, are not counted as kept."""
    s = world.student
    rows = [HEADER, *(_unplaced("2027", f"某人{n}", "", "13000000000") for n in range(50))]
    rows.append(_unplaced(str(s.graduation_year), s.name, s.id_number, ""))
    cols = b"<cols>" + b'<col min="1" max="1" width="9"/>' * 20 + b"</cols>"
    with override_settings(WANGQIAN_XLSX_MAX_OTHER_ELEMENTS=30):
        shape = xlsx.check_xlsx(_shortlist(_sheet(*rows, inside=cols)))
    assert not shape.calamine_fits


def test_nesting_is_bounded(world: World, no_reader: None) -> None:
    """In a worksheet openpyxl would read (its parser holds every open element; calamine's streams past them)..."""
    deep = b"<x>" * 70 + b"</x>" * 70
    upload = _shortlist(_sheet(HEADER, _unplaced("2027", "某人", "", "13000000000"), after=deep))
    with pytest.raises(InvalidInput, match=r"xl/worksheets/sheet1\.xml的元素嵌套超过64层"):
        shortlist_import(upload, acting_user=world.employer)
    # ...and in any other part, whichever reader would read the file.
    styles = b'<styleSheet xmlns="x">' + b"<a>" * 70 + b"</a>" * 70 + b"</styleSheet>"
    with pytest.raises(InvalidInput, match=r"xl/styles\.xml的元素嵌套超过64层"):
        xlsx.check_xlsx(xlsx_with(roster_template(), {"xl/styles.xml": styles}))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml"])
def test_a_dtd_is_refused_in_every_part(part: str, no_reader: None) -> None:
    template = roster_template()
    original = zipfile.ZipFile(io.BytesIO(template)).read(part)
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
    declaration_end = original.index(b"?>") + 2 if original.startswith(b"<?xml") else 0
    changed = original[:declaration_end] + doctype + original[declaration_end:]
    with pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(xlsx_with(template, {part: changed}))
    assert f"（{part}含有DTD）" in refused.value.detail


def test_total_elements_are_bounded(no_reader: None) -> None:
    rows = [HEADER, *(inline_row(n, "2027", f"某人{n}", "", "13000000000") for n in range(2, 40))]
    with override_settings(WANGQIAN_XLSX_MAX_ELEMENTS=100), pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(xlsx_parts(rows))
    assert "文件包含的XML元素过多（超过100个）" in refused.value.detail


def _rels(template: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(template)).read("xl/_rels/workbook.xml.rels")


@pytest.mark.parametrize("how", ["the styles called a worksheet", "the two swapped"])
def test_a_worksheet_sized_part_is_read_as_nothing_else(how: str, no_reader: None) -> None:
    """A worksheet may be 64 MB and the styles 2 MB: a reader led to parse one as the other would undo the bound."""
    template = roster_template()
    rels = _rels(template)
    if how == "the styles called a worksheet":
        rels = rels.replace(b'Target="worksheets/sheet1.xml"', b'Target="styles.xml"')
    else:
        rels = rels.replace(b"relationships/styles", b"@").replace(b"relationships/worksheet", b"relationships/styles")
        rels = rels.replace(b"@", b"relationships/worksheet")
    assert rels != _rels(template)
    with pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(xlsx_with(template, {"xl/_rels/workbook.xml.rels": rels}))
    assert (
        "（xl/_rels/workbook.xml.rels中xl/" in refused.value.detail and "的类型与其位置不符）" in refused.value.detail
    )


def test_content_types_may_not_rename_a_worksheet(no_reader: None) -> None:
    template = roster_template()
    types = zipfile.ZipFile(io.BytesIO(template)).read("[Content_Types].xml")
    types = types.replace(b"spreadsheetml.sheet.main+xml", b"spreadsheetml.worksheet+xml")
    with pytest.raises(InvalidInput, match=r"xl/workbook\.xml的类型与其位置不符"):
        xlsx.check_xlsx(xlsx_with(template, {"[Content_Types].xml": types}))


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("WANGQIAN_XLSX_MAX_PART_BYTES", 800, "文件中的xl/styles.xml解压后超过0.78125KB"),
        ("WANGQIAN_XLSX_MAX_ELEMENTS", 20, "文件包含的XML元素过多（超过20个）"),
        ("WANGQIAN_XLSX_MAX_DEPTH", 3, "的元素嵌套超过3层"),
    ],
)
def test_every_new_limit_is_a_setting_with_a_message(setting: str, value: int, message: str, no_reader: None) -> None:
    with override_settings(**{setting: value}), pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(io.BytesIO(roster_template()))
    assert message in refused.value.detail


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_part_a_reader_needs_and_cannot_find_is_a_400(
    world: World, reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault of either reader (here: the worksheet the workbook names is not in the file) is a 400."""
    if reader == "openpyxl":
        monkeypatch.setattr(xlsx._Shape, "calamine_fits", False)
    upload = xlsx_with(shortlist_template(), {"xl/worksheets/sheet1.xml": None})
    upload.name = "名单.xlsx"
    with pytest.raises(InvalidInput) as refused:
        shortlist_import(upload, acting_user=world.employer)
    assert refused.value.detail.startswith(FILLS_REFUSAL)


def test_an_image_is_bounded_and_not_parsed(no_reader: None) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16
    xlsx.check_xlsx(xlsx_with(roster_template(), {"xl/media/image1.png": png}))
    with override_settings(WANGQIAN_XLSX_MAX_PART_BYTES=1024), pytest.raises(InvalidInput) as refused:
        xlsx.check_xlsx(xlsx_with(roster_template(), {"xl/media/image1.png": png}))
    assert "xl/media/image1.png" in refused.value.detail


def test_files_excel_and_libreoffice_save_pass(world: World) -> None:
    """The bounds refuse none of the files the product meets: its own templates, a LibreOffice file."""
    for template in (roster_template(), shortlist_template()):
        xlsx.check_xlsx(io.BytesIO(template))
    converted = Path(__file__).parent / "files" / "roster_libreoffice.xlsx"
    assert xlsx.check_xlsx(io.BytesIO(converted.read_bytes())).calamine_fits


def test_parts_no_reader_parses_may_be_as_excel_writes_them(no_reader: None) -> None:
    """Excel's VML for cell comments (批注) is not well-formed XML (unclosed <br>); the calculation chain of a
    sheet of formulas (性别 from the 身份证号…) grows with its rows, past the limit of the other parts."""
    vml = '<xml xmlns:v="urn:schemas-microsoft-com:vml"><v:shape><div>批注<br></div></v:shape></xml>'.encode()
    chain = b'<calcChain xmlns="x">' + b"".join(b'<c r="C%d" i="1"/>' % n for n in range(2, 120_000)) + b"</calcChain>"
    assert len(chain) > xlsx.settings.WANGQIAN_XLSX_MAX_PART_BYTES
    upload = xlsx_with(roster_template(), {"xl/drawings/vmlDrawing1.vml": vml, "xl/calcChain.xml": chain})
    shape = xlsx.check_xlsx(upload)
    assert shape.tags[b"c"] < 100  # the chain's <c> are not cells
    # The wiring must be read whole, and the chain is a chain only.
    types = zipfile.ZipFile(io.BytesIO(roster_template())).read("[Content_Types].xml")
    with pytest.raises(InvalidInput, match=r"（\[Content_Types\]\.xml不是有效的XML）"):
        xlsx.check_xlsx(xlsx_with(roster_template(), {"[Content_Types].xml": types[:-20]}))
    rels = _rels(roster_template()).replace(b'Target="styles.xml"', b'Target="calcChain.xml"')
    with pytest.raises(InvalidInput, match="的类型与其位置不符"):
        xlsx.check_xlsx(xlsx_with(roster_template(), {"xl/_rels/workbook.xml.rels": rels, "xl/calcChain.xml": chain}))
