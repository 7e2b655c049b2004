"""Reading uploaded xlsx files and writing exports: one place for size limits, headers and escaping."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from core.errors import InvalidInput
from core.services.xlsx_stream import write_xlsx_to

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV/formula injection).
_BAD_FORMAT = "文件格式不正确，请使用下载的模板另存为xlsx文件后上传"
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


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, errors={"file": message})


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g}MB"
    return f"{size / 1024:g}KB"


def check_xlsx(upload: IO[bytes]) -> _Shape:
    """Refuse, before openpyxl reads it, a file whose inflated parts would cost more time or memory than the
    settings allow: a decompression bomb (a small file with a huge sharedStrings.xml), a sheet of a million
    rows. Zip headers are checked first (free); then every part is inflated once in 1 MB chunks, counting
    rows, cells and shared strings and stopping at the first limit passed. zipfile never yields more than a
    part's declared size (it fails the CRC check instead), so the declared sizes can be trusted."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.WANGQIAN_MAX_UPLOAD_BYTES:
        raise _refuse(f"文件过大，不能超过{_megabytes(settings.WANGQIAN_MAX_UPLOAD_BYTES)}")
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            _check_entries(entries)
            counts = {b"row": 0, b"c": 0, b"si": 0}
            shape = _Shape()
            for entry in entries:
                _count_tags(archive, entry, counts, shape)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        raise _refuse(_BAD_FORMAT)
    finally:
        upload.seek(0)
    # A cell uses at most one shared string, so strings beyond the cells are never read: a bomb's padding.
    if counts[b"si"] > max(counts[b"c"], 1000):
        raise _refuse(
            f"文件包含{counts[b'si']}个共享字符串，超过单元格数（{counts[b'c']}个），疑似异常文件，请用Excel另存为后重新上传"
        )
    shape.tags = {b"row": counts[b"row"], b"c": counts[b"c"]}
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
            raise _refuse(_BAD_FORMAT)
        if entry.file_size > settings.WANGQIAN_XLSX_MAX_ENTRY_BYTES:
            limit = _megabytes(settings.WANGQIAN_XLSX_MAX_ENTRY_BYTES)
            raise _refuse(f"文件解压后过大（{entry.filename[:60]}超过{limit}），请拆分后分批导入")
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


def _count_tags(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, counts: dict[bytes, int], shape: _Shape) -> None:
    """Count this part's start tags into `counts`; refuse as soon as a limit is passed."""
    max_rows = settings.WANGQIAN_XLSX_MAX_ROWS + 1  # the header row
    rows_here = 0
    carry = b""
    first = True
    with archive.open(entry) as part:
        while chunk := part.read(_CHUNK):
            if first:
                first = False
                # expat reads UTF-16 too; a byte scan would not see its tags. Excel writes UTF-8 only.
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                    raise _refuse(_BAD_FORMAT)
                dimension = _DIMENSION.search(chunk)
                if dimension and dimension.group(1) and int(dimension.group(1)) > max_rows:
                    raise _too_many_rows()
            buffer = carry + chunk
            # A tag cut by the chunk boundary is kept for the next round.
            cut = buffer.rfind(b"<")
            if cut == -1 or len(buffer) - cut > 64:
                carry = b""
            else:
                buffer, carry = buffer[:cut], buffer[cut:]
            found = _TAGS.findall(buffer)
            tally = Counter(name for name, _, _ in found)
            for name, number in tally.items():
                counts[name] += number
            rows_here += tally[b"row"]
            shape.add(found)
            if rows_here > max_rows:
                raise _too_many_rows()
            if counts[b"c"] > settings.WANGQIAN_XLSX_MAX_CELLS:
                raise _refuse(
                    f"文件单元格过多，每次最多导入{settings.WANGQIAN_XLSX_MAX_CELLS}个单元格，请拆分后分批导入"
                )
    found = _TAGS.findall(carry)
    for name, _, _ in found:
        counts[name] += 1
    shape.add(found)


def read_rows(
    upload: IO[bytes], headers: Sequence[str], *, required: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as shown in Excel, {header: text}) for every non-empty data row."""
    shape = check_xlsx(upload)
    if shape.calamine_fits:
        yield from _calamine_rows(upload, headers, required)
        return
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError):
        raise _refuse(_BAD_FORMAT)
    try:
        yield from _sheet_rows(workbook, headers, required)
    except (KeyError, OSError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile, zlib.error):
        # Read-only mode parses cells while iterating: a broken part, or one defusedxml refuses, shows here.
        # (SyntaxError covers the XML parse errors of ElementTree and lxml.)
        raise _refuse(_BAD_FORMAT)
    finally:
        workbook.close()


def _calamine_rows(
    upload: IO[bytes], headers: Sequence[str], required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The first sheet read by calamine (Rust): one pass over the file, no Python object per XML node."""
    try:
        upload.seek(0)
        workbook = CalamineWorkbook.from_filelike(upload)
        try:
            sheet = workbook.get_sheet_by_index(0)
        finally:
            workbook.close()
        # iter_rows yields every row from row 1, each from the first used column on (sheet.start).
        start_col = sheet.start[1] if sheet.start else 0
        rows = sheet.iter_rows()
    except (CalamineError, ValueError, TypeError, OSError, IndexError):
        raise _refuse(_BAD_FORMAT)
    finally:
        upload.seek(0)
    width = settings.WANGQIAN_XLSX_MAX_COLUMNS
    lead = (None,) * start_col
    padded = ((*lead, *row[: max(width - start_col, 0)]) for row in rows)
    yield from _rows(padded, headers, required)


def _sheet_rows(workbook: Any, headers: Sequence[str], required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    sheet = workbook.worksheets[0]
    # max_col bounds every row's width whatever the sheet's dimension or a far-right cell claims.
    yield from _rows(sheet.iter_rows(values_only=True, max_col=settings.WANGQIAN_XLSX_MAX_COLUMNS), headers, required)


def _rows(
    rows: Iterator[Sequence[Any]], headers: Sequence[str], required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    header_row = next(rows, None)
    found = [_text(value) for value in (header_row or ())]
    missing = [h for h in (required or headers) if h not in found]
    if missing:
        message = f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）"
        raise _refuse(message)
    index = {h: found.index(h) for h in headers if h in found}
    max_rows = settings.WANGQIAN_XLSX_MAX_ROWS
    for number, row in enumerate(rows, start=2):
        if number > max_rows + 1:
            raise _too_many_rows()
        width = len(row)
        # Most cells are text: strip them here, the rest through _text.
        values = {
            h: ("" if i >= width else v.strip() if (v := row[i]).__class__ is str else _text(v))
            for h, i in index.items()
        }
        if any(values.values()):
            yield number, values


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


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
