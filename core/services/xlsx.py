"""Reading uploaded xlsx files and writing exports: one place for size limits, headers and escaping."""

from __future__ import annotations

import io
import logging
import os
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from core.errors import InvalidInput
from core.inputs import is_storable
from core.services.xlsx_stream import write_xlsx_to

# Columns that hold identifiers written in digits, in every import that has them. A number cell cannot carry one:
# a spreadsheet keeps 15 significant digits (an 18-digit 身份证号 comes back as 210102200503312000, which may still
# pass the check digit) and no leading zero (学号 00270001 → 270001); Excel and LibreOffice make number cells of
# them when they open a CSV. A number cell in such a column is refused with its row and column; an import may
# declare more text columns (read_rows(text=...)), and its template formats them all as text (write_template).
TEXT_COLUMNS = frozenset({"学号", "身份证号", "手机号", "统一社会信用代码", "邮编"})

logger = logging.getLogger(__name__)

# The parts that may be as large as the data, as Excel, WPS, LibreOffice and openpyxl name them, and what each may
# be called: the worksheets and the shared strings (read), the calculation chain (a line per formula cell; no
# reader parses it). Every other part is bounded by WANGQIAN_XLSX_MAX_PART_BYTES.
_SIZED_PARTS = (
    (re.compile(r"xl/worksheets/[^/]+\.xml"), "worksheet"),
    (re.compile(r"xl/sharedStrings\.xml"), "sharedStrings"),
    (re.compile(r"xl/calcChain\.xml"), "calcChain"),
)
_SIZED_ROLES = {role for _, role in _SIZED_PARTS}
# Start tags of rows, cells and shared strings, with or without a namespace prefix. Text cannot hide a tag
# (XML escapes "<" in text) and defusedxml refuses entities, so counting start tags bounds what openpyxl parses.
# A row or cell whose first attribute is its place (r="B12"), as Excel writes them, has it captured too.
_TAGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|si)[\s/>](?:r=\"([A-Z]{0,3})(\d{1,9})\")?")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref=\"[A-Za-z]*\d*(?::[A-Za-z]*(\d+))?\"")
_CHUNK = 1024 * 1024


class _Shape:
    """What the byte scan learns of the sheets' grid: calamine (the fast reader) builds the whole rectangle from
    A1 to the farthest cell in memory, so it is used only when every row and cell names its place (as Excel
    writes them) and that rectangle holds at most WANGQIAN_XLSX_MAX_CELLS cells; any other file is read by
    openpyxl's streaming reader, bounded by max_col as before."""

    def __init__(self) -> None:
        self.tags = {b"row": 0, b"c": 0}
        self.placed: Counter[bytes] = Counter()
        self.max_row = 0
        self.max_col = 0

    def add(self, found: list[tuple[bytes, bytes, bytes]]) -> None:
        """Start tags as _TAGS found them. Only a tag of that exact form counts as placed: any other (its place
        further on, quoted otherwise, in lower case) sends the file to the streaming reader, so no attribute
        can mislead the estimate."""
        placed = [(name, column, row) for name, column, row in found if row]
        if not placed:
            return
        self.placed.update(Counter(name for name, _, _ in placed))
        self.max_row = max(self.max_row, max(map(int, (row for _, _, row in placed))))
        columns = {column for _, column, _ in placed if column}
        if columns:
            self.max_col = max(self.max_col, max(map(_column_number, columns)))

    @property
    def calamine_fits(self) -> bool:
        return (
            self.placed[b"row"] == self.tags[b"row"]
            and self.placed[b"c"] == self.tags[b"c"]
            and self.max_row * self.max_col <= settings.WANGQIAN_XLSX_MAX_CELLS
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


@dataclass
class RowError:
    row: int
    column: str
    message: str


class RowsInvalid(InvalidInput):
    """Cells the reading layer refuses (a number in a text column, characters no database can store): nothing is
    imported; every error names its row and column. An import lists them with its own row errors."""

    def __init__(self, errors: list[RowError], *, outcome: str = "未导入任何数据"):
        first = errors[0]
        super().__init__(
            f"文件有{len(errors)}处错误，{outcome}（第{first.row}行 {first.column}：{first.message}）",
            errors={"rows": [e.__dict__ for e in errors]},
        )
        self.row_errors = errors


def _number_cell(column: str, value: Any) -> str:
    return (
        f"{column}须设为文本格式：该单元格是数字（读到{_text(value)}），数字会去掉开头的0、把第15位以后变成0，"
        "请将该列设为文本格式后重新输入"
    )


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, errors={"file": message})


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g}MB"
    return f"{size / 1024:g}KB"


def _display_name(upload: IO[bytes]) -> str:
    """The uploaded file's own name, as its sender knows it (a job's stored file is handed over under it)."""
    name = os.path.basename(str(getattr(upload, "name", "") or ""))
    return name[:80] or "上传的文件"


def _bad_format(name: str, where: str = "") -> InvalidInput:
    """A file the readers cannot read, or will not be let read: 400 naming the file (and the part, if known)."""
    part = f"（{where}）" if where else ""
    return _refuse(
        f"文件格式不正确：“{name}”无法作为xlsx文件读取{part}，请用Excel或WPS打开后另存为xlsx文件再上传，"
        "或将数据复制到下载的模板中"
    )


class _BadPart(Exception):
    """A part that is not what an xlsx holds (not XML, a DTD, a worksheet wired as something else)."""

    def __init__(self, part: str, why: str):
        super().__init__(f"{part[:60]}{why}")


def _data_role(part: str) -> str:
    """What a part that may be as large as the data may be called ("worksheet", "sharedStrings", "calcChain"), or ""
    for any other part."""
    return next((role for pattern, role in _SIZED_PARTS if pattern.fullmatch(part)), "")


def _is_data(part: str) -> bool:
    """A worksheet or the shared strings: the parts the readers read the data from."""
    return _data_role(part) in ("worksheet", "sharedStrings")


def check_xlsx(upload: IO[bytes], *, max_rows: int | None = None, too_many_rows: str = "") -> _Shape:
    """Refuse, before a reader parses it, a file whose parts would cost more time or memory than the settings
    allow, or that a reader would fail on.

    1. The zip's directory (free): the number of parts, encryption, each part's inflated size (a worksheet, the
       shared strings or the calculation chain up to WANGQIAN_XLSX_MAX_ENTRY_BYTES, any other part — styles,
       workbook, theme, drawings, images — up to WANGQIAN_XLSX_MAX_PART_BYTES), its compression ratio, the total.
    2. One streamed pass over every part, 1 MB at a time. Worksheets and shared strings: a byte scan counting
       rows, cells, strings and elements, refusing a DTD (the calculation chain: elements). Every other XML part:
       parsed by expat with a depth limit and no DTD, and the package's wiring read from its relationships and
       content types: only a part named as a worksheet (xl/worksheets/*.xml), the shared strings or the
       calculation chain may be called one, and such a part only that, so no reader is led to parse a part of a
       worksheet's size as styles or a workbook.
    3. A file openpyxl will read (not calamine, see _Shape): its worksheets and shared strings parsed once more
       by expat, bounding their depth and the elements openpyxl keeps (those outside rows and strings).
    zipfile never yields more than a part's declared size (it fails the CRC check instead), so the declared
    sizes can be trusted. An import with a lower row limit than WANGQIAN_XLSX_MAX_ROWS gives it (`max_rows` data
    rows, refused with `too_many_rows`): the scan stops as soon as the file passes it."""
    name = _display_name(upload)
    size = getattr(upload, "size", None)
    if size is not None and size > settings.WANGQIAN_MAX_UPLOAD_BYTES:
        raise _refuse(f"文件过大，不能超过{_megabytes(settings.WANGQIAN_MAX_UPLOAD_BYTES)}")
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            _check_entries(entries)
            counts = {b"row": 0, b"c": 0, b"si": 0, b"elements": 0}
            shape = _Shape()
            package = _Package()
            for entry in entries:
                if _is_data(entry.filename):
                    _count_tags(archive, entry, counts, shape, max_rows=max_rows, too_many_rows=too_many_rows)
                elif _data_role(entry.filename):
                    _count_elements(archive, entry, counts)
                else:
                    _parse_part(archive, entry, package, counts)
            package.check_wiring()
            # A cell uses at most one shared string, so strings beyond the cells are never read: a bomb's padding.
            if counts[b"si"] > max(counts[b"c"], 1000):
                raise _refuse(
                    f"文件包含{counts[b'si']}个共享字符串，超过单元格数（{counts[b'c']}个），疑似异常文件，"
                    "请用Excel另存为后重新上传"
                )
            shape.tags = {b"row": counts[b"row"], b"c": counts[b"c"]}
            if not shape.calamine_fits:
                for entry in entries:
                    if _is_data(entry.filename):
                        _check_structure(archive, entry)
    except InvalidInput:
        raise
    except _BadPart as exc:
        raise _bad_format(name, str(exc))
    except Exception:  # zipfile, zlib, expat: a broken file, never a 500
        logger.info("xlsx upload %r refused as unreadable", name, exc_info=True)
        raise _bad_format(name)
    finally:
        upload.seek(0)
    return shape


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > settings.WANGQIAN_XLSX_MAX_ENTRIES:
        raise _refuse(
            f"文件内部包含{len(entries)}个部件，超过上限{settings.WANGQIAN_XLSX_MAX_ENTRIES}个，请用Excel另存为后重新上传"
        )
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _refuse("文件已加密，请取消密码保护后重新上传")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _BadPart(entry.filename, "的压缩方式不受支持")
        if entry.file_size > settings.WANGQIAN_XLSX_MAX_ENTRY_BYTES:
            limit = _megabytes(settings.WANGQIAN_XLSX_MAX_ENTRY_BYTES)
            raise _refuse(f"文件解压后过大（{entry.filename[:60]}超过{limit}），请拆分后分批导入")
        if not _data_role(entry.filename) and entry.file_size > settings.WANGQIAN_XLSX_MAX_PART_BYTES:
            # Styles, the workbook, a theme, drawings, images: kilobytes in a file Excel saves; a reader parses
            # some of them whole (44 MB of styles cost openpyxl 15 s and 1.1 GB).
            limit = _megabytes(settings.WANGQIAN_XLSX_MAX_PART_BYTES)
            raise _refuse(
                f"文件中的{entry.filename[:60]}解压后超过{limit}（表格数据以外的部分：格式、图片或其他对象），"
                "请将数据复制到下载的模板中（选择性粘贴为数值）后重新上传"
            )
        ratio = entry.file_size / max(entry.compress_size, 1)
        # Tiny parts may compress oddly well; only a part worth inflating is judged by its ratio.
        if entry.file_size > _CHUNK and ratio > settings.WANGQIAN_XLSX_MAX_RATIO:
            raise _refuse(
                f"文件压缩比异常（{entry.filename[:60]}压缩比{ratio:.0f}倍，上限{settings.WANGQIAN_XLSX_MAX_RATIO}倍），"
                "疑似压缩炸弹，请用Excel另存为后重新上传"
            )
        total += entry.file_size
    if total > settings.WANGQIAN_XLSX_MAX_UNCOMPRESSED_BYTES:
        limit = _megabytes(settings.WANGQIAN_XLSX_MAX_UNCOMPRESSED_BYTES)
        raise _refuse(f"文件解压后过大（超过{limit}），请拆分后分批导入")


def _too_many_rows() -> InvalidInput:
    return _refuse(f"文件行数过多，每次最多导入{settings.WANGQIAN_XLSX_MAX_ROWS}行，请拆分后分批导入")


def _too_many_elements() -> InvalidInput:
    return _refuse(
        f"文件包含的XML元素过多（超过{settings.WANGQIAN_XLSX_MAX_ELEMENTS}个），疑似异常文件，请拆分后分批导入"
    )


def _too_deep(part: str) -> InvalidInput:
    return _refuse(
        f"文件结构异常（{part[:60]}的元素嵌套超过{settings.WANGQIAN_XLSX_MAX_DEPTH}层），请用Excel或WPS另存为后重新上传"
    )


def _count_tags(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    counts: dict[bytes, int],
    shape: _Shape,
    *,
    max_rows: int | None = None,
    too_many_rows: str = "",
) -> None:
    """A worksheet or the shared strings: count its start tags into `counts` (rows, cells and strings by name,
    every element by its "<"); refuse a DTD, and as soon as a limit is passed."""
    limit = min(settings.WANGQIAN_XLSX_MAX_ROWS, max_rows if max_rows is not None else settings.WANGQIAN_XLSX_MAX_ROWS)
    refusal = _refuse(too_many_rows) if too_many_rows and limit < settings.WANGQIAN_XLSX_MAX_ROWS else _too_many_rows()
    max_rows = limit + 1  # the header row
    rows_here = 0
    carry = b""
    first = True
    with archive.open(entry) as part:
        while chunk := part.read(_CHUNK):
            if first:
                first = False
                # expat reads UTF-16 too; a byte scan would not see its tags. Excel writes UTF-8 only.
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                    raise _BadPart(entry.filename, "不是UTF-8编码")
                dimension = _DIMENSION.search(chunk)
                if dimension and dimension.group(1) and int(dimension.group(1)) > max_rows:
                    raise refusal
            buffer = carry + chunk
            # A tag cut by the chunk boundary is kept for the next round.
            cut = buffer.rfind(b"<")
            if cut == -1 or len(buffer) - cut > 64:
                carry = b""
            else:
                buffer, carry = buffer[:cut], buffer[cut:]
            _count_buffer(entry, buffer, counts)
            found = _TAGS.findall(buffer)
            tally = Counter(name for name, _, _ in found)
            for name, number in tally.items():
                counts[name] += number
            rows_here += tally[b"row"]
            shape.add(found)
            if rows_here > max_rows:
                raise refusal
            if counts[b"c"] > settings.WANGQIAN_XLSX_MAX_CELLS:
                raise _refuse(
                    f"文件单元格过多，每次最多导入{settings.WANGQIAN_XLSX_MAX_CELLS}个单元格，请拆分后分批导入"
                )
    _count_buffer(entry, carry, counts)
    found = _TAGS.findall(carry)
    for name, _, _ in found:
        counts[name] += 1
    shape.add(found)


def _count_buffer(entry: zipfile.ZipInfo, buffer: bytes, counts: dict[bytes, int]) -> None:
    """Elements: every "<" but those of end tags, declarations and processing instructions (text cannot hold
    one; a comment or CDATA holding one only counts high). A DTD would let a reader expand entities."""
    if b"<!DOCTYPE" in buffer or b"<!ENTITY" in buffer:
        raise _BadPart(entry.filename, "含有DTD")
    counts[b"elements"] += buffer.count(b"<") - buffer.count(b"</") - buffer.count(b"<?") - buffer.count(b"<!")
    if counts[b"elements"] > settings.WANGQIAN_XLSX_MAX_ELEMENTS:
        raise _too_many_elements()


class _Package:
    """The wiring read from the package's relationships and content types: which part each one calls what."""

    def __init__(self) -> None:
        self.roles: list[tuple[str, str, str]] = []  # (where it is said, the part, what it is said to be)

    def relationship(self, rels: str, attrs: dict[str, str]) -> None:
        if attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "")
        # xl/_rels/workbook.xml.rels speaks for xl/workbook.xml: its targets are relative to xl/.
        base = posixpath.dirname(posixpath.dirname(rels))
        part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        self.roles.append((rels, part, attrs.get("Type", "").rsplit("/", 1)[-1]))

    def override(self, attrs: dict[str, str]) -> None:
        kind = attrs.get("ContentType", "")
        role = kind
        if kind.endswith(".worksheet+xml"):
            role = "worksheet"
        elif kind.endswith(".sharedStrings+xml"):
            role = "sharedStrings"
        elif kind.endswith(".calcChain+xml"):
            role = "calcChain"
        self.roles.append(("[Content_Types].xml", attrs.get("PartName", "").lstrip("/"), role))

    def check_wiring(self) -> None:
        """A part named as a worksheet, the shared strings or the calculation chain is only ever called that, and only
        such a part is: no reader is led to parse a part of a worksheet's size as styles or a workbook."""
        for where, part, role in self.roles:
            expected = _data_role(part)
            if (expected or role in _SIZED_ROLES) and role != expected:
                raise _BadPart(where, f"中{part[:60]}的类型与其位置不符")


class _XmlScan:
    """expat handlers for one part: depth and element count bounded, no DTD; a part of the package's wiring
    (relationships, content types) reports what it says to `package`."""

    def __init__(self, part: str, package: _Package | None, counts: dict[bytes, int]):
        self.part = part
        self.package = package
        self.counts = counts
        self.depth = 0
        self.rels = part.endswith(".rels")
        self.max_depth = settings.WANGQIAN_XLSX_MAX_DEPTH
        self.max_elements = settings.WANGQIAN_XLSX_MAX_ELEMENTS

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _too_deep(self.part)
        self.counts[b"elements"] += 1
        if self.counts[b"elements"] > self.max_elements:
            raise _too_many_elements()
        if self.package is not None:
            local = name.rpartition(":")[2]
            if local == "Relationship" and self.rels:
                self.package.relationship(self.part, attrs)
            elif local == "Override" and not self.rels:
                self.package.override(attrs)

    def end(self, name: str) -> None:
        self.depth -= 1

    def doctype(self, *args: Any) -> None:
        raise _BadPart(self.part, "含有DTD")


def _expat(scan: Any) -> Any:
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.StartDoctypeDeclHandler = scan.doctype
    parser.EntityDeclHandler = scan.doctype
    return parser


def _parse_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, package: _Package, counts: dict[bytes, int]) -> None:
    """Any part but the worksheets and shared strings (each at most WANGQIAN_XLSX_MAX_PART_BYTES): an XML part is
    parsed by expat once, bounded; a binary one (an image) no reader parses."""
    with archive.open(entry) as part:
        first = part.read(_CHUNK)
        if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<", b"\xff\xfe", b"\xfe\xff", b"\x00<")):
            return
        wiring = entry.filename == "[Content_Types].xml" or entry.filename.endswith(".rels")
        parser = _expat(_XmlScan(entry.filename, package if wiring else None, counts))
        try:
            parser.Parse(first, False)
            while chunk := part.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            # The wiring must be read whole. Any other part: a reader that parses it fails on it (a 400), and one
            # no reader parses may be as loose as Excel writes it (its comments' VML has unclosed <br> tags).
            if wiring:
                raise _BadPart(entry.filename, "不是有效的XML")


def _count_elements(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, counts: dict[bytes, int]) -> None:
    """The calculation chain: no reader parses it; its elements count towards the limit, a DTD is refused."""
    carry = b""
    with archive.open(entry) as part:
        while chunk := part.read(_CHUNK):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut == -1 or len(buffer) - cut > 64:
                carry = b""
            else:
                buffer, carry = buffer[:cut], buffer[cut:]
            _count_buffer(entry, buffer, counts)
    _count_buffer(entry, carry, counts)


class _Structure:
    """expat handlers for a worksheet or the shared strings that openpyxl will read: it drops each row (each
    string) once read, but keeps every element outside them in memory, and any element nested deep."""

    def __init__(self, part: str):
        self.part = part
        self.keep = "si" if _data_role(part) == "sharedStrings" else "row"
        self.depth = 0
        self.inside = 0  # the depth of the row (string) being read, 0 outside
        self.kept = 0
        self.max_depth = settings.WANGQIAN_XLSX_MAX_DEPTH
        self.max_kept = settings.WANGQIAN_XLSX_MAX_OTHER_ELEMENTS

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            raise _too_deep(self.part)
        if self.inside:
            return
        if name.rpartition(":")[2] == self.keep:
            self.inside = self.depth
            return
        self.kept += 1
        if self.kept > self.max_kept:
            limit = settings.WANGQIAN_XLSX_MAX_OTHER_ELEMENTS
            raise _refuse(
                f"文件包含过多与表格数据无关的内容（{self.part[:60]}中行以外的元素超过{limit}个），"
                "请将数据复制到下载的模板中后重新上传"
            )

    def end(self, name: str) -> None:
        if self.inside == self.depth:
            self.inside = 0
        self.depth -= 1

    def doctype(self, *args: Any) -> None:
        raise _BadPart(self.part, "含有DTD")


def _check_structure(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    parser = _expat(_Structure(entry.filename))
    with archive.open(entry) as part:
        try:
            while chunk := part.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError:
            raise _BadPart(entry.filename, "不是有效的XML")


def read_rows(
    upload: IO[bytes],
    headers: Sequence[str],
    *,
    required: Sequence[str] = (),
    text: Collection[str] = (),
    errors: list[RowError] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as shown in Excel, {header: text}) for every non-empty data row.

    A cell of a text column (TEXT_COLUMNS, and `text`) that is not text, or a cell holding characters no
    database can store, is refused: its row is not yielded and the error (row, column, message) is appended
    to `errors`, where the import lists its own; without `errors`, RowsInvalid lists them once the file is
    read. Either way nothing is written: every import reads the whole file before it writes.

    Whatever a reader raises on a file that passed check_xlsx (a TypeError of openpyxl's styles, calamine's
    errors, a missing part…) is a 400 naming the file, never a 500."""
    shape = check_xlsx(upload)
    columns = _Columns(headers, required, TEXT_COLUMNS.union(text), errors)
    name = _display_name(upload)
    try:
        if shape.calamine_fits:
            yield from _calamine_rows(upload, columns)
        else:
            yield from _openpyxl_rows(upload, columns)
    except InvalidInput:
        raise
    except Exception as exc:
        logger.warning("xlsx reader failed on upload %r", name, exc_info=True)
        raise _bad_format(name) from exc


def _openpyxl_rows(upload: IO[bytes], columns: _Columns) -> Iterator[tuple[int, dict[str, str]]]:
    """openpyxl's streaming reader: any file calamine would hold too large a grid for."""
    upload.seek(0)
    workbook = load_workbook(upload, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # max_col bounds every row's width whatever the sheet's dimension or a far-right cell claims.
        yield from _rows(sheet.iter_rows(values_only=True, max_col=settings.WANGQIAN_XLSX_MAX_COLUMNS), columns)
    finally:
        workbook.close()


def _calamine_rows(upload: IO[bytes], columns: _Columns) -> Iterator[tuple[int, dict[str, str]]]:
    """The first sheet read by calamine (Rust): one pass over the file, no Python object per XML node."""
    try:
        upload.seek(0)
        workbook = CalamineWorkbook.from_filelike(upload)
        try:
            sheet = workbook.get_sheet_by_index(0)
        finally:
            workbook.close()
    finally:
        upload.seek(0)
    # iter_rows yields every row from row 1, each from the first used column on (sheet.start).
    start_col = sheet.start[1] if sheet.start else 0
    width = settings.WANGQIAN_XLSX_MAX_COLUMNS
    lead = (None,) * start_col
    padded = ((*lead, *row[: max(width - start_col, 0)]) for row in sheet.iter_rows())
    yield from _rows(padded, columns)


@dataclass(frozen=True)
class _Columns:
    """What an import reads: its headers, those that must be present, those whose cells must be text."""

    headers: Sequence[str]
    required: Sequence[str]
    text: frozenset[str]
    errors: list[RowError] | None  # where refused cells go; None: raise RowsInvalid at the end


def _rows(rows: Iterator[Sequence[Any]], columns: _Columns) -> Iterator[tuple[int, dict[str, str]]]:
    header_row = next(rows, None)
    found = [_text(value) for value in (header_row or ())]
    missing = [h for h in (columns.required or columns.headers) if h not in found]
    if missing:
        message = f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）"
        raise _refuse(message)
    index = {h: found.index(h) for h in columns.headers if h in found}
    text_index = [(h, i) for h, i in index.items() if h in columns.text]
    max_rows = settings.WANGQIAN_XLSX_MAX_ROWS
    errors = columns.errors if columns.errors is not None else []
    count = len(errors)
    for number, row in enumerate(rows, start=2):
        if number > max_rows + 1:
            raise _too_many_rows()
        width = len(row)
        refused = [
            RowError(number, h, _number_cell(h, v))
            for h, i in text_index
            if i < width and (v := row[i]) is not None and v.__class__ is not str
        ]
        if refused:
            errors += refused
            continue
        # Most cells are text: strip them here, the rest through _text.
        values = {
            h: ("" if i >= width else v.strip() if (v := row[i]).__class__ is str else _text(v))
            for h, i in index.items()
        }
        if not is_storable("".join(values.values())):
            errors += [
                RowError(number, h, f"{h}含有不允许的字符（如控制字符），请删除后重新上传")
                for h, value in values.items()
                if not is_storable(value)
            ]
            continue
        if any(values.values()):
            yield number, values
    if columns.errors is None and len(errors) > count:
        raise RowsInvalid(errors)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """A small sheet as bytes; large ones go to a file through core.services.xlsx_stream.write_xlsx_to."""
    buffer = io.BytesIO()
    write_xlsx_to(buffer, headers, rows, title=title)
    return buffer.getvalue()


def write_template(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str, text: Collection[str] = ()
) -> bytes:
    """An import's downloadable template: its text columns (TEXT_COLUMNS and `text`, as read_rows reads them)
    formatted as text (number format "@"), column and cells, so that what is typed or pasted stays text."""
    text_columns = {i for i, h in enumerate(headers) if h in TEXT_COLUMNS or h in text}
    buffer = io.BytesIO()
    write_xlsx_to(buffer, headers, rows, title=title, text_columns=text_columns)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
