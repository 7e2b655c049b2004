"""One download helper: the Chinese file name survives in `filename*`, with an ASCII name for old clients."""

from __future__ import annotations

from urllib.parse import unquote

from web.downloads import content_disposition, download, xlsx_download


def test_a_chinese_name_is_kept_in_filename_star() -> None:
    header = content_disposition("2027届就业方案-东北大学.xlsx")
    assert header.startswith('attachment; filename="download.xlsx"; ')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "2027届就业方案-东北大学.xlsx"


def test_an_ascii_name_is_quoted_and_inline_is_possible() -> None:
    assert content_disposition("report.pdf") == 'attachment; filename="report.pdf"'
    assert content_disposition('a"b\\c.pdf', inline=True) == 'inline; filename="a\\"b\\\\c.pdf"'


def test_a_header_cannot_be_split_by_the_name() -> None:
    for name in ("名单\r\nSet-Cookie: x=1.xlsx", "list\r\nSet-Cookie: x=1.xlsx"):
        header = content_disposition(name)
        assert "\r" not in header and "\n" not in header


def test_download_responses_carry_type_and_name() -> None:
    pdf = download(b"%PDF-1.7", "协议书.pdf", "application/pdf", inline=True)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline; ")
    assert pdf.content == b"%PDF-1.7"
    sheet = xlsx_download(b"PK", "名单.xlsx")
    assert sheet["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in sheet["Content-Disposition"]
