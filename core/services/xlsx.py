"""Reading uploaded xlsx files and writing exports: one place for size limits, headers and escaping."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.errors import InvalidInput

MAX_ROWS = 100_000
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV/formula injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def read_rows(
    upload: IO[bytes], headers: Sequence[str], *, required: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as shown in Excel, {header: text}) for every non-empty data row."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.WANGQIAN_MAX_UPLOAD_BYTES:
        limit = settings.WANGQIAN_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise InvalidInput(f"文件过大，不能超过{limit}MB", errors={"file": f"文件过大，不能超过{limit}MB"})
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InvalidInput("文件格式不正确，请使用下载的模板另存为xlsx文件后上传", errors={"file": "文件格式不正确"})
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        found = [_text(value) for value in (header_row or ())]
        missing = [h for h in (required or headers) if h not in found]
        if missing:
            message = f"表头缺少列：{'、'.join(missing)}（请使用下载的模板）"
            raise InvalidInput(message, errors={"file": message})
        index = {h: found.index(h) for h in headers if h in found}
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise InvalidInput(f"文件行数过多，每次最多导入{MAX_ROWS}行", errors={"file": "行数过多"})
            values = {h: _text(row[i]) if i < len(row) else "" for h, i in index.items()}
            if any(values.values()):
                yield number, values
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe-like quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """One row generator written out with openpyxl's write-only mode (constant memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
