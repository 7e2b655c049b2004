"""The 就业协议书 as a PDF: A4, 一式四份, two pages per copy so that double-sided printing starts every copy on
a fresh sheet.

The two page bodies are drawn once as form XObjects and placed on each copy's pages; only the per-page parts
(which copy, page number) are drawn per page. That keeps the file small and the render fast, and all four
copies are identical by construction.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

import segno
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from documents.data import AgreementDocumentData, ReviewEntry
from documents.fonts import register_fonts

# ASCII85 on top of Flate only made sense for 7-bit mail transport; binary streams are a quarter smaller and
# skip a pure-Python encoding pass over every stream (about 5 ms per agreement).
rl_config.useA85 = 0

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP_Y = PAGE_H - 14 * mm
FOOTER_TOP = 27 * mm  # the footer band (QR code, number, page) lies below this line
QR_SIZE = 19 * mm

# 一式四份: the usual arrangement, one copy for each party and one for the student's college (学院 reviews
# first and keeps its own record).
COPIES: tuple[tuple[str, str], ...] = (
    ("第一联", "毕业生留存"),
    ("第二联", "用人单位留存"),
    ("第三联", "学校就业部门留存"),
    ("第四联", "学院留存"),
)
PAGES_PER_COPY = 2  # keep even: every copy must begin on the front of a sheet

# The printed 流程追踪 is a summary: beyond this the page would have to shrink to an unreadable size, so the
# oldest rows give way and long remarks are cut (the full record stays in the system).
MAX_EVENTS = 12
MAX_REMARK = 60

CLAUSES = (
    "甲方如实向乙方介绍本单位情况、拟聘用岗位及工作条件，同意录用乙方；乙方如实向甲方介绍本人情况，愿意到甲方就业。",
    "乙方应按期取得毕业资格并按甲方要求按时报到；乙方未能取得毕业资格的，甲方有权解除本协议。",
    "甲方应在乙方报到之日起一个月内依法与乙方订立劳动（聘用）合同，约定的工作岗位、工作地点和工资待遇"
    "不得低于本协议的约定；试用期包含在劳动（聘用）合同期限内。",
    "丙方负责审核本协议，审核通过后将乙方列入就业方案，并按国家规定办理毕业去向登记、档案及户口迁转等手续。",
    "本协议经甲、乙双方在线确认、丙方审核通过后生效。任何一方不得擅自变更或解除本协议；确需解除的，"
    "须经甲、乙双方协商一致并经丙方审核，违约方按约定向守约方支付违约金。",
    "乙方报到并与甲方订立劳动（聘用）合同后，本协议自行终止，双方权利义务以劳动（聘用）合同为准。",
    "其他约定不得违反国家法律法规及本协议条款；本协议未尽事宜，由三方协商解决。",
    "本协议一式四份，甲、乙、丙三方及乙方所在学院各执一份，具有同等效力。电子版本经丙方数字签名，"
    "可凭验证码或二维码在线核验真伪。",
)
CHINESE_NUMERALS = "一二三四五六七八九十"

INK = colors.black
LABEL_BG = colors.HexColor("#f1f1f1")
MUTED = colors.HexColor("#555555")


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    body, heading = register_fonts()
    base = ParagraphStyle("base", fontName=body, fontSize=9.5, leading=13.5, wordWrap="CJK", textColor=INK)
    return {
        "cell": base,
        "label": ParagraphStyle("label", parent=base, fontName=heading, fontSize=8.8, leading=12),
        "side": ParagraphStyle("side", parent=base, fontName=heading, fontSize=10, leading=13, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=heading, fontSize=20, leading=26, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER),
        "section": ParagraphStyle("section", parent=base, fontName=heading, fontSize=11, leading=16, spaceBefore=2),
        "clause": ParagraphStyle(
            "clause",
            parent=base,
            fontSize=9.5,
            leading=14.5,
            leftIndent=20,
            bulletIndent=0,
            bulletFontName=body,
            bulletFontSize=9.5,
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8.3, leading=11),
        "intro": ParagraphStyle("intro", parent=base, fontSize=10, leading=15, firstLineIndent=20, alignment=TA_LEFT),
    }


def render_agreement_pdf(data: AgreementDocumentData) -> bytes:
    """Render the four-copy agreement; the result is ready for `documents.signing.sign_pdf`."""
    body_font, heading_font = register_fonts()
    buffer = io.BytesIO()
    # The initial font would otherwise be a non-embedded Helvetica referenced by every page.
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, lang="zh-CN", initialFontName=body_font)
    canvas.setTitle(f"{data.title} {data.number or ''}".strip())
    canvas.setAuthor(data.school.name)
    canvas.setSubject(f"{data.employer.name} / {data.student.name}")
    canvas.setCreator("wangqian 网签")

    canvas.beginForm("front")
    _draw_front(canvas, data)
    canvas.endForm()
    canvas.beginForm("back")
    _draw_back(canvas, data)
    canvas.endForm()
    has_qr = bool(data.verify_url)
    if has_qr:
        canvas.beginForm("qr")
        _draw_qr(canvas, str(data.verify_url), MARGIN_X + CONTENT_W - QR_SIZE, 6 * mm, QR_SIZE)
        canvas.endForm()

    total = len(COPIES) * PAGES_PER_COPY
    for copy_index, (ordinal, holder) in enumerate(COPIES):
        for side in range(PAGES_PER_COPY):
            page = copy_index * PAGES_PER_COPY + side + 1
            canvas.doForm("front" if side == 0 else "back")
            _draw_copy_mark(canvas, ordinal, holder, prominent=side == 0)
            _draw_footer(canvas, data, page, total)
            if has_qr:
                canvas.doForm("qr")
            if data.watermark:
                _draw_watermark(canvas, data.watermark, heading_font)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Page bodies


def _draw_front(canvas: Canvas, data: AgreementDocumentData) -> None:
    st = _styles()
    canvas.setFont(st["cell"].fontName, 9.5)
    canvas.setFillColor(INK)
    canvas.drawString(MARGIN_X, TOP_Y - 4, f"协议书编号：{data.number or '（审核通过后生成）'}")
    canvas.drawString(MARGIN_X, TOP_Y - 18, f"条款版本：第 {data.terms_version} 版")

    flow: list[Flowable] = [
        Spacer(1, 14 * mm),
        Paragraph(escape(data.title), st["title"]),
        Spacer(1, 2),
        Paragraph(f"（{escape(data.school.name)}毕业生网上签约）", st["subtitle"]),
        Spacer(1, 5 * mm),
        Paragraph(
            "甲方（用人单位）、乙方（毕业生）、丙方（学校）本着平等、自愿、诚信的原则，"
            "就乙方毕业后到甲方就业事宜，经协商一致，订立本协议。",
            st["intro"],
        ),
        Spacer(1, 3 * mm),
        _party_table("甲方 用人单位", _employer_rows(data)),
        Spacer(1, 3 * mm),
        _party_table("乙方 毕业生", _student_rows(data)),
        Spacer(1, 3 * mm),
        _party_table("丙方 学校", _school_rows(data)),
        Spacer(1, 3 * mm),
        _party_table("聘用条款", _terms_rows(data)),
        Spacer(1, 3 * mm),
        _party_table("档案户口", _archive_rows(data)),
    ]
    _fill_frame(canvas, flow, top=TOP_Y, bottom=FOOTER_TOP + 4 * mm)


def _draw_back(canvas: Canvas, data: AgreementDocumentData) -> None:
    st = _styles()
    canvas.setFont(st["small"].fontName, 8.3)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN_X, TOP_Y - 4, f"{data.title}（续）　协议书编号：{data.number or '（审核通过后生成）'}")
    canvas.setFillColor(INK)

    flow: list[Flowable] = [Spacer(1, 9 * mm), Paragraph("协议条款", st["section"]), Spacer(1, 2)]
    for index, clause in enumerate(CLAUSES):
        flow.append(Paragraph(escape(clause), st["clause"], bulletText=f"{CHINESE_NUMERALS[index]}、"))
    other = data.terms.other_terms.strip()
    other_html = escape(other).replace("\n", "<br/>") if other else "无。"
    flow.append(
        Paragraph(
            f"<font name='{st['label'].fontName}'>其他约定：</font>{other_html}",
            st["clause"],
            bulletText=f"{CHINESE_NUMERALS[len(CLAUSES)]}、",
        )
    )
    flow += [Spacer(1, 3 * mm), Paragraph("流程追踪", st["section"]), Spacer(1, 2), _events_table(data.events)]

    # Seal boxes in a 2×2 grid leave room for a 42 mm 公章 each; when the free text is long they move into one
    # row so that the text keeps a readable size.
    bottom = FOOTER_TOP + 4 * mm
    top = TOP_Y
    columns, sign_h = 2, 80 * mm
    if _height(flow) > top - (bottom + sign_h + 4 * mm):
        columns, sign_h = 4, 42 * mm
    _fill_frame(canvas, flow, top=top, bottom=bottom + sign_h + 4 * mm)
    _draw_signature_boxes(canvas, data, bottom, sign_h, columns=columns)


def _height(flow: list[Flowable]) -> float:
    total = 0.0
    for flowable in flow:
        total += flowable.wrap(CONTENT_W, PAGE_H)[1] + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def _fill_frame(canvas: Canvas, flow: list[Flowable], *, top: float, bottom: float) -> None:
    # Shrink rather than overflow: a copy must stay on its two pages whatever the free-text fields hold.
    height = top - bottom
    frame = Frame(MARGIN_X, bottom, CONTENT_W, height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    frame.addFromList([KeepInFrame(CONTENT_W, height, flow, mode="shrink")], canvas)


# ---------------------------------------------------------------------------------------------------------------
# Tables

Row = tuple[str, str] | tuple[str, str, str, str]


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    return escape(str(value))


def _clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _money(value: int | None) -> str:
    return "未约定" if value is None else f"{value:,}"


def _employer_rows(data: AgreementDocumentData) -> list[Row]:
    e = data.employer
    return [
        ("单位名称", e.name),
        ("统一社会信用代码", e.credit_code, "单位性质", e.nature_label),
        ("单位所在地", e.location_label, "联系人", e.contact_person),
        ("联系电话", e.phone, "电子邮箱", e.email),
        ("通讯地址", e.address),
    ]


def _student_rows(data: AgreementDocumentData) -> list[Row]:
    s = data.student
    return [
        ("姓名", s.name, "性别", s.gender),
        ("身份证号", s.id_number, "学号", s.student_no),
        ("学历", s.degree_label, "毕业年度", str(s.graduation_year)),
        ("院系", s.college, "专业", s.major),
        ("手机号", s.phone, "电子邮箱", s.email),
    ]


def _school_rows(data: AgreementDocumentData) -> list[Row]:
    sc = data.school
    return [
        ("学校名称", sc.name, "院校代码", sc.code),
        ("经办部门", sc.department, "毕业生所在院系", data.student.college),
    ]


def _terms_rows(data: AgreementDocumentData) -> list[Row]:
    t = data.terms
    probation = "无" if t.probation_months == 0 else (f"{t.probation_months}" if t.probation_months else "未约定")
    return [
        ("签约单位名称", t.unit_name),
        ("工作职位类别", t.position_category_label, "拟聘用职位", t.position),
        ("工作地点", t.work_location_label, "单位隶属", t.affiliation_label),
        ("月薪（元）", _money(t.monthly_salary), "试用期（月）", probation),
        ("违约金（元）", _money(t.liquidated_damages), "签约时间", _date(data.signed_date)),
    ]


def _archive_rows(data: AgreementDocumentData) -> list[Row]:
    t = data.terms
    rows: list[Row] = [
        ("档案接收类型", t.archive_receiving_label, "档案转寄单位名称", t.archive_unit_name),
        ("档案转寄地址", t.archive_address, "档案转寄邮编", t.archive_postcode),
        ("档案转寄联系人", t.archive_contact, "档案转寄联系电话", t.archive_phone),
        ("户口接收类型", t.hukou_receiving_label, "户口接收地址", t.hukou_address),
    ]
    if t.show_dispatch:
        rows.append(("报到证抬头", t.dispatch_title, "报到证签发所在地", t.dispatch_location_label))
    return rows


def _party_table(side_label: str, rows: Sequence[Row]) -> Table:
    """A bordered block: a narrow column with the vertical party name, then label/value pairs."""
    st = _styles()
    side_w, label_w = 8 * mm, 29 * mm
    value_w = (CONTENT_W - side_w - 2 * label_w) / 2
    vertical = "<br/>".join(escape(ch) for ch in side_label.replace(" ", ""))
    cells: list[list[object]] = []
    style: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, INK),
        # Plain-string cells (the blanks under a span) would otherwise pull in a non-embedded Helvetica.
        ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BG),
        ("SPAN", (0, 0), (0, len(rows) - 1)),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.2),
    ]
    for index, row in enumerate(rows):
        side = Paragraph(vertical, st["side"]) if index == 0 else ""
        if len(row) == 2:
            cells.append([side, Paragraph(row[0], st["label"]), Paragraph(_text(row[1]), st["cell"]), "", ""])
            style += [("SPAN", (2, index), (4, index)), ("BACKGROUND", (1, index), (1, index), LABEL_BG)]
        else:
            label_a, value_a, label_b, value_b = row
            cells.append(
                [
                    side,
                    Paragraph(label_a, st["label"]),
                    Paragraph(_text(value_a), st["cell"]),
                    Paragraph(label_b, st["label"]),
                    Paragraph(_text(value_b), st["cell"]),
                ]
            )
            style += [
                ("BACKGROUND", (1, index), (1, index), LABEL_BG),
                ("BACKGROUND", (3, index), (3, index), LABEL_BG),
            ]
    table = Table(cells, colWidths=[side_w, label_w, value_w, label_w, value_w])
    table.setStyle(TableStyle(style))
    return table


def _events_table(events: Iterable[ReviewEntry]) -> Table:
    st = _styles()
    entries = list(events)
    dropped = max(0, len(entries) - MAX_EVENTS)
    entries = entries[dropped:]
    header = [Paragraph(label, st["label"]) for label in ("时间", "用户名称", "操作", "备注")]
    rows: list[list[object]] = [header]
    if dropped:
        rows.append(["", "", "", Paragraph(f"（此前 {dropped} 条记录从略，完整记录见系统流程追踪）", st["small"])])
    for entry in entries:
        rows.append(
            [
                Paragraph(entry.time.strftime("%Y-%m-%d %H:%M"), st["small"]),
                Paragraph(_text(entry.actor), st["small"]),
                Paragraph(_text(entry.action), st["small"]),
                Paragraph(escape(_clip(entry.remark, MAX_REMARK)), st["small"]),
            ]
        )
    if not entries:
        rows.append(["", "", Paragraph("暂无记录", st["small"]), ""])
    widths = [27 * mm, 38 * mm, 27 * mm]
    widths.append(CONTENT_W - sum(widths))
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, INK),
                ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


# ---------------------------------------------------------------------------------------------------------------
# Directly drawn parts


def _date(value: date | datetime | None) -> str:
    return value.strftime("%Y年%m月%d日") if value else ""


def _draw_signature_boxes(
    canvas: Canvas, data: AgreementDocumentData, y: float, height: float, *, columns: int
) -> None:
    _, heading = register_fonts()
    body = _styles()["cell"].fontName
    gap = 3 * mm
    rows = 4 // columns
    width = (CONTENT_W - (columns - 1) * gap) / columns
    box_h = (height - (rows - 1) * gap) / rows
    compact = columns == 4
    signed = _date(data.signed_date)
    online = (f"{signed}网上确认" if compact else f"已于{signed}网上确认签约") if signed else ""
    approved = _date(data.effective_date)
    school_note = (f"{approved}审核通过" if compact else f"已于{approved}审核通过") if approved else ""
    boxes = (
        ("甲方（用人单位）", "授权代表签字：" if compact else "负责人或授权代表签字：", "（单位公章）", online),
        ("乙方（毕业生）", "本人签名：", "", online),
        ("学院意见", "", "（学院盖章）", ""),
        ("丙方（学校就业部门）", "", "（盖章）", school_note),
    )
    for index, (title, prompt, stamp, note) in enumerate(boxes):
        x = MARGIN_X + (index % columns) * (width + gap)
        box_y = y + (rows - 1 - index // columns) * (box_h + gap)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.6)
        canvas.rect(x, box_y, width, box_h)
        canvas.setFillColor(INK)
        canvas.setFont(heading, 10)
        canvas.drawString(x + 6, box_y + box_h - 15, title)
        canvas.setFont(body, 9)
        if prompt:
            canvas.drawString(x + 6, box_y + box_h - 31, prompt)
        if stamp:
            canvas.setFillColor(MUTED)
            canvas.drawCentredString(x + width * (0.5 if compact else 0.68), box_y + box_h / 2 - 4, stamp)
            canvas.setFillColor(INK)
        if note:
            canvas.setFont(body, 7.5 if compact else 8)
            canvas.drawString(x + 6, box_y + 24, note)
            canvas.setFont(body, 9)
        canvas.drawRightString(x + width - 8, box_y + 8, "年　　月　　日" if compact else "日期：　　　年　　月　　日")
    if data.digitally_signed:
        canvas.setFont(body, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(
            MARGIN_X + CONTENT_W,
            y + height + 3,
            f"本电子协议书已由{data.school.name}数字签名（PAdES），签名信息见阅读器签名面板。",
        )
        canvas.setFillColor(INK)


def _draw_copy_mark(canvas: Canvas, ordinal: str, holder: str, *, prominent: bool) -> None:
    _, heading = register_fonts()
    label = f"{ordinal}　{holder}"
    # Wide enough for the longest holder (学校就业部门留存) in either form.
    if prominent:
        width, height = max(34 * mm, canvas.stringWidth(holder, heading, 9.5) + 6 * mm), 13 * mm
    else:
        width, height = canvas.stringWidth(label, heading, 8.5) + 6 * mm, 7 * mm
    x, y = MARGIN_X + CONTENT_W - width, TOP_Y - height + 4
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, width, height)
    canvas.setFillColor(INK)
    if prominent:
        canvas.setFont(heading, 12)
        canvas.drawCentredString(x + width / 2, y + height - 15, ordinal)
        canvas.setFont(heading, 9.5)
        canvas.drawCentredString(x + width / 2, y + 7, holder)
    else:
        canvas.setFont(heading, 8.5)
        canvas.drawCentredString(x + width / 2, y + 6, label)


def _draw_footer(canvas: Canvas, data: AgreementDocumentData, page: int, total: int) -> None:
    body = _styles()["cell"].fontName
    _, heading = register_fonts()
    canvas.setStrokeColor(MUTED)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, FOOTER_TOP, MARGIN_X + CONTENT_W, FOOTER_TOP)
    canvas.setFillColor(INK)
    canvas.setFont(heading, 9)
    number = data.number or "（审核通过后生成）"
    code = data.verification_code or "（生效后生成）"
    canvas.drawString(MARGIN_X, FOOTER_TOP - 12, f"协议书编号：{number}　　验证码：{code}")
    canvas.setFont(body, 7.8)
    if data.verify_url:
        canvas.drawString(MARGIN_X, FOOTER_TOP - 24, f"真伪核验：扫描右侧二维码，或访问 {data.verify_url}")
        canvas.drawString(
            MARGIN_X, FOOTER_TOP - 35, "核验页面显示协议书当前状态，并可上传本文件比对是否为系统签发的原件。"
        )
    else:
        canvas.drawString(MARGIN_X, FOOTER_TOP - 24, "本文件尚未生效，仅供核对信息，不作为签约凭证。")
    canvas.setFont(body, 8.5)
    canvas.drawCentredString(PAGE_W / 2, 8 * mm, f"第 {page} 页 / 共 {total} 页")


def _draw_watermark(canvas: Canvas, text: str, font: str) -> None:
    canvas.saveState()
    canvas.setFillColor(colors.HexColor("#c00000"))
    canvas.setFillAlpha(0.13)
    canvas.translate(PAGE_W / 2, PAGE_H / 2)
    canvas.rotate(35)
    canvas.setFont(font, 96)
    canvas.drawCentredString(0, -30, text)
    canvas.restoreState()


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    # Vector modules, one rectangle per horizontal run: crisp at any zoom and cheaper than an image.
    qr = segno.make(url, error="m", micro=False)
    matrix = qr.matrix
    border = 2
    count = len(matrix) + 2 * border
    module = size / count
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + border + 1) * module
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(x + (start + border) * module, top, (column - start) * module, module)
            else:
                column += 1
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)
