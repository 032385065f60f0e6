"""Notices as PDF (reportlab). STSong-Light is one of the CID fonts every PDF reader supplies
for Chinese, so no font file ships with the project."""

import io

from django.utils.html import escape
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=28, alignment=1, spaceAfter=6 * mm)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=22, wordWrap="CJK", firstLineIndent=24)
_RIGHT = ParagraphStyle("right", parent=_BODY, alignment=2, firstLineIndent=0)


def notice_pdf(notice) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=notice.title,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
    )  # GB/T 9704 公文 margins
    story = [Paragraph(escape(notice.title), _TITLE), Paragraph(f"申请编号：{escape(notice.case.number)}", _RIGHT)]
    story += [Paragraph(escape(line), _BODY) for line in notice.body.splitlines() if line.strip()]
    story += [
        Spacer(1, 12 * mm),
        Paragraph(escape(notice.case.agency.name), _RIGHT),
        Paragraph(f"{notice.issued_on.year}年{notice.issued_on.month}月{notice.issued_on.day}日", _RIGHT),
    ]
    doc.build(story)
    return buffer.getvalue()
