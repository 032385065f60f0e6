"""A notice's PDF never prints a character blank: STSong-Light, the font every PDF reader
supplies for Chinese, has no glyph for a rare character (CJK Extension B, 𠀀) or an emoji."""

import io

import pytest
from pypdf import PdfReader

from inforequests.pdf import notice_pdf

from .factories import make_case

pytestmark = pytest.mark.django_db
NOTE = "注：以〔U+编码〕标出的字，PDF 通用字体无法显示，请以网页版通知书为准。"


def pdf_text(notice):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice_pdf(notice))).pages)


def test_a_rare_character_in_the_applicants_name_is_written_as_its_code_point_and_noted():
    # 䶮 (Extension A) is in the font's character collection and stays as it is.
    notice = make_case(name="龚𠀀䶮").notices.get()
    text = pdf_text(notice)
    assert "龚〔U+20000〕䶮" in text
    assert NOTE in text


def test_a_notice_the_font_can_show_whole_carries_no_note():
    text = pdf_text(make_case(name="张测试申请人").notices.get())
    assert "张测试申请人" in text and "〔U+" not in text and NOTE not in text
