"""A streaming xlsx writer: rows go straight into the zipped sheet as they come, in constant memory.

openpyxl's write-only mode builds an element per cell (about 30 s for 100k rows × 12 columns on a busy 2-core
machine); the exports need only text and numbers in one sheet, so this writes the SpreadsheetML itself (inline
strings, no shared-string table to hold in memory) through zipfile's streaming writer: about 2 s for the same rows.
The package has the parts Excel, WPS and LibreOffice require (content types, relationships, workbook, styles, sheet).
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from typing import IO, Any
from xml.sax.saxutils import quoteattr

# Characters XML 1.0 cannot carry; a spreadsheet cell cannot hold them either.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A sheet name may not hold these and is at most 31 characters long.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FLUSH_ROWS = 500
_KNOWN_CELLS = 20_000

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
# One font, fill, border and cell format: what every reader expects to find.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    # Style 1: text that a spreadsheet would read as a formula if retyped (Excel's own 'quote prefix').
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyAlignment="0"/>'
    # Style 2: number format 49, "@" (文本): what is typed stays text (a template's 身份证号 column).
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_TEXT_STYLE = 2
_SHEET_TAIL = b"</sheetData></worksheet>"


def sheet_name(title: str) -> str:
    return _SHEET_NAME_BAD.sub("_", title)[:31] or "Sheet1"


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _cell(value: Any) -> str:
    # Called for every cell of a 100k-row export: the common case (plain text) takes the fewest steps.
    if value is None or value == "":
        return "<c/>"
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, int | float):
        return f'<c t="n"><v>{value}</v></c>'
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    if not text.isprintable():  # rare: control characters XML cannot carry (tabs and newlines it can)
        text = _ILLEGAL.sub("", text)
    # An inline string is never evaluated; the quote-prefix style keeps it text when a person edits the cell or the
    # sheet is saved as CSV, and leaves the value as it was (the 就业方案 travels to the province unchanged).
    style = ' s="1"' if text.startswith(_FORMULA_PREFIXES) else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text.translate(_ESCAPES)}</t></is></c>'


def _text_cell(value: Any) -> str:
    """A cell of a text column: written as text with style 2 (number format "@"), so that a value typed over it
    stays text; a value starting like a formula keeps the quote-prefix style, which is text too."""
    if value is None or value == "":
        return f'<c s="{_TEXT_STYLE}"/>'
    xml = _cell(str(value))
    if xml.startswith('<c t="inlineStr" s="1">'):
        return xml
    return f'<c s="{_TEXT_STYLE}"{xml[2:]}'


def _columns(text_columns: Collection[int]) -> str:
    """<cols>: the text columns formatted as text (and wide enough for an 18-digit number) down the sheet."""
    if not text_columns:
        return ""
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="22" style="{_TEXT_STYLE}" customWidth="1"/>'
        for i in sorted(text_columns)
    )
    return f"<cols>{cols}</cols>"


def write_xlsx_to(
    target: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    text_columns: Collection[int] = (),
) -> int:
    """Write one sheet (headers, then rows) to `target`, a binary file; returns the number of data rows.
    `text_columns` (0-based) are formatted as text, column and cells: an import template's 身份证号, 学号…"""
    count = 0
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name={quoteattr(sheet_name(title))} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD + _columns(text_columns).encode() + b"<sheetData>")
            buffer = [f'<row r="1">{"".join(_cell(h) for h in headers)}</row>']
            if text_columns:
                # A template: a few rows, each cell styled by its column.
                for number, row in enumerate(rows, start=2):
                    cells = "".join(_text_cell(v) if i in text_columns else _cell(v) for i, v in enumerate(row))
                    buffer.append(f'<row r="{number}">{cells}</row>')
                    count += 1
                rows = ()
            # Many cells repeat (院校, 专业, the status labels): their XML is made once, up to a bounded number.
            known: dict[str, str] = {}

            def cell(value: Any) -> str:
                if type(value) is not str:
                    return _cell(value)
                xml = known.get(value)
                if xml is None:
                    xml = _cell(value)
                    if len(known) < _KNOWN_CELLS:
                        known[value] = xml
                return xml

            for number, row in enumerate(rows, start=2):
                buffer.append(f'<row r="{number}">{"".join([cell(v) for v in row])}</row>')
                count += 1
                if len(buffer) >= _FLUSH_ROWS:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            sheet.write("".join(buffer).encode())
            sheet.write(_SHEET_TAIL)
    return count
