"""Attachments are judged by their bytes, not their names: the admin refuses a disguised file
with a message beside the file field."""

import io
import re
import warnings
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.roles import ENTRY_CLERK
from disclosures.models import DisclosureRecord, validate_attachment
from tests.disclosures.test_admin import form_data, staff
from tests.pdfs import PDF
from tests.staff import sign_in_staff
from tests.zips import directory_only_zip

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zipped(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content",
    [
        ("通知.pdf", PDF),
        ("图.png", PNG),
        ("照片.jpg", JPEG),
        ("照片.JPEG", JPEG),
        ("表.xls", OLE2),
        ("文.doc", OLE2),
        ("文.wps", OLE2),
        ("文.docx", zipped("[Content_Types].xml", "word/document.xml")),
        ("表.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml")),
        ("公文.ofd", zipped("OFD.xml")),
        ("材料.zip", zipped("a.txt")),
        ("名单.csv", "姓名,电话\n张三,123\n".encode("gb18030")),
        ("说明.txt", "说明：明日起施行。".encode()),
        # English prose puremagic takes for odd formats (a reviewer's find): the text check decides.
        ("readme.txt", b"This is a plain note.\nVersion 2 of the notice.\n"),
        ("版本说明.txt", "Version 2 说明：明日起施行。\n".encode()),
        # Prose that starts as a signature does (a tester's find), and Notepad's “Unicode”.
        ("a.txt", b"MZ is a postcode prefix. This is prose.\n"),
        ("b.txt", b"ID3 tags are metadata in MP3 files.\n"),
        ("说明.txt", "\ufeff说明：明日起施行。\r\n".encode("utf-16-le")),
        ("2023.1版说明.pdf", PDF),
    ],
)
def test_real_files_are_accepted(name, content):
    validate_attachment(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "name, content, message",
    [
        # Named as staff know them (puremagic's best guesses were "Audition graphic filter" and,
        # for a PDF, whose syntax is text, "纯文本").
        ("通知.pdf", EXE, r"文件内容（Windows 可执行程序）与扩展名 \.pdf 不符"),
        ("表.docx", PDF, r"文件内容（PDF 文档）与扩展名 \.docx 不符"),
        ("通知.pdf", PNG, r"文件内容（PNG 图片）与扩展名 \.pdf 不符"),
        ("通知.pdf", OLE2, r"文件内容（旧版 Office 文档"),
        ("照片.jpg", HTML, "与扩展名 .jpg 不符"),
        ("图.png", SVG, "与扩展名 .png 不符"),
        ("a.exe.pdf", PDF, "扩展名 .exe"),
        ("a.exe.pdf", EXE, "扩展名 .exe"),
        ("表.docx", EXE, "与扩展名 .docx 不符"),
        ("说明.txt", HTML, "不是纯文本"),
        ("说明.txt", EXE, "不是纯文本"),
        ("名单.csv", b"\x00\x01\x02binary", "不是纯文本"),
        ("图.png", b"", "无法识别"),
        ("通知.pdf", b"This is the text of the notice.\n", r"文件内容（纯文本）与扩展名 \.pdf 不符"),
        ("通知.pdf", "这是通知的正文。".encode(), r"文件内容（纯文本）与扩展名 \.pdf 不符"),
    ],
)
def test_disguised_files_are_refused(name, content, message):
    with pytest.raises(ValidationError, match=message):
        validate_attachment(SimpleUploadedFile(name, content))


@pytest.mark.django_db
def test_the_admin_shows_the_refusal_beside_the_file_field(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "通知",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("通知.pdf", EXE),
        }
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert "与扩展名 .pdf 不符" in errors["file"][0]
    assert "与扩展名 .pdf 不符" in response.content.decode()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("公文.ofd", zipped("Doc_0/Document.xml"), "压缩包中没有 OFD.xml"),
        ("文.docx", zipped("a.txt"), "压缩包中没有 word/document.xml"),
        ("表.xlsx", zipped("[Content_Types].xml", "word/document.xml"), "压缩包中没有 xl/workbook.xml"),
        ("材料.zip", zipped("说明.txt", "安装.exe"), "压缩包中含有可执行或网页类型的文件（安装.exe）"),
        ("公文.ofd", b"PK\x03\x04" + b"\x00" * 60, "已损坏"),
        ("公文.ofd", EXE, "与扩展名 .ofd 不符"),
    ],
)
def test_zip_based_formats_are_checked_by_what_they_hold(name, content, message):
    with pytest.raises(ValidationError, match=message):
        validate_attachment(SimpleUploadedFile(name, content))


@pytest.mark.django_db
def test_a_file_named_like_a_long_document_title_is_kept_and_linked_through_the_access_check(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    name = "关于印发" + "官渡区社区协商议事规则实施细则" * 12 + "的通知.pdf"
    assert len(name) > 150
    data = form_data(
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "实施细则",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile(name, PDF),
        }
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"][0].formset.errors
    attachment = DisclosureRecord.objects.get().attachments.get()
    assert attachment.file.name.endswith(".pdf") and len(attachment.file.name) < 100
    html = client.get(f"/admin/disclosures/disclosurerecord/{attachment.record_id}/change/").content.decode()
    assert f'href="{attachment.get_absolute_url()}">实施细则.pdf</a>' in html and "/media/" not in html


def zip_of(entries: dict) -> bytes:
    """A ZIP holding {name: bytes} (an archive inside it is just such bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, named",
    [
        pytest.param(
            zip_of({"说明.txt": b"x", "安装包.zip": zipped("setup.exe")}), "安装包.zip/setup.exe", id="nested"
        ),
        pytest.param(
            zip_of({"a.txt": b"x", "各街道.zip": zip_of({"b.txt": b"x", "工具/c.zip": zipped("run.cpl")})}),
            "各街道.zip/工具/c.zip/run.cpl",
            id="nested twice",
        ),
        pytest.param(zipped("readme.txt", "tool.exe."), "tool.exe.", id="trailing dot"),
        pytest.param(zipped("readme.txt", "tool.exe. . "), "tool.exe. . ", id="trailing dots and spaces"),
        pytest.param(zipped("子目录/SETUP.EXE"), "子目录/SETUP.EXE", id="upper case in a folder"),
        *(
            pytest.param(zipped("readme.txt", f"x.{extension}"), f"x.{extension}", id=extension)
            for extension in ("cpl", "chm", "msc", "reg", "scf", "inf", "hta", "lnk", "url", "msp", "iso", "mht")
        ),
    ],
)
def test_a_zip_may_not_carry_a_program_however_it_is_named_or_nested(content, named):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", content))
    assert refused.value.messages == [f"压缩包中含有可执行或网页类型的文件（{named}），不能作为附件发布。"]


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(
            zip_of({"a.txt": b"x", "b.rar": b"Rar!\x1a\x07\x00"}), "无法检查的其他压缩文件（b.rar）", id="rar"
        ),
        pytest.param(
            zip_of({"1.zip": zip_of({"2.zip": zip_of({"3.zip": zipped("a.txt")})})}),
            r"压缩文件（1\.zip/2\.zip/3\.zip）嵌套过深或过大",
            id="too deep",
        ),
        pytest.param(
            zip_of({"a.zip": b"PK\x03\x04 not really a zip"}), r"压缩文件（a\.zip）已加密或已损坏", id="damaged inside"
        ),
    ],
)
def test_an_archive_inside_a_zip_that_cannot_be_checked_is_refused(content, message):
    with pytest.raises(ValidationError, match=message):
        validate_attachment(SimpleUploadedFile("材料.zip", content))


def test_a_zip_of_zipped_documents_is_accepted():
    materials = zip_of(
        {"说明.txt": b"x", "各街道材料.zip": zip_of({"甲街道/名单.xlsx": b"x", "乙街道/通知.pdf": b"x"})}
    )
    validate_attachment(SimpleUploadedFile("材料.zip", materials))


def test_looking_inside_a_zip_is_bounded_in_entries_and_bytes(monkeypatch):
    from disclosures import uploads

    inner = zip_of({f"{i}.txt": b"x" * 1000 for i in range(5)})
    materials = zip_of({"a.txt": b"x", "b.zip": inner, "c.zip": inner})
    validate_attachment(SimpleUploadedFile("材料.zip", materials))
    monkeypatch.setattr(uploads, "ZIP_MAX_ENTRIES", 12)  # 3 + 5 + 5 entries
    with pytest.raises(ValidationError, match="压缩包中的文件超过 12 个"):
        validate_attachment(SimpleUploadedFile("材料.zip", materials))
    monkeypatch.setattr(uploads, "ZIP_MAX_ENTRIES", 100)
    monkeypatch.setattr(uploads, "ZIP_MAX_NESTED_BYTES", 2 * len(inner) - 1)
    with pytest.raises(ValidationError, match=r"压缩文件（c\.zip）嵌套过深或过大"):
        validate_attachment(SimpleUploadedFile("材料.zip", materials))


# Office files with VBA macros (ADR 0118): refused by name, and by content whatever the name.
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{main}"/>{more}</Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_PART = '<Override PartName="/{folder}/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'


def ooxml(part, main, *, vba_in=None, declared=""):
    """An OOXML package: its main part, and (vba_in a folder) a VBA part there."""
    entries = {
        "[Content_Types].xml": CONTENT_TYPES.format(part=part, main=main, more=declared),
        "_rels/.rels": "<Relationships/>",
        part: "<document/>",
    }
    if vba_in:
        entries[f"{vba_in}/vbaProject.bin"] = b"\xcc\x61\xff\xff" + b"\x00" * 60  # a VBA project's header
    return zip_of(entries)


DOCX = ooxml("word/document.xml", DOCX_MAIN)
XLSX = ooxml("xl/workbook.xml", XLSX_MAIN)
# A .docm saved by Word and renamed .docx: its VBA part, declared as such.
DOCM = ooxml("word/document.xml", DOCM_MAIN, vba_in="word", declared=VBA_PART.format(folder="word"))


def ole(*names):
    """An OLE2 compound file (Office 97-2003) whose directory holds `names`: the header sector,
    then a directory sector of 128-byte entries (UTF-16LE name, its length in bytes at 64, its
    type at 66: 1 a storage, 2 a stream, 5 the root)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\x00")
    directory = b""
    for kind, name in [(5, "Root Entry"), *names]:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory += encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + bytes([kind, 1]) + b"\x00" * 60
    return header + directory.ljust(512, b"\x00") + b"\x00" * 512


@pytest.mark.parametrize("extension", ["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"])
def test_a_macro_enabled_office_file_is_refused_by_its_name(extension):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile(f"统计表.{extension}", DOCM))
    assert refused.value.messages == [
        f"含宏的 Office 文件（.{extension}）不能上传：请另存为 .docx / .xlsx / .pptx 后再上传。"
    ]


@pytest.mark.parametrize(
    "name, content",
    [
        pytest.param("通知.docx", DOCM, id="docm renamed docx"),
        pytest.param(
            "统计.xlsx",
            ooxml("xl/workbook.xml", XLSX_MAIN, vba_in="xl"),  # the part, though not declared
            id="xlsx with xl/vbaProject.bin",
        ),
        pytest.param(
            "统计.xlsx", ooxml("xl/workbook.xml", XLSM_MAIN), id="declared macro-enabled, without vbaProject.bin"
        ),
        pytest.param(
            "通知.docx",
            ooxml("word/document.xml", DOCM_MAIN.replace("macroEnabled", "macro&#69;nabled")),
            id="declared with a character reference",
        ),
        pytest.param("材料.zip", DOCM, id="docm renamed zip"),
    ],
)
def test_an_ooxml_file_with_macros_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile(name, content))
    assert refused.value.messages == [
        "文件中含有 VBA 宏，不能上传：请删除宏，或另存为 .docx / .xlsx / .pptx 后再上传。"
    ]


@pytest.mark.parametrize(
    "name, storages",
    [
        pytest.param("通知.doc", [(1, "Macros"), (1, "VBA"), (2, "_VBA_PROJECT")], id="Word"),
        pytest.param("统计.xls", [(2, "Workbook"), (1, "_VBA_PROJECT_CUR")], id="Excel"),
        pytest.param("统计.xls", [(2, "Workbook"), (1, "_vba_project_cur")], id="names compare in any case"),
        pytest.param("通知.wps", [(1, "Macros")], id="WPS"),
    ],
)
def test_a_legacy_office_file_with_a_vba_storage_is_refused(name, storages):
    with pytest.raises(ValidationError, match="文件中含有 VBA 宏"):
        validate_attachment(SimpleUploadedFile(name, ole((2, "WordDocument"), *storages)))


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(path):
    return (FIXTURES / path).read_bytes()


# A workbook saved with an opening password (ECMA-376 agile encryption, as Office 2010 and later
# write it): a compound file holding EncryptionInfo and the EncryptedPackage.
ENCRYPTED_XLSX = fixture("office/encrypted-password-1234.xlsx")
ENCRYPTED = "文件设置了打开密码（已加密），公众无法打开，也无法检查其中是否含宏：请取消密码后再上传。"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("统计.xlsx", id="as saved"),
        # Renamed to a legacy kind, it was taken for one (a compound file without a VBA storage);
        # Office opens it as what it is, macros and all, once the password is typed.
        pytest.param("统计.xls", id="renamed xls"),
        pytest.param("通知.doc", id="renamed doc"),
        pytest.param("通知.wps", id="renamed wps"),
    ],
)
def test_an_office_file_with_an_opening_password_is_refused_saying_so(name):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile(name, ENCRYPTED_XLSX))
    assert refused.value.messages == [ENCRYPTED]


def test_a_zip_may_not_carry_an_office_file_with_an_opening_password():
    with pytest.raises(ValidationError) as refused:
        validate_attachment(
            SimpleUploadedFile("材料.zip", zip_of({"说明.txt": b"x", "乙街道/统计.xls": ENCRYPTED_XLSX}))
        )
    assert refused.value.messages == [f"压缩包中的 Office 文件（乙街道/统计.xls）：{ENCRYPTED}"]


# Word and Excel 97-2003 files that LibreOffice saved with the opening password 1234 (RC4
# CryptoAPI): the compound file looks like any other, the flag is inside the document stream.
@pytest.mark.parametrize(
    "name, path",
    [
        pytest.param("通知.doc", "office/word97-password-1234.doc", id="Word 97-2003"),
        pytest.param("统计.xls", "office/excel97-password-1234.xls", id="Excel 97-2003"),
        pytest.param("统计.et", "office/excel97-password-1234.xls", id="as a WPS spreadsheet"),
    ],
)
def test_a_legacy_office_file_with_an_opening_password_is_refused_saying_so(name, path):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile(name, fixture(path)))
    assert refused.value.messages == [ENCRYPTED]


def test_a_zip_may_not_carry_a_legacy_office_file_with_an_opening_password():
    content = zip_of({"说明.txt": b"x", "乙街道/通知.doc": fixture("office/word97-password-1234.doc")})
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", content))
    assert refused.value.messages == [f"压缩包中的 Office 文件（乙街道/通知.doc）：{ENCRYPTED}"]


PDF_PASSWORD = "PDF 文件设置了打开密码，公众无法打开：请取消打开密码后再上传（只限制打印、复制的 PDF 可以上传）。"


@pytest.mark.parametrize(
    "name, path",
    [
        # Encrypted with an empty opening password: it opens for everyone, printing and
        # copying restricted, as many agencies export their documents.
        ("公开指南.pdf", "pdf/permissions-only.pdf"),
        ("公开指南.pdf", "pdf/plain.pdf"),
        ("通知.doc", "office/word97-plain.doc"),
        ("统计.xls", "office/excel97-plain.xls"),
    ],
)
def test_documents_without_an_opening_password_are_accepted(name, path):
    validate_attachment(SimpleUploadedFile(name, fixture(path)))


PDF_HANDLER = "PDF 文件用证书或数字版权保护（DRM）等特殊方式加密，公众无法打开：请取消加密（文档属性中的安全性设为“无”）后再上传。"


# Encrypted with an opening password, or by a handler other than the standard (password) one:
# pypdf cannot open the latter, and they were taken for PDFs without a password. How they were
# made: make_other_handlers.py.
@pytest.mark.parametrize(
    "path, message",
    [
        pytest.param("pdf/open-password-1234.pdf", PDF_PASSWORD, id="LibreOffice's export, RC4 128-bit"),
        pytest.param("pdf/open-password-1234-aes256.pdf", PDF_PASSWORD, id="AES-256 (PDF 2.0)"),
        pytest.param("pdf/certificate-adobe-pubsec.pdf", PDF_HANDLER, id="certificate security, Adobe.PubSec"),
        pytest.param("pdf/drm-fileopen.pdf", PDF_HANDLER, id="a DRM plug-in's handler"),
    ],
)
def test_a_pdf_citizens_cannot_open_is_refused_saying_why(path, message):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("公开指南.pdf", fixture(path)))
    assert refused.value.messages == [message]


PDF_DAMAGED = "PDF 文件已损坏或不完整，无法读取：请重新导出（或重新复制完整的文件）后再上传。"
PLAIN_PDF = fixture("pdf/plain.pdf")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(PLAIN_PDF[:600], id="cut after its header"),
        pytest.param(PLAIN_PDF[:-30], id="cut before its cross-reference table's address"),
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 40, id="a header and nothing of a PDF"),
    ],
)
def test_a_truncated_or_damaged_pdf_is_refused_saying_so(content):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("公开指南.pdf", content))
    assert refused.value.messages == [PDF_DAMAGED]


@pytest.mark.parametrize(
    "content",
    [
        # Every offset in the cross-reference table off by 300 bytes: pypdf (like the readers)
        # rebuilds the table from the objects themselves.
        pytest.param(PLAIN_PDF[:9] + b"%" + b"x" * 299 + b"\n" + PLAIN_PDF[9:], id="offsets wrong"),
        pytest.param(PLAIN_PDF + b"\x00" * 5000, id="padding after the end"),
    ],
)
def test_a_damaged_pdf_that_readers_repair_is_accepted(content):
    validate_attachment(SimpleUploadedFile("公开指南.pdf", content))


@pytest.mark.parametrize(
    "name, content",
    [
        ("通知.docx", DOCX),
        ("统计.xlsx", XLSX),
        ("通知.doc", ole((2, "WordDocument"), (2, "1Table"))),
        # The name in a document's text (UTF-16LE, as Word keeps it), even at an entry's boundary
        # and followed by a NUL, is not a directory entry: no name length follows at byte 64.
        ("说明.doc", ole((2, "WordDocument")) + ("Macros".encode("utf-16-le") + b"\x00\x00").ljust(128, b"x") * 3),
        ("说明.doc", ole((2, "WordDocument")) + b"x\x00" + "_VBA_PROJECT_CUR\x00".encode("utf-16-le") * 40),
        ("材料.zip", zip_of({"通知.docx": DOCX, "统计.xlsx": XLSX, "旧表.xls": ole((2, "Workbook"))})),
    ],
)
def test_office_files_without_macros_are_still_accepted(name, content):
    validate_attachment(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "content, named",
    [
        pytest.param(zip_of({"说明.txt": b"x", "各街道/通知.docx": DOCM}), "各街道/通知.docx", id="docx with macros"),
        pytest.param(zip_of({"说明.txt": b"x", "统计.xlsm": b"x"}), "统计.xlsm", id="by name"),
        pytest.param(
            zip_of({"说明.txt": b"x", "乙街道.zip": zip_of({"旧表.xls": ole((1, "_VBA_PROJECT_CUR"))})}),
            "乙街道.zip/旧表.xls",
            id="legacy, in a nested zip",
        ),
    ],
)
def test_a_zip_may_not_carry_an_office_file_with_macros(content, named):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", content))
    assert refused.value.messages[0].startswith(f"压缩包中含有含宏的 Office 文件（{named}），不能作为附件发布")


@pytest.mark.django_db
def test_the_admin_shows_the_macro_refusal_beside_the_attachment_and_keeps_what_was_typed(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        title="关于公布2026年度统计数据的通知",
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-0-title": "统计数据",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("统计数据.xlsx", XLSX),
            "attachments-1-title": "说明",
            "attachments-1-position": "1",
            "attachments-1-file": SimpleUploadedFile("说明.docx", DOCM),
        },
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert not forms[0].errors
    assert forms[1].errors["file"] == [
        "文件中含有 VBA 宏，不能上传：请删除宏，或另存为 .docx / .xlsx / .pptx 后再上传。"
    ]
    html = response.content.decode()
    assert "文件中含有 VBA 宏" in html
    assert 'value="关于公布2026年度统计数据的通知"' in html and 'value="说明"' in html


def _count_scanned(monkeypatch):
    """The characters of [Content_Types].xml the macro scan reads, in all."""
    from disclosures import uploads

    read = {"chars": 0}
    real = uploads.html.unescape

    class Counting:
        @staticmethod
        def unescape(text):
            read["chars"] += len(text)
            return real(text)

    monkeypatch.setattr(uploads, "html", Counting)
    return read


def test_the_macro_scan_reads_a_bounded_content_types_however_often_it_is_named(monkeypatch):
    # A ZIP may hold the same name many times: thousands of well-compressed 8 MB
    # [Content_Types].xml entries in one upload would each be unpacked and read.
    from disclosures import uploads

    monkeypatch.setattr(uploads, "CONTENT_TYPES_MAX_BYTES", 1000)
    read = _count_scanned(monkeypatch)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name"
        archive.writestr("word/document.xml", "<document/>")
        for _ in range(20):
            archive.writestr("[Content_Types].xml", " " * 900)
    try:
        validate_attachment(SimpleUploadedFile("通知.docx", buffer.getvalue()))
    except ValidationError:
        pass
    assert read["chars"] <= 1000


def test_the_macro_scan_of_documents_in_a_zip_is_within_the_bytes_budget(monkeypatch):
    from disclosures import uploads

    read = _count_scanned(monkeypatch)
    document = zip_of({"[Content_Types].xml": " " * 20_000, "word/document.xml": "<document/>"})
    materials = zip_of({f"{i}.docx": document for i in range(30)})
    monkeypatch.setattr(uploads, "ZIP_MAX_NESTED_BYTES", 30 * len(document) + 1000)
    try:
        validate_attachment(SimpleUploadedFile("材料.zip", materials))
    except ValidationError as refused:
        assert "过大" in refused.messages[0]
    assert read["chars"] <= uploads.ZIP_MAX_NESTED_BYTES


XLSB_MAIN = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"


@pytest.mark.parametrize(
    "name, content",
    [
        # SheetJS (and other writers) declare .bin as the binary workbook's type in every .xlsx
        # they export, macros or not; a .xlsb's main part has that type, macros or not.
        (
            "统计.xlsx",
            ooxml("xl/workbook.xml", XLSX_MAIN, declared=f'<Default Extension="bin" ContentType="{XLSB_MAIN}"/>'),
        ),
        ("材料.zip", zip_of({"统计.xlsb": ooxml("xl/workbook.bin", XLSB_MAIN)})),
    ],
)
def test_the_binary_workbook_type_is_not_taken_for_macros(name, content):
    validate_attachment(SimpleUploadedFile(name, content))


def test_a_binary_workbook_with_a_vba_part_is_still_refused():
    declared = '<Override PartName="/xl/code.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    with pytest.raises(ValidationError, match="含宏的 Office 文件（统计.xlsb）"):
        validate_attachment(
            SimpleUploadedFile(
                "材料.zip", zip_of({"统计.xlsb": ooxml("xl/workbook.bin", XLSB_MAIN, declared=declared)})
            )
        )


VBA_DEFAULT = '<Default ContentType="application/vnd.ms-office.vbaProject" Extension="bin"/>'


def test_a_vba_type_declared_for_an_extension_no_part_has_is_not_taken_for_macros():
    # What the Open XML SDK's documented .docm to .docx conversion leaves behind: the VBA part
    # is gone, its extension's default type stays, and Word opens the file with no macros.
    validate_attachment(SimpleUploadedFile("通知.docx", ooxml("word/document.xml", DOCX_MAIN, declared=VBA_DEFAULT)))


def test_a_vba_type_declared_for_an_extension_a_part_has_is_refused():
    content = zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.format(part="word/document.xml", main=DOCX_MAIN, more=VBA_DEFAULT),
            "word/document.xml": "<document/>",
            "word/code.bin": b"\xcc\x61\xff\xff",  # a renamed VBA part, typed by the default
        }
    )
    with pytest.raises(ValidationError, match="文件中含有 VBA 宏"):
        validate_attachment(SimpleUploadedFile("通知.docx", content))


# PDFs inside a .zip are opened as a PDF uploaded by itself is, the member named in the message.
def in_zip(problem):
    return {
        "password": "压缩包中的“{name}”需要密码才能打开，公众无法打开：请取消打开密码后再放入压缩包（只限制打印、复制的 PDF 可以）。",
        "handler": "压缩包中的“{name}”用证书或数字版权保护（DRM）等特殊方式加密，公众无法打开：请取消加密后再放入压缩包。",
        "damaged": "压缩包中的“{name}”已损坏或不完整，无法读取：请重新导出后再放入压缩包。",
        "zip password": "压缩包中的“{name}”设置了解压密码（已加密），公众无法打开，也无法检查：请不设密码重新压缩后再上传。",
    }[problem]


@pytest.mark.parametrize(
    "content, named, problem",
    [
        pytest.param(
            zip_of({"说明.txt": b"x", "附件2.pdf": fixture("pdf/open-password-1234.pdf")}),
            "附件2.pdf",
            "password",
            id="an opening password",
        ),
        pytest.param(
            zip_of({"各街道.zip": zip_of({"乙街道/公开指南.pdf": fixture("pdf/open-password-1234-aes256.pdf")})}),
            "各街道.zip/乙街道/公开指南.pdf",
            "password",
            id="an opening password, in a zip inside",
        ),
        pytest.param(
            zip_of({"附件1.pdf": PDF, "附件2.pdf": fixture("pdf/certificate-adobe-pubsec.pdf")}),
            "附件2.pdf",
            "handler",
            id="certificate security",
        ),
        pytest.param(zip_of({"附件3.PDF": fixture("pdf/drm-fileopen.pdf")}), "附件3.PDF", "handler", id="DRM"),
        pytest.param(zip_of({"附件4.pdf": PLAIN_PDF[:600]}), "附件4.pdf", "damaged", id="truncated"),
    ],
)
def test_a_zip_may_not_carry_a_pdf_citizens_cannot_open(content, named, problem):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", content))
    assert refused.value.messages == [in_zip(problem).format(name=named)]


def test_a_zip_of_pdfs_that_open_for_everyone_is_accepted():
    materials = zip_of(
        {
            "附件1.pdf": PLAIN_PDF,
            "附件2.pdf": fixture("pdf/permissions-only.pdf"),  # printing and copying restricted
            "各街道.zip": zip_of({"甲街道/通知.pdf": PDF}),
            "说明.pdf": b"x",  # not a PDF inside: a member's kind is not checked, as before
        }
    )
    validate_attachment(SimpleUploadedFile("材料.zip", materials))


def test_a_zip_may_not_carry_a_member_encrypted_with_a_zip_password():
    # Not an Office document nor a PDF: it went through unread. Made by Info-ZIP (README there).
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", fixture("zip/encrypted-member-1234.zip")))
    assert refused.value.messages == [in_zip("zip password").format(name="名单.csv")]


def gbk_zip_of(entries: dict) -> bytes:
    """A ZIP as Windows' own 压缩(zipped)文件夹 writes one on a Chinese system: the names in GBK
    without the UTF-8 flag. zipfile writes such a name in UTF-8 with the flag, so each is
    written as an ASCII stand-in of the same length and its bytes put in after (a name is in
    no checksum: the local header and the central directory hold it, nothing else)."""
    stand_ins = {f"|{i}|".ljust(len(name.encode("gbk")), "|"): name for i, name in enumerate(entries)}
    content = zip_of({stand_in: entries[name] for stand_in, name in stand_ins.items()})
    for stand_in, name in stand_ins.items():
        assert content.count(stand_in.encode()) == 2
        content = content.replace(stand_in.encode(), name.encode("gbk"))
    return content


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(
            gbk_zip_of({"说明.txt": b"x", "附件/附件2.pdf": fixture("pdf/open-password-1234.pdf")}),
            in_zip("password").format(name="附件/附件2.pdf"),
            id="a PDF with a password",
        ),
        pytest.param(
            gbk_zip_of({"说明.txt": b"x", "安装程序.exe": EXE}),
            "压缩包中含有可执行或网页类型的文件（安装程序.exe），不能作为附件发布。",
            id="a program",
        ),
    ],
)
def test_a_member_named_in_gbk_is_named_readably(content, message):
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", content))
    assert refused.value.messages == [message]


def test_a_zip_bomb_is_refused_by_what_its_files_declare_before_anything_is_unpacked(monkeypatch):
    from disclosures import uploads

    # 4 MB of zeros deflate to 4 KB; with a 3 MB limit, as 4 GB in 4 MB would with the real one.
    bomb = zip_of({"说明.txt": b"x", "数据.csv": bytes(4 * 1024**2)})
    assert len(bomb) < 10_000
    monkeypatch.setattr(uploads, "ZIP_MAX_UNPACKED_BYTES", 3 * 1024**2)
    with pytest.raises(ValidationError) as refused:
        validate_attachment(SimpleUploadedFile("材料.zip", bomb))
    assert refused.value.messages[0].startswith("压缩包解压后的文件合计超过 ")
    assert refused.value.messages[0].endswith("GB，不能作为附件发布（可能是“压缩炸弹”）：请分成几个压缩包上传。")
    # Counted across the archives inside too.
    nested = zip_of({"a.zip": zip_of({"1.csv": bytes(2 * 1024**2)}), "b.zip": zip_of({"2.csv": bytes(2 * 1024**2)})})
    with pytest.raises(ValidationError, match="压缩包解压后的文件合计超过"):
        validate_attachment(SimpleUploadedFile("材料.zip", nested))


@pytest.mark.parametrize(
    "count, declared, message",
    [
        pytest.param(
            60_000,
            None,
            "压缩包中的文件超过 10,000 个，无法逐一检查，请分成几个压缩包上传。",
            id="as many as it says",
        ),
        pytest.param(
            90_000,
            1,
            "压缩包的文件目录过大（文件过多或文件名过长），无法逐一检查，请分成几个压缩包上传。",
            id="saying it has one",
        ),
    ],
)
def test_a_zip_of_absurdly_many_files_is_refused_before_its_directory_is_read(count, declared, message):
    import tracemalloc

    content = directory_only_zip(count, declared)
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) > 50_000  # zipfile reads them all
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            validate_attachment(SimpleUploadedFile("材料.zip", content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.messages == [message]
    # zipfile's ~500 bytes an entry would be 30 MB or more; the end record alone is read.
    assert peak < 4 * 1024**2


def test_a_document_inside_a_zip_is_unpacked_to_a_temporary_file_not_held_in_memory():
    import tracemalloc

    # A Word 97-2003 document padded to 40 MB: what the macro and password scans read in full.
    materials = zip_of({"说明.txt": b"x", "通知.doc": fixture("office/word97-plain.doc") + bytes(40 * 1024**2)})
    tracemalloc.start()
    try:
        validate_attachment(SimpleUploadedFile("材料.zip", materials))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024**2


@pytest.mark.django_db
def test_the_admin_names_the_pdf_in_a_zip_that_needs_a_password_and_keeps_what_was_typed(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        title="关于公布2026年度各街道报送材料的通知",
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-0-title": "通知全文",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("通知全文.pdf", PLAIN_PDF),
            "attachments-1-title": "各街道材料",
            "attachments-1-position": "1",
            "attachments-1-file": SimpleUploadedFile(
                "各街道材料.zip",
                gbk_zip_of({"说明.txt": b"x", "乙街道/附件2.pdf": fixture("pdf/open-password-1234.pdf")}),
            ),
        },
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    forms = response.context["inline_admin_formsets"][0].formset.forms
    message = in_zip("password").format(name="乙街道/附件2.pdf")
    assert not forms[0].errors and forms[1].errors["file"] == [message]
    html = response.content.decode()
    assert message in html
    assert 'value="关于公布2026年度各街道报送材料的通知"' in html and 'value="各街道材料"' in html
    # The PDF chosen beside it is kept: sent again with the zip's PDF fixed, both are saved.
    kept = re.search(r'<input type="hidden" name="attachments-0-file-kept" value="([^"]+)"', html).group(1)
    data.pop("attachments-0-file")
    data["attachments-0-file-kept"] = kept
    data["attachments-1-file"] = SimpleUploadedFile(
        "各街道材料.zip", gbk_zip_of({"说明.txt": b"x", "乙街道/附件2.pdf": fixture("pdf/permissions-only.pdf")})
    )
    assert client.post("/admin/disclosures/disclosurerecord/add/", data).status_code == 302
    record = DisclosureRecord.objects.get()
    assert record.title == "关于公布2026年度各街道报送材料的通知"
    assert [a.title for a in record.attachments.all()] == ["通知全文", "各街道材料"]
    assert record.attachments.all()[0].file.read() == PLAIN_PDF


WORD_DIRECTORY = "Word 文档的内部目录过大（部件过多或名称过长），无法检查其中是否含宏：请重新导出后再上传。"


def _refusal_and_peak(name, content):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as refused:
            validate_attachment(SimpleUploadedFile(name, content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return refused.value.messages, peak


# A .docx is a ZIP: its directory is bounded as a .zip's is, before zipfile reads it (the macro
# check opens every ZIP-based document), and the message names what kind of document it is.
@pytest.mark.parametrize(
    "count, declared",
    [pytest.param(60_000, None, id="as many parts as it says"), pytest.param(90_000, 1, id="saying it has one")],
)
def test_a_document_of_absurdly_many_parts_is_refused_before_its_directory_is_read(count, declared):
    content = directory_only_zip(count, declared)
    assert len(zipfile.ZipFile(io.BytesIO(content)).namelist()) > 50_000  # zipfile reads them all
    messages, peak = _refusal_and_peak("通知.docx", content)
    assert messages == [WORD_DIRECTORY]
    assert peak < 4 * 1024**2


@pytest.mark.parametrize(
    "name, kind",
    [("统计.xlsx", "Excel 工作簿"), ("汇报.pptx", "PowerPoint 演示文稿"), ("公文.ofd", "OFD 版式文档")]
    + [("通知.wps", "WPS 文字文档"), ("统计.et", "WPS 表格")],
)
def test_every_zip_based_format_has_its_directory_bounded_and_named(name, kind):
    messages, peak = _refusal_and_peak(name, directory_only_zip(90_000, 1))
    assert messages == [WORD_DIRECTORY.replace("Word 文档", kind)]
    assert peak < 4 * 1024**2


@pytest.mark.parametrize(
    "count, declared",
    [pytest.param(60_000, None, id="as many parts as it says"), pytest.param(90_000, 1, id="saying it has one")],
)
def test_a_document_of_absurdly_many_parts_inside_a_zip_is_refused_by_name(count, declared):
    materials = zip_of({"说明.txt": b"x", "甲街道/通知.docx": directory_only_zip(count, declared)})
    messages, peak = _refusal_and_peak("材料.zip", materials)
    assert messages == [
        "压缩包中的Word 文档（甲街道/通知.docx）内部目录过大（部件过多或名称过长），"
        "无法检查其中是否含宏：请重新导出后再放入压缩包。"
    ]
    # The member is unpacked to a temporary file (in memory up to 4 MB); zipfile's objects for
    # its directory would be 30 MB or more.
    assert peak < 16 * 1024**2


def real_docx():
    import docx

    document = docx.Document()
    document.add_heading("关于公布2026年度统计数据的通知", level=1)
    document.add_paragraph("各街道：现将统计数据公布如下。")
    document.add_table(rows=3, cols=3)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def real_xlsx():
    from openpyxl import Workbook

    workbook = Workbook()
    for number in range(1, 40):  # a workbook of many sheets: many parts, still far from the bound
        workbook.create_sheet(f"第{number}街道")["A1"] = "社区数"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_documents_written_by_office_libraries_are_still_accepted():
    trs = fixture("imports/pages/trs/P020230518545612345678.docx")
    for name, content in [("通知.docx", real_docx()), ("统计.xlsx", real_xlsx()), ("旧站通知.docx", trs)]:
        validate_attachment(SimpleUploadedFile(name, content))
    validate_attachment(SimpleUploadedFile("材料.zip", zip_of({"通知.docx": real_docx(), "统计.xlsx": real_xlsx()})))


@pytest.mark.django_db
def test_the_admin_shows_the_document_directory_refusal_beside_the_file_field_and_keeps_what_was_typed(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    data = form_data(
        title="关于公布2026年度统计数据的通知",
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-title": "说明",
            "attachments-0-position": "0",
            "attachments-0-file": SimpleUploadedFile("说明.docx", directory_only_zip(90_000, 1)),
        },
    )
    response = client.post("/admin/disclosures/disclosurerecord/add/", data)
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    assert response.context["inline_admin_formsets"][0].formset.forms[0].errors["file"] == [WORD_DIRECTORY]
    html = response.content.decode()
    assert "Word 文档的内部目录过大" in html and 'value="关于公布2026年度统计数据的通知"' in html
