"""Notices as PDF (reportlab). STSong-Light is one of the CID fonts every PDF reader supplies
for Chinese, so no font file ships with the project. It has glyphs for the Adobe-GB1 character
collection only (GBK and CJK Extension A): a rare character in an applicant's name (CJK
Extension B and later, 𠀀) or an emoji prints blank there. Such a character is written as its
code point instead, and the notice says where to read it as typed (the printable page)."""

import io

from django.utils.html import escape
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from core.dates import chinese_date

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=28, alignment=1, spaceAfter=6 * mm)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=22, wordWrap="CJK", firstLineIndent=24)
_RIGHT = ParagraphStyle("right", parent=_BODY, alignment=2, firstLineIndent=0)
_SALUTATION = ParagraphStyle("salutation", parent=_BODY, firstLineIndent=0)
_NOTE = ParagraphStyle("note", parent=_BODY, fontSize=10.5, leading=18, firstLineIndent=0, spaceBefore=8 * mm)


UNSHOWN_NOTE = "注：以〔U+编码〕标出的字，PDF 通用字体无法显示，请以网页版通知书为准。"


def _shown(character):
    try:
        character.encode("gbk")
        return True
    except UnicodeEncodeError:
        return "\u3400" <= character <= "\u4db5"  # CJK Extension A, which Adobe-GB1-4 added to GBK


def _printable(text, unshown):
    """`text` escaped for a Paragraph, each character the font cannot show written as 〔U+…〕
    (noted in `unshown`) rather than left to print blank."""
    out = []
    for character in text:
        if _shown(character):
            out.append(character)
        else:
            unshown.add(character)
            out.append(f"〔U+{ord(character):04X}〕")
    return escape("".join(out))


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
    unshown = set()
    doc.build(notice_story(notice, unshown))
    return buffer.getvalue()


def notice_story(notice, unshown) -> list:
    """The PDF's paragraphs; each character the font cannot show is added to `unshown`."""
    story = [
        Paragraph(_printable(notice.title, unshown), _TITLE),
        Paragraph(f"申请编号：{_printable(notice.case.number, unshown)}", _RIGHT),
    ]
    story += [
        Paragraph(_printable(line, unshown), _SALUTATION if salutation else _BODY)
        for line, salutation in notice.paragraphs
    ]
    story += [
        Spacer(1, 12 * mm),
        Paragraph(_printable(notice.case.agency.name, unshown), _RIGHT),
        Paragraph(chinese_date(notice.issued_on), _RIGHT),
    ]
    if unshown:
        story.append(Paragraph(UNSHOWN_NOTE, _NOTE))
    return story
