from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from pypdf import PdfReader

from documents.data import ReviewEntry
from documents.render import COPIES, render_agreement_pdf
from documents.sample import sample_document_data
from documents.signing import sign_pdf

from .conftest import save_pages


def _pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_text_carries_number_parties_and_terms() -> None:
    data = sample_document_data()
    # Table cells wrap long values, so compare without the line breaks.
    text = "".join("".join(_pages_text(render_agreement_pdf(data))).split())
    for expected in (
        data.title,
        data.number,
        data.employer.name,
        data.employer.credit_code,
        data.student.name,
        data.student.id_number,  # unmasked: a legal document
        data.student.phone,
        data.school.name,
        data.terms.position,
        data.terms.position_category_label,
        data.terms.work_location_label,
        "12,000",
        "5,000",
        "甲方为乙方缴纳五险一金",
        data.terms.hukou_address,
        data.terms.archive_unit_name,
        "学校审核通过",
        "材料齐全",
    ):
        assert expected and "".join(expected.split()) in text, expected


def test_four_copies_of_two_pages_each_with_code_and_page_number_on_every_page() -> None:
    data = sample_document_data()
    pages = _pages_text(render_agreement_pdf(data))
    assert len(pages) == 2 * len(COPIES) == 8
    for index, text in enumerate(pages):
        ordinal, holder = COPIES[index // 2]
        assert ordinal in text and holder in text
        assert f"验证码：{data.verification_code}" in text
        assert f"协议书编号：{data.number}" in text
        assert str(data.verify_url) in text
        assert f"第 {index + 1} 页 / 共 8 页" in text


def test_cjk_fonts_are_embedded_subsets() -> None:
    reader = PdfReader(io.BytesIO(render_agreement_pdf(sample_document_data())))
    fonts = cast(Any, reader.pages[0])["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/TrueType"
        assert str(font["/BaseFont"])[7] == "+"  # "AAAAAA+Name": a subset
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
        assert "/ToUnicode" in font  # the text can be copied


def test_free_text_is_printed_literally() -> None:
    data = sample_document_data()
    data = replace(data, terms=replace(data.terms, other_terms="<b>奖金&补贴</b> <font size=40>x</font>"))
    text = "".join(_pages_text(render_agreement_pdf(data))[1].split())
    assert "<b>奖金&补贴</b><fontsize=40>x</font>" in text


def test_long_free_text_and_history_still_fit_two_pages_per_copy() -> None:
    data = sample_document_data()
    events = tuple(
        ReviewEntry(datetime(2027, 3, 1, 9, minute), f"单位用户{minute}", "修改邀约", "调整" * 50)
        for minute in range(40)
    )
    data = replace(data, terms=replace(data.terms, other_terms="服务期五年。" * 150), events=events)
    pdf = render_agreement_pdf(data)
    pages = _pages_text(pdf)
    assert len(pages) == 8
    assert "此前 28 条记录从略" in pages[1]
    save_pages(pdf, "agreement-long-text")


def test_draft_is_watermarked_and_has_no_verification_link() -> None:
    data = replace(
        sample_document_data(),
        number=None,
        verification_code=None,
        verify_url=None,
        effective_date=None,
        digitally_signed=False,
        watermark="未生效",
    )
    pdf = render_agreement_pdf(data)
    text = _pages_text(pdf)[0]
    assert "未生效" in text
    assert "仅供核对" in text
    assert "https://" not in text
    save_pages(pdf, "agreement-draft")


def test_dispatch_fields_follow_the_school_setting() -> None:
    data = sample_document_data()
    assert "报到证抬头" in _pages_text(render_agreement_pdf(data))[0]
    hidden = replace(data, terms=replace(data.terms, show_dispatch=False))
    assert "报到证" not in _pages_text(render_agreement_pdf(hidden))[0]


def test_signed_agreement_pages_are_saved_as_images() -> None:
    data = sample_document_data()
    pages = save_pages(sign_pdf(render_agreement_pdf(data)), "agreement-signed")
    assert len(pages) == 8
    assert all(path.stat().st_size > 20_000 for path in pages)
