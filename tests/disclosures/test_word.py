"""Word and WPS content: clipboard HTML (tests/fixtures/word/, in Office's own format) keeps its
headings, lists, tables, bold and 落款 and loses Office's styles, fonts, comments and local
images, on save and on paste; a .docx (made here with python-docx) becomes the body, its
images attachments that ask for alt text; a broken or disguised file is refused beside the
field with everything else kept."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx.enum.style import WD_STYLE_TYPE

from core.concurrency import current_version
from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from disclosures import services
from disclosures.editor import alt_input_name
from disclosures.models import Attachment, DisclosureRecord
from disclosures.office import DocxError, clean_office_html, docx_to_html
from disclosures.sanitize import images_in, sanitize_html, text_loss
from tests.disclosures.factories import published
from tests.disclosures.test_admin import form_data, staff
from tests.disclosures.test_uploads import EXE
from tests.staff import sign_in_staff

WORD = Path(__file__).resolve().parents[1] / "fixtures" / "word"
OFFICE_LEFTOVERS = ["mso-", "Mso", "o:p", "<font", "<span", "style=", "<!--", "[if", "endif", "file:", "<v:", "<xml"]


def clipboard(name):
    return (WORD / name).read_text(encoding="utf-8")


def assert_no_office_leftovers(html):
    for leftover in OFFICE_LEFTOVERS:
        assert leftover not in html, leftover
    assert not re.search(r'class="(?!signature")', html)


def test_word_2016_clipboard_keeps_structure_and_drops_office():
    html = sanitize_html(clipboard("notice-word2016.html"))
    assert_no_office_leftovers(html)
    assert "<h2>一、工作目标</h2>" in html  # Word's 标题 1, one level below the page title
    assert "<strong>推动城市治理能力提升</strong>" in html
    # mso-list paragraphs: a numbered list with a lettered one inside, then a bulleted list.
    assert (
        "<ol><li>各街道成立社区协商工作小组<ol><li>由街道党工委书记任组长</li><li>社区书记为成员</li></ol></li>"
        "<li>每季度至少开展一次协商活动</li></ol>"
    ) in html
    assert "<ul><li>居民关心的公共事务</li><li>社区公益事业</li></ul>" in html
    assert "1." not in html and "a)" not in html  # the numbers are the list's own now
    # 首行缩进 paragraphs are plain paragraphs: the page indents every one (site.css).
    assert "<p>协商事项包括：</p>" in html
    # The MsoTableGrid table, without widths and borders.
    assert re.search(r"<table>\s*<tbody><tr>\s*<td>\s*<p><strong>街道</strong></p>", html)
    assert "<p>太和街道</p>" in html and "<p>12</p>" in html
    # Right-aligned 落款.
    assert '<p class="signature">官渡区民政局</p>' in html and '<p class="signature">2023年11月5日</p>' in html
    # The reviewer's comment and the picture that lives in the author's temp folder are gone.
    assert "请核对" not in html and "<img" not in html
    assert text_loss(clipboard("notice-word2016.html")) is None


def test_the_text_of_words_smart_tags_is_kept():
    """Chinese Word wraps dates, quantities and names in smart tags (st1:chsdate …): they were
    removed with their text, and no check noticed (a tester, session 20)."""
    html = sanitize_html(clipboard("smarttags-word2007.html"))
    assert html == "<p>会议定于2024年3月5日上午9时在区政府3楼会议室召开，联系人：张三。</p>"
    assert_no_office_leftovers(html)
    assert "<st1:" not in html and "IsLunarDate" not in html
    # Office's document data outside an <xml> island is still no text of the page.
    data = "<o:DocumentProperties><o:Author>某某</o:Author></o:DocumentProperties><p>正文</p>"
    assert clean_office_html(data).html == "<p>正文</p>"
    # A content control keeps what was typed in it, not the prompt of one left empty.
    controls = (
        '<p class=MsoNormal>联系人：<w:Sdt SdtTag="name" ID="1">王五</w:Sdt>；电话：'
        '<w:Sdt ShowingPlcHdr="t" ID="2"><span class=MsoPlaceholderText>单击或点击此处输入文字。</span></w:Sdt></p>'
    )
    assert sanitize_html(controls) == "<p>联系人：王五；电话：</p>"


def test_the_clipboards_layout_between_blocks_does_not_become_empty_paragraphs():
    """Line breaks between Word's blocks were text to the editor: each run became an empty
    paragraph in the saved body (a tester's find). Spaces between inline elements stay."""
    cleaned = clean_office_html(clipboard("notice-word2016.html")).html
    assert not re.search(r"</(p|h2|ol|ul|li|table|tr|td)>\s+<", cleaned)
    assert clean_office_html("<p><strong>甲</strong> <em>乙</em></p>\n\n<p>丙</p>").html == (
        "<p><strong>甲</strong> <em>乙</em></p><p>丙</p>"
    )


def test_downlevel_conditionals_fonts_merged_cells_and_footnotes():
    html = sanitize_html(clipboard("report-word-downlevel.html"))
    assert_no_office_leftovers(html)
    assert "<h3>二、主要做法</h3>" in html
    assert "<ol><li>加强组织领导</li><li>完善工作机制</li></ol>" in html  # （一）（二） numbering
    assert "<em>事项</em>" in html and "四十二件[1]，均在法定期限内答复" in html
    assert '<td rowspan="2">' in html and '<td colspan="2">' in html
    assert "<p>[1]含上年结转事项两件。</p>" in html
    assert "<br>" not in html  # Word's separator before the footnotes
    assert text_loss(clipboard("report-word-downlevel.html")) is None


def test_wps_clipboard_bold_runs_list_and_full_width_indent():
    html = sanitize_html(clipboard("wps-clipboard.html"))
    assert_no_office_leftovers(html)
    assert html.startswith("<h4>三、下一步工作安排</h4>")  # WPS's 标题 3; bold already
    # 　　 (two full-width spaces) was WPS's indent: the page indents paragraphs itself.
    assert "<p>下一步，我局将<strong>持续巩固试点成效</strong>，重点做好以下工作：</p>" in html
    assert "<ol><li>深化社区协商议事</li><li>加强社区工作者队伍建设</li></ol>" in html  # 1、 2、
    assert "<p>特此报告。</p>" in html and '<p class="signature">官渡区民政局</p>' in html
    assert "<p></p>" not in html  # WPS's empty spacing paragraph
    assert text_loss(clipboard("wps-clipboard.html")) is None


def test_the_cleaning_tells_what_could_not_come_along():
    cleaned = clean_office_html(clipboard("notice-word2016.html"))
    assert len(cleaned.notes) == 1 and "1张图片没有带入" in cleaned.notes[0]
    # Said so that it holds in every form with the editor (a 年报's has no Word import).
    assert "请把图片另存后用“图片”按钮插入（信息公开记录的正文也可以" in cleaned.notes[0]
    assert clean_office_html(clipboard("wps-clipboard.html")).notes == []


@pytest.mark.django_db
def test_pasted_word_html_saved_without_javascript_is_cleaned_on_save(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data(body=clipboard("wps-clipboard.html")))
    assert response.status_code == 302
    body = DisclosureRecord.objects.get().body
    assert_no_office_leftovers(body)
    assert "<ol><li>深化社区协商议事</li>" in body


@pytest.mark.django_db
def test_the_editor_has_a_paste_through_the_server(client):
    url = "/admin/rich-text/clean/"
    html = clipboard("notice-word2016.html")
    assert client.post(url, {"html": html}).status_code == 302  # staff only: to the sign-in page
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    assert client.get(url).status_code == 405
    answer = client.post(url, {"html": html}).json()
    assert answer["html"] == sanitize_html(html)
    assert "1张图片没有带入" in answer["notes"][0]
    web = client.post(url, {"html": '<p style="color:red" onclick="x()">网页<span>内容</span></p>'}).json()
    assert web == {"html": "<p>网页内容</p>", "notes": []}


# --- .docx --------------------------------------------------------------------------------


def png(width=4, height=3):
    """A real PNG (grey pixels), small enough to write by hand."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t>含上年结转事项两件。</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def with_footnote(data, after_text):
    """python-docx writes no footnotes: add word/footnotes.xml and a reference after a run."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = content.replace(
                    f"<w:t>{after_text}</w:t></w:r>".encode(),
                    f'<w:t>{after_text}</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'.encode(),
                )
            elif item.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/'
                    b'2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            archive.writestr(item, content)
        archive.writestr("word/footnotes.xml", FOOTNOTES)
    return target.getvalue()


def report_docx(*, alt_texts=("2023年协商次数柱状图", "")):
    document = docx.Document()
    document.add_heading("关于社区协商工作的报告", level=1)
    document.add_paragraph("全年共办理依申请公开事项四十二件").runs[0].bold = True
    document.add_heading("一、主要做法", level=2)
    for text in ("加强组织领导", "完善工作机制"):
        document.add_paragraph(text, style="List Number")
    for text in ("居民关心的公共事务", "社区公益事业"):
        document.add_paragraph(text, style="List Bullet")
    table = document.add_table(rows=3, cols=3)
    table.style = document.styles["Table Grid"] if "Table Grid" in [s.name for s in document.styles] else None
    table.cell(0, 0).merge(table.cell(0, 2)).text = "协商情况"
    for column, text in enumerate(["街道", "次数", "事项"]):
        table.cell(1, column).text = text
    for column, text in enumerate(["太和街道", "12", "6"]):
        table.cell(2, column).text = text
    for alt in alt_texts:
        picture = document.add_picture(io.BytesIO(png()))
        picture._inline.docPr.set("descr", alt)
    signature = document.add_paragraph("官渡区民政局")
    assert document.styles["Normal"].type == WD_STYLE_TYPE.PARAGRAPH
    signature.alignment = 2  # right
    buffer = io.BytesIO()
    document.save(buffer)
    return with_footnote(buffer.getvalue(), "全年共办理依申请公开事项四十二件")


def test_a_docx_becomes_clean_html_with_its_images_kept_aside():
    imported = docx_to_html(io.BytesIO(report_docx()))
    html = sanitize_html(imported.html)
    assert "<h2>关于社区协商工作的报告</h2>" in html and "<h3>一、主要做法</h3>" in html
    assert "<strong>全年共办理依申请公开事项四十二件</strong>" in html
    assert re.search(r"<ol><li>加强组织领导</li>\s*<li>完善工作机制</li>\s*</ol>", html)
    assert re.search(r"<ul><li>居民关心的公共事务</li>\s*<li>社区公益事业</li>\s*</ul>", html)
    assert re.search(r'<td colspan="3"><p>协商情况</p></td>', html)
    assert "<p>太和街道</p>" in html
    # The footnote: its number stays in the text, the note under 注释, no in-page links.
    assert "[1]" in html and "<h4>注释</h4>" in html and "含上年结转事项两件。" in html and 'href="#' not in html
    assert [(image.name, image.content_type, image.alt) for image in imported.images] == [
        ("正文图片1.png", "image/png", "2023年协商次数柱状图"),
        ("正文图片2.png", "image/png", ""),
    ]
    assert imported.images[0].data.startswith(b"\x89PNG")
    assert f'src="{imported.images[0].placeholder}"' in imported.html


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "不是 .docx 文件"),
        (zipfile.ZipFile, "没有 word/document.xml"),
    ],
)
def test_a_broken_docx_is_a_docx_error(content, message):
    if content is zipfile.ZipFile:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
        content = buffer.getvalue()
    with pytest.raises(DocxError, match=message):
        docx_to_html(io.BytesIO(content))


def test_a_document_with_an_opening_password_is_refused_saying_so():
    from tests.disclosures.test_uploads import ENCRYPTED_XLSX  # the same container Word writes

    with pytest.raises(DocxError, match="设置了打开密码"):
        docx_to_html(io.BytesIO(ENCRYPTED_XLSX))


def corrupted_docx():
    """A .docx whose document.xml is cut off mid-element."""
    source, target = zipfile.ZipFile(io.BytesIO(report_docx())), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            archive.writestr(item, content[: len(content) // 2] if item.filename == "word/document.xml" else content)
    return target.getvalue()


def test_a_corrupted_docx_is_a_docx_error_not_a_crash():
    with pytest.raises(DocxError, match="无法读取这个 Word 文档"):
        docx_to_html(io.BytesIO(corrupted_docx()))


@pytest.mark.django_db
def test_uploading_a_docx_as_the_body_makes_its_images_attachments_that_ask_for_alt_text(client):
    clerk = staff("clerk", ENTRY_CLERK)
    sign_in_staff(client, clerk)
    upload = SimpleUploadedFile("报告.docx", report_docx())
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data(body="", body_docx=upload))
    record = DisclosureRecord.objects.get()
    # Kept open, not sent to the list: an image still needs its alt text.
    assert response.status_code == 302 and response["Location"].endswith(f"/{record.pk}/change/")
    attachments = list(record.attachments.order_by("position"))
    assert [a.title for a in attachments] == ["正文图片1.png", "正文图片2.png"]
    assert attachments[0].file.read().startswith(b"\x89PNG")
    first, second = (a.get_absolute_url() for a in attachments)
    assert [(image.src, image.alt) for image in images_in(record.body)] == [
        (first, "2023年协商次数柱状图"),
        (second, ""),
    ]
    assert "<h2>关于社区协商工作的报告</h2>" in record.body and "docx-image" not in record.body
    assert record.history.latest().history_change_reason == "从 Word 文档导入正文"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已从 Word 文档导入正文（图片 2 张）" in html
    assert "第2张图片（正文图片2.png）没有替代文字" in html  # the warning names it
    # and the form asks for it, naming it the same way
    assert re.search(r"<label for=\"id_body_alt_2\">第2张图片（正文图片2.png）的替代文字</label>", html)

    # Review waits for it; the error is beside the body.
    record.publisher.review_levels = 1
    record.publisher.save()
    data = {
        **form_data(),
        "title": record.title,
        "publisher": record.publisher_id,
        "topic": record.topic_id,
        "genre": record.genre_id,
        "body": record.body,
        "_review": "submit",
        "edit_version": current_version(record),
        "attachments-TOTAL_FORMS": "2",
        "attachments-INITIAL_FORMS": "2",
    }
    for index, attachment in enumerate(attachments):
        data[f"attachments-{index}-id"] = attachment.pk
        data[f"attachments-{index}-record"] = record.pk
        data[f"attachments-{index}-title"] = attachment.title
        data[f"attachments-{index}-position"] = attachment.position
    response = client.post(f"/admin/disclosures/disclosurerecord/{record.pk}/change/", data)
    assert response.status_code == 200
    assert "第2张图片（正文图片2.png）没有替代文字" in response.context["adminform"].form.errors["body"][0]
    data[alt_input_name("body", second)] = "各街道协商事项饼图"
    response = client.post(f"/admin/disclosures/disclosurerecord/{record.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert record.status == "pending" and f'<img src="{second}" alt="各街道协商事项饼图">' in record.body

    # The 终审 (one review level here) publishes it; the public page shows the body and images.
    services.record_approve(record=record, user=staff("final", REVIEW_GROUPS["final"]))
    record.refresh_from_db()
    public = client.get(record.get_absolute_url()).content.decode()
    assert f'<img src="{second}" alt="各街道协商事项饼图">' in public and f'src="{first}"' in public
    assert client.get(second)["Content-Type"] == "image/png"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("报告.docx", EXE, "与扩展名 .docx 不符"),
        ("报告.docx", b"PK\x03\x04 but broken", "已损坏"),
        ("报告.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "只能导入 .docx"),
        ("报告.docx", "corrupted", "无法读取这个 Word 文档"),
    ],
)
def test_a_bad_document_is_refused_beside_the_field_and_nothing_typed_is_lost(client, name, content, message):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    content = corrupted_docx() if content == "corrupted" else content
    typed = form_data(title="关于社区协商的通知（草稿）", body="<p>已经写好的正文</p>")
    response = client.post(
        "/admin/disclosures/disclosurerecord/add/", {**typed, "body_docx": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists() and not Attachment.objects.exists()
    assert message in response.context["adminform"].form.errors["body_docx"][0]
    html = response.content.decode()
    assert "关于社区协商的通知（草稿）" in html and "已经写好的正文" in html


# --- Tables' header rows (WCAG 1.3.1: a screen reader announces a cell's column header) --------

NAMELIST_HEAD = "<thead><tr>%s</tr></thead>" % "".join(
    f'<th scope="col"><p><strong>{text}</strong></p></th>' for text in ("序号", "姓名", "工作单位", "职务")
)


def namelist_docx(header_row):
    """A 名单 as Word writes it: a bold, shaded first row, a table style whose 标题行 box is on
    (w:tblLook w:firstRow="1", as on almost every table), and the first row marked to repeat
    as the header row (“重复标题行”, <w:tblHeader/>) when `header_row` is True, switched off
    explicitly (<w:tblHeader w:val="0"/>) when it is "off", or not marked at all."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("官渡区社区协商工作小组成员名单")
    rows = [
        ("序号", "姓名", "工作单位", "职务"),
        ("1", "张明", "官渡区太和街道办事处", "主任"),
        ("2", "李华", "官渡区民政局", "科长"),
    ]
    table = document.add_table(rows=len(rows), cols=4)
    table.style = document.styles["Table Grid"]
    for index, texts in enumerate(rows):
        for column, text in enumerate(texts):
            table.cell(index, column).text = text
            if index == 0:
                table.cell(index, column).paragraphs[0].runs[0].bold = True
    assert table._tbl.tblPr.find(qn("w:tblLook")) is not None
    if header_row:
        marker = OxmlElement("w:tblHeader")
        if header_row == "off":
            marker.set(qn("w:val"), "0")
        table.rows[0]._tr.get_or_add_trPr().append(marker)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_docx_tables_header_row_becomes_its_head_of_column_headers():
    html = sanitize_html(docx_to_html(io.BytesIO(namelist_docx(header_row=True))).html)
    assert f"<table>{NAMELIST_HEAD}<tbody><tr><td><p>1</p></td>" in html
    assert sanitize_html(html) == html


@pytest.mark.parametrize("header_row", [False, "off"], ids=["unmarked", "switched-off"])
def test_a_docx_table_without_a_header_row_keeps_ordinary_cells(header_row):
    # A bold first row and the table style's 标题行 look are not a header row: no guessing.
    html = sanitize_html(docx_to_html(io.BytesIO(namelist_docx(header_row=header_row))).html)
    assert "<th" not in html
    assert "<table><tbody><tr><td><p><strong>序号</strong></p></td>" in html


def test_words_clipboard_keeps_the_tables_header_row_as_its_head():
    html = sanitize_html(clipboard("namelist-header-row-word2016.html"))
    assert f"<table>{NAMELIST_HEAD}<tbody><tr><td><p>1</p></td><td><p>张明</p></td>" in html
    assert html.count("<th ") == 4 and sanitize_html(html) == html
    assert_no_office_leftovers(html)
    # Word's first row without the header mark (mso-yfti-irow:0): ordinary cells, however bold.
    assert "<table><tbody><tr><td><p><strong>街道</strong></p></td>" in sanitize_html(clipboard("notice-word2016.html"))


@pytest.mark.django_db
def test_a_header_row_pasted_or_imported_is_stored_and_shown_as_the_tables_head(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    pasted = client.post("/admin/rich-text/clean/", {"html": clipboard("namelist-header-row-word2016.html")}).json()
    assert NAMELIST_HEAD in pasted["html"]
    upload = SimpleUploadedFile("名单.docx", namelist_docx(header_row=True))
    response = client.post("/admin/disclosures/disclosurerecord/add/", form_data(body="", body_docx=upload))
    assert response.status_code == 302
    body = DisclosureRecord.objects.get().body
    assert NAMELIST_HEAD in body
    public = client.get(published(body=body).get_absolute_url()).content.decode()
    assert re.search(r'<div class="table-scroll" role="region" aria-label="[^"]*" tabindex="0"><table><thead>', public)
    assert NAMELIST_HEAD in public
