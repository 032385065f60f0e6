"""What an uploaded attachment really is, judged by its bytes (puremagic, ADR 0020).

An extension says nothing: an .exe renamed .pdf, HTML saved as .jpg or an SVG with a script
renamed .png would be handed to readers as what the name claims. Each allowed extension maps to
the container formats its files come in, and the content must be one of them. Office files that
carry VBA macros are refused by name and by content, whatever the settings allow (ADR 0118)."""

import html
import io
import posixpath
import re

# The formats by what their bytes start with; puremagic names a family by many extensions.
PDF = {".pdf"}
OLE2 = {".doc", ".xls", ".ppt", ".dot", ".xlt", ".pps", ".wps", ".et"}  # Office 97-2003, WPS
ZIP = {".zip", ".docx", ".xlsx", ".pptx", ".ofd", ".xlsb", ".xltm", ".docm", ".pptm", ".dotx", ".xltx", ".potx"}
JPEG = {".jpg", ".jpeg", ".jfif", ".jpe"}
PNG = {".png"}
TEXT = set()  # plain text has no signature: it must be identified as nothing (see below)

CONTENT_BY_EXTENSION = {
    "pdf": PDF,
    "ofd": ZIP,
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "zip": ZIP,
    "doc": OLE2,
    "xls": OLE2,
    "ppt": OLE2,
    "wps": OLE2 | ZIP,
    "et": OLE2 | ZIP,  # WPS writes both
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "txt": TEXT,
    "csv": TEXT,
}
# Office formats that carry VBA macros: a government site does not hand citizens code that runs
# when a document is opened (ADR 0118). Refused by name here, and by content below.
MACRO_EXTENSIONS = {"docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"}
MACRO_NAME_MESSAGE = "含宏的 Office 文件（.{extension}）不能上传：请另存为 .docx / .xlsx / .pptx 后再上传。"
MACRO_CONTENT_MESSAGE = "文件中含有 VBA 宏，不能上传：请删除宏，或另存为 .docx / .xlsx / .pptx 后再上传。"
MACRO_IN_ZIP_MESSAGE = "压缩包中含有含宏的 Office 文件（{name}），不能作为附件发布：请删除宏，或另存为 .docx / .xlsx / .pptx 后再放入压缩包。"
# Office documents inside a .zip whose content is looked at for macros (OOXML and OLE2 formats).
OFFICE_EXTENSIONS = {"docx", "dotx", "xlsx", "xltx", "xlsb", "pptx", "potx", "ppsx", "sldx"}
OFFICE_EXTENSIONS |= {"doc", "dot", "xls", "xlt", "xla", "ppt", "pot", "pps", "wps", "et"}
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# A legacy Office file keeps its VBA project in one of these storages (Word: Macros, Excel:
# _VBA_PROJECT_CUR; _VBA_PROJECT is the stream inside either). The names are matched as
# compound-file directory entries (see _ole_entry_found), UTF-16LE as the format stores them.
VBA_STORAGE_NAMES = ("_VBA_PROJECT_CUR", "Macros", "_VBA_PROJECT")
# A Word, Excel or PowerPoint file saved with an opening password is a compound file holding the
# real (OOXML) document as this stream, whatever its name: nobody without the password can open
# it, and what it carries (macros included) cannot be checked. Word opens it whatever it is named.
ENCRYPTED_PACKAGE_NAME = "EncryptedPackage"
ENCRYPTED_MESSAGE = "文件设置了打开密码（已加密），公众无法打开，也无法检查其中是否含宏：请取消密码后再上传。"
PDF_PASSWORD_MESSAGE = (
    "PDF 文件设置了打开密码，公众无法打开：请取消打开密码后再上传（只限制打印、复制的 PDF 可以上传）。"
)
# Encrypted by a handler other than the standard (password) one: for certificates (Adobe.PubSec)
# or a DRM plug-in's. No reader opens it without that certificate's key or that plug-in.
PDF_HANDLER_MESSAGE = "PDF 文件用证书或数字版权保护（DRM）等特殊方式加密，公众无法打开：请取消加密（文档属性中的安全性设为“无”）后再上传。"
PDF_DAMAGED_MESSAGE = "PDF 文件已损坏或不完整，无法读取：请重新导出（或重新复制完整的文件）后再上传。"
PDF_IN_ZIP_MESSAGES = {
    PDF_PASSWORD_MESSAGE: "压缩包中的“{name}”需要密码才能打开，公众无法打开：请取消打开密码后再放入压缩包（只限制打印、复制的 PDF 可以）。",
    PDF_HANDLER_MESSAGE: "压缩包中的“{name}”用证书或数字版权保护（DRM）等特殊方式加密，公众无法打开：请取消加密后再放入压缩包。",
    PDF_DAMAGED_MESSAGE: "压缩包中的“{name}”已损坏或不完整，无法读取：请重新导出后再放入压缩包。",
}
# A member encrypted with the ZIP's own password (ZipCrypto or WinZip AES: bit 0 of its flags).
DOCUMENT_IN_ZIP_DIRECTORY_MESSAGE = (
    "压缩包中的{kind}（{name}）内部目录过大（部件过多或名称过长），无法检查其中是否含宏：请重新导出后再放入压缩包。"
)
ENCRYPTED_MEMBER_MESSAGE = (
    "压缩包中的“{name}”设置了解压密码（已加密），公众无法打开，也无法检查：请不设密码重新压缩后再上传。"
)
OLE_SCAN_CHUNK = 1024 * 1024  # a multiple of the 128-byte directory entry
# The .xlsb main part's content type: "macroEnabled" in its name, whether the workbook has any.
BINARY_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
# [Content_Types].xml lists one line per part: a few KB, a workbook of thousands of sheets ~1 MB.
CONTENT_TYPES_MAX_BYTES = 8 * 1024**2
# Never part of a name, even before the real extension (a.exe.pdf, 通知.html.txt); nor in a .zip.
# Programs and what Windows runs or installs when opened (control-panel items, help files that
# run script, consoles, registry files, shortcuts, installers, disk images it mounts), and web
# pages.
DANGEROUS_EXTENSIONS = {
    # programs, libraries and installers
    "exe",
    "com",
    "scr",
    "pif",
    "cpl",
    "dll",
    "ocx",
    "sys",
    "drv",
    "xll",
    "msi",
    "msp",
    "mst",
    "msix",
    "msixbundle",
    "appx",
    "appxbundle",
    "application",
    "appref-ms",
    "gadget",
    "jar",
    "jnlp",
    # scripts and what runs them
    "bat",
    "cmd",
    "js",
    "jse",
    "vbs",
    "vbe",
    "vb",
    "wsf",
    "ws",
    "wsc",
    "wsh",
    "sct",
    "hta",
    "ps1",
    "psm1",
    "psd1",
    "sh",
    "msc",
    "chm",
    "reg",
    "inf",
    "scf",
    "lnk",
    "url",
    "shb",
    "shs",
    "settingcontent-ms",
    "library-ms",
    "diagcab",
    # disk images Windows mounts on a double click (what is in them is not checked)
    "iso",
    "img",
    "vhd",
    "vhdx",
    # web pages and markup
    "html",
    "htm",
    "shtml",
    "xhtml",
    "xht",
    "mht",
    "mhtml",
    "svg",
    "svgz",
    "xml",
    "php",
    "jsp",
    "asp",
    "aspx",
}
# Archives inside a .zip that cannot be looked into here (a nested .zip is; see _zip_problem).
UNCHECKED_ARCHIVES = {
    "rar",
    "7z",
    "cab",
    "tar",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "zst",
    "z",
    "arj",
    "lzh",
    "lha",
    "ace",
    "zipx",
    "wim",
}
# A .zip inside a .zip is looked into (an office's materials come zipped per department), within
# bounds that keep a zip bomb from holding the worker: how deep, how many entries in all, and how
# many bytes of inner archives, Office documents and PDFs are unpacked in all (each declared size
# is checked before reading, and reading stops at it). The depth is not what stops a bomb (one
# level can declare terabytes): the shared budgets are, so three levels cost no more than one.
ZIP_MAX_DEPTH = 3
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_NESTED_BYTES = 100 * 1024**2
# What all the files in a .zip (those in the archives inside it too) declare they unpack to. A
# 50 MB upload of documents unpacks to a few hundred MB at most; a zip bomb declares far more
# (or lies, and zipfile stops at the declared size and fails its CRC). Counted before anything
# is unpacked, whether or not the file is one this check reads: citizens unpack them all.
ZIP_MAX_UNPACKED_BYTES = 1024**3
# zipfile builds an object (~500 bytes) for each entry of the central directory before anything
# can count them: the directory's own record of its entries and size is read first. An entry is
# 46 bytes, the name (a Chinese path, 30-150 bytes), extra fields (timestamps, a UTF-8 copy of
# the name) and a comment. The size bounds a directory whose count lies: 4 MB, at most ~85,000
# entries of a one-letter name, ~45 MB of objects for the moment the check takes.
ZIP_DIRECTORY_BYTES_PER_ENTRY = 400
ZIP_MAX_DIRECTORY_BYTES = ZIP_MAX_ENTRIES * ZIP_DIRECTORY_BYTES_PER_ENTRY
# A document or archive inside a .zip is unpacked into a temporary file as it is read, to be
# opened by the checks that need to seek: kept in memory up to this size, then on disk.
ZIP_SPOOL_MEMORY_BYTES = 4 * 1024**2
TEXT_SAMPLE_BYTES = 64 * 1024
# ZIP-based formats by what they hold: OOXML's main part, OFD's entry file (GB/T 33190 §7.1).
# A plain ZIP renamed .docx (or .ofd) is not one.
ZIP_ENTRY = {
    "docx": ("word/document.xml", "Word 文档"),
    "xlsx": ("xl/workbook.xml", "Excel 工作簿"),
    "pptx": ("ppt/presentation.xml", "PowerPoint 演示文稿"),
    "ofd": ("OFD.xml", "OFD 版式文档"),
}
# What a ZIP-based document is called when its central directory is refused (zip_directory_problem):
# by itself, or inside a .zip (OFFICE_EXTENSIONS); WPS writes .wps and .et as OOXML too.
DOCUMENT_KINDS = {extension: kind for extension, (_, kind) in ZIP_ENTRY.items()}
DOCUMENT_KINDS |= {"dotx": "Word 模板", "xltx": "Excel 模板", "xlsb": "Excel 工作簿", "potx": "PowerPoint 模板"}
DOCUMENT_KINDS |= {"ppsx": "PowerPoint 放映文件", "sldx": "PowerPoint 幻灯片", "wps": "WPS 文字文档", "et": "WPS 表格"}
DOCUMENT_DIRECTORY_MESSAGE = "{kind}的内部目录过大（部件过多或名称过长），无法检查其中是否含宏：请重新导出后再上传。"


def content_problem(file, extension):
    """Why `file` is not a `extension` file, or None. Reads the head and tail, and of an Office
    file what tells whether it carries macros."""
    problem = macro_name_problem(file.name)
    if problem:
        return problem
    stem_parts = file.name.lower().split(".")[1:-1]
    hidden = [part for part in stem_parts if part in DANGEROUS_EXTENSIONS]
    if hidden:
        return f"文件名含有可执行或网页类型的扩展名 .{hidden[0]}，请改名后再上传。"
    expected = CONTENT_BY_EXTENSION.get(extension)
    if expected is None:  # allowed by settings but unknown here: the extension check decides
        return macro_problem(file)  # but an Office file's macros are refused under any name
    # Imported here: its signature table costs each worker ~2.6 MiB, and only uploads need it.
    import puremagic

    file.seek(0)
    try:
        matches = puremagic.magic_stream(file)
    except (puremagic.PureError, ValueError):  # nothing recognised, or an empty file
        matches = []
    file.seek(0)
    found = {match.extension.lower() for match in matches}
    if expected is TEXT:
        # The text check decides: puremagic reads signatures into prose ("MZ is a postcode…",
        # "ID3 tags…", "This is a …"); a file it fails is named by its signature if staff know it.
        problem = _text_problem(file.read(TEXT_SAMPLE_BYTES))
        file.seek(0)
        if problem and found:
            problem = _describe(matches) or problem
        return problem and f"文件内容不是纯文本（{problem}），与扩展名 .{extension} 不符。"
    if found & expected:
        if found & ZIP and expected & ZIP:
            return _zip_problem(file, extension)
        if expected is PDF:
            return _pdf_problem(file)
        return macro_problem(file) if found & OLE2 else None
    if found & OLE2 and (problem := macro_problem(file)):
        return problem  # a password-protected .docx is a compound file: say that, not "not a .docx"
    actual = _describe(matches)
    if actual is None:
        sample = file.read(TEXT_SAMPLE_BYTES)
        file.seek(0)
        # puremagic reads English prose as odd formats ("GNU Info Reader file").
        actual = "纯文本" if sample.strip() and _text_problem(sample) is None else "无法识别的内容"
    return f"文件内容（{actual}）与扩展名 .{extension} 不符，请上传真正的 .{extension} 文件。"


# What staff are told a file is, by the signatures puremagic found, in this order: its best
# guess by confidence named a PDF "纯文本" (its syntax is text) and an .exe "Audition graphic
# filter" (a rarer format of the same "MZ" head).
KINDS_BY_SIGNATURE = (
    ({"pdf"}, "PDF 文档"),
    ({"exe", "dll", "sys", "com", "scr", "cpl", "drv", "ocx"}, "Windows 可执行程序"),
    ({"appimage", "elf"}, "可执行程序"),
    ({"doc", "xls", "ppt", "wps", "msi"}, "旧版 Office 文档（.doc/.xls/.ppt/.wps）或其他复合文档"),
    ({"docx", "xlsx", "pptx", "zip"}, "ZIP 压缩包或新版 Office 文档"),
    ({"rar"}, "RAR 压缩包"),
    ({"7z"}, "7z 压缩包"),
    ({"gz", "tgz"}, "gzip 压缩包"),
    ({"png"}, "PNG 图片"),
    ({"jpg", "jpeg", "jfif"}, "JPEG 图片"),
    ({"gif"}, "GIF 图片"),
    ({"bmp"}, "BMP 图片"),
    ({"tif", "tiff"}, "TIFF 图片"),
    ({"mp3", "wav", "m4a"}, "音频文件"),
    ({"mp4", "m4v", "mov", "avi"}, "视频文件"),
    ({"html", "htm"}, "网页"),
)


def _describe(matches) -> str | None:
    """A name staff know for what the signatures say, or None if none is known."""
    found = {match.extension.lower().lstrip(".") for match in matches}
    found |= {"elf" for match in matches if match.name.startswith("ELF ")}
    return next((kind for extensions, kind in KINDS_BY_SIGNATURE if found & extensions), None)


def _text_problem(sample):
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as Notepad saves “Unicode”
        text = _decoded(sample[: len(sample) // 2 * 2], ("utf-16",))
        if text is None or "\x00" in text:
            return "含有二进制数据"
    elif b"\x00" in sample:
        return "含有二进制数据"
    else:
        text = _decoded(sample, ("utf-8", "gb18030"))
        if text is None:
            return "既不是 UTF-8 也不是 GB18030 编码"
    head = text.lstrip("\ufeff \t\r\n").lower()
    # What browsers sniff as markup (WHATWG MIME sniffing).
    if head.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml", "<iframe", "<body", "<head")):
        return "是网页或 XML 标记"
    return None


def _decoded(sample, encodings):
    """`sample` as text in the first of `encodings` that reads it (a character cut at its end
    does not count against one), or None."""
    for encoding in encodings:
        try:
            return sample.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start > len(sample) - 4:
                return sample[: error.start].decode(encoding)
    return None


def _zip_problem(file, extension):
    """Why a ZIP is not the `extension` file it claims to be: unreadable, without the format's
    entry file, or (a .zip) carrying, in itself or in a .zip inside it, a program, an Office
    document with macros or an opening password, a PDF citizens cannot open, or a member
    encrypted with a ZIP password; or declaring more entries or bytes than can be checked."""
    import zipfile

    file.seek(0)
    try:
        # Before zipfile reads the directory: a .docx is as much a ZIP as a .zip (and so is a
        # .wps or .et that WPS wrote as OOXML).
        kind = None if extension == "zip" else DOCUMENT_KINDS.get(extension, "文档")
        if too_many := zip_directory_problem(file, ZIP_MAX_ENTRIES, kind):
            return too_many
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            # Any ZIP, whatever its name: a .docm renamed .docx (or .zip) is still one.
            macros = _ooxml_macro_problem(archive)
            budget = {"entries": ZIP_MAX_ENTRIES, "bytes": ZIP_MAX_NESTED_BYTES, "unpacked": ZIP_MAX_UNPACKED_BYTES}
            carried = _archive_problem(archive, budget) if extension == "zip" and not macros else None
    except _unreadable():
        return f"文件已损坏（无法作为压缩包读取），请重新导出 .{extension} 文件后上传。"
    finally:
        file.seek(0)
    if macros:
        return macros
    if extension in ZIP_ENTRY:
        entry, kind = ZIP_ENTRY[extension]
        if entry.lower() not in {name.lower() for name in names}:
            return f"文件内容不是{kind}（压缩包中没有 {entry}），与扩展名 .{extension} 不符。"
    return carried


def macro_name_problem(name):
    """Why a file named `name` may not be uploaded for carrying macros (its extension), or None."""
    extension = _extension(name)
    return MACRO_NAME_MESSAGE.format(extension=extension) if extension in MACRO_EXTENSIONS else None


def macro_problem(file):
    """Why `file` may not be uploaded for the VBA macros its content carries, or None (its name
    is content_problem's to check). A damaged ZIP passes: the format check says what is wrong."""
    try:
        return _macro_content_problem(file)
    except _unreadable():
        return None
    finally:
        file.seek(0)


def _macro_content_problem(file, budget=None, kind="Office 文档"):
    """MACRO_CONTENT_MESSAGE (or why the package cannot be checked) for an OOXML ZIP with a VBA
    part or a macro-enabled content type, or an OLE2 (Office 97-2003) file with a VBA storage;
    None for anything else. Raises what reading a damaged ZIP raises (_unreadable). A ZIP whose
    central directory is too large for `kind` (what the file is called) is not opened."""
    import zipfile

    file.seek(0)
    head = file.read(len(OLE2_SIGNATURE))
    file.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        if too_many := zip_directory_problem(file, ZIP_MAX_ENTRIES, kind):
            return too_many
        with zipfile.ZipFile(file) as archive:
            return _ooxml_macro_problem(archive, budget)
    if head == OLE2_SIGNATURE:
        found = _ole_entry_found(file, (ENCRYPTED_PACKAGE_NAME, *VBA_STORAGE_NAMES))
        if found and found != ENCRYPTED_PACKAGE_NAME:
            return MACRO_CONTENT_MESSAGE
        if found or _legacy_office_encrypted(file):
            return ENCRYPTED_MESSAGE
    return None


def _ooxml_macro_problem(archive, budget=None):
    """Why the OOXML package `archive` carries macros, or None: a VBA part (vbaProject.bin, at
    any path), or a macro-enabled or VBA content type declared in [Content_Types].xml (which
    also catches a renamed VBA part, and a macro-enabled document embedded in this one).
    A ZIP may name [Content_Types].xml many times: CONTENT_TYPES_MAX_BYTES bounds what is read
    of them all, and inside a .zip they count in its bytes `budget` as well."""
    infos = archive.infolist()
    if any(posixpath.basename(info.filename).lower() == "vbaproject.bin" for info in infos):
        return MACRO_CONTENT_MESSAGE
    left = CONTENT_TYPES_MAX_BYTES
    for info in infos:
        if info.filename.lower().lstrip("/") != "[content_types].xml":
            continue
        if info.file_size > left:
            return "文件中的 [Content_Types].xml 过大，无法检查是否含有宏，请重新导出后上传。"
        if budget is not None:
            budget["bytes"] -= info.file_size
            if budget["bytes"] < 0:
                return "压缩包中的文件合计过大，无法逐一检查是否含宏，请分成几个压缩包上传。"
        with archive.open(info) as part:
            raw = part.read(left)
        left -= len(raw)
        encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"  # OPC allows both
        # Character references unescaped: "macro&#69;nabled" is the same content type to Office.
        text = html.unescape(raw.decode(encoding, errors="replace")).lower()
        # Not the binary workbook's type: every .xlsb's main part has it, macros or not, and
        # SheetJS and other writers declare it for .bin in every .xlsx they export.
        text = text.replace(BINARY_WORKBOOK_TYPE, "")
        text = _unused_defaults_removed(text, [info.filename for info in infos])
        if "macroenabled" in text or "vbaproject" in text:
            return MACRO_CONTENT_MESSAGE
    return None


_DEFAULT_DECLARATION = re.compile(r"<(?:[\w.-]+:)?default\b([^>]*)>")
_OVERRIDE_DECLARATION = re.compile(r"<(?:[\w.-]+:)?override\b([^>]*)>")
_ATTRIBUTE = re.compile(r"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attributes(declaration):
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(declaration)}


def _unused_defaults_removed(text, names):
    """`text` ([Content_Types].xml, lowered) without the <Default> declarations that type no
    part: an extension no part has, or only parts typed by an <Override>. The Open XML SDK's
    .docm to .docx conversion leaves the VBA part's default type behind with no part to type."""
    overridden = {
        _attributes(match.group(1)).get("partname", "").lstrip("/") for match in _OVERRIDE_DECLARATION.finditer(text)
    }
    used = {
        posixpath.splitext(name)[1].lstrip(".")
        for name in (name.lower().lstrip("/") for name in names)
        if name not in overridden and not name.endswith("/")
    }

    def typed_part(match):
        extension = _attributes(match.group(1)).get("extension")
        return match.group(0) if extension is None or extension in used else ""

    return _DEFAULT_DECLARATION.sub(typed_part, text)


def password_protected(data: bytes) -> bool:
    """Whether `data` is an Office document saved with an opening password."""
    if not data.startswith(OLE2_SIGNATURE):
        return False
    file = io.BytesIO(data)
    return _ole_entry_found(file, (ENCRYPTED_PACKAGE_NAME,)) is not None or _legacy_office_encrypted(file)


def _legacy_office_encrypted(file):
    """Whether the compound file `file` is a Word, Excel or PowerPoint 97-2003 document saved
    with an opening password (RC4, or Excel's XOR obfuscation). Unlike the later format, no
    directory entry says so: the flag is in the document stream (Word's FIB, Excel's FILEPASS
    record), which msoffcrypto-tool reads by following the stream's sectors (ADR 0128)."""
    import msoffcrypto

    file.seek(0)
    try:
        return msoffcrypto.OfficeFile(file).is_encrypted()
    # Not an Office document (WPS's own, an Outlook message) or damaged: olefile and the format
    # readers raise many kinds of error. The file's type has been checked; nothing to add here.
    except Exception:
        return False
    finally:
        file.seek(0)


def _pdf_problem(file):
    """Why citizens could not read the PDF `file`, or None: it opens only with a password, is
    encrypted by a handler other than the standard one, or is too damaged to be read at all.
    A PDF encrypted with an empty opening password (printing or copying restricted) opens in
    every reader and passes. pypdf reads the trailer and its /Encrypt dictionary and tries the
    empty password (ISO 32000-2, 7.6.4), then counts the pages (ADR 0128)."""
    from pypdf import PasswordType, PdfReader

    class Reader(PdfReader):
        # pypdf raises while it opens a file encrypted by a handler it does not implement,
        # before the caller could ask the trailer which one that is: it is asked afterwards.
        unsupported = False

        def _handle_encryption(self, password):
            try:
                super()._handle_encryption(password)
            except NotImplementedError:
                self.unsupported = True

    file.seek(0)
    try:
        reader = Reader(file)
        if reader.is_encrypted:
            if reader.trailer["/Encrypt"].get_object().get("/Filter") != "/Standard":
                return PDF_HANDLER_MESSAGE
            if reader.unsupported:  # a variant of the standard handler pypdf lacks: not known
                return None
            if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                return PDF_PASSWORD_MESSAGE
        len(reader.pages)  # the page tree, not the pages' content
    # pypdf raises many kinds of error on a damaged file, and repairs what it can first (a
    # broken cross-reference table, an object out of place); what it cannot read has lost its
    # end, where a PDF says where everything is, or its catalog: a truncated upload, mostly.
    except Exception:
        return PDF_DAMAGED_MESSAGE
    finally:
        file.seek(0)
    return None


def _ole_entry_found(file, names):
    """The first of `names` the OLE2 compound file `file` has a storage or stream of, or None
    (a VBA storage: macros; an EncryptedPackage: a password).

    A scan of the bytes for the directory entries, not a parse of the compound file's sector
    chains (which needs the FAT and DIFAT followed, with cycle guards): a directory entry is
    128 bytes at a 128-byte boundary of the file (sectors are 512 or 4096 bytes), its name
    UTF-16LE, NUL-terminated, and followed at byte 64 by the name's length in bytes. Matching
    the whole entry, not just the name, keeps a Word document whose text (also UTF-16LE) says
    "Macros" from being refused. The scan reads the whole file in 1 MiB chunks: bounded by the
    attachment size limit, and inside a .zip by its bytes budget. PowerPoint 97-2003 keeps its
    VBA compressed inside the presentation stream, where no scan of the bytes sees it."""
    import struct

    entries = [
        (name, (name.encode("utf-16-le") + b"\x00\x00").lower(), struct.pack("<H", 2 * (len(name) + 1)))
        for name in names
    ]
    file.seek(0)
    while True:
        chunk = _read_exactly(file, OLE_SCAN_CHUNK)
        if not chunk:
            return None
        # Names compare case-insensitively in a compound file; .lower() touches ASCII bytes only,
        # and the length bytes matched (< 0x41) are never changed by it.
        lowered = chunk.lower()
        for name, entry, length in entries:
            at = lowered.find(entry)
            while at != -1:
                if at % 128 == 0 and lowered[at + 64 : at + 66] == length:
                    return name
                at = lowered.find(entry, at + 1)


def _read_exactly(file, size):
    """`size` bytes, fewer only at the end: a short read would shift the 128-byte alignment."""
    parts, left = [], size
    while left:
        part = file.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _extension(name) -> str:
    """The extension Windows sees: it drops a name's trailing dots and spaces (tool.exe. runs)."""
    base = name.rsplit("/", 1)[-1].rstrip(" .")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _member_name(info):
    """The name of the member `info` as whoever made the ZIP wrote it. Without the UTF-8 flag
    (bit 11), zipfile decodes a name as CP437, but what Windows makes ("发送到 压缩(zipped)文件夹",
    and older WinRAR and 7-Zip) writes it in the system's code page: GBK on a Chinese Windows.
    The CP437 text gives the bytes back; UTF-8 is tried first (some tools omit the flag)."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def zip_directory_size(file) -> tuple[int, int] | None:
    """(entries, bytes) of the central directory of the ZIP `file`, as the record at its end
    (or its ZIP64 counterpart) says, read before zipfile builds an object for every entry (the
    imports app reads its uploads' with this too); None when no record is found, which zipfile
    then reports as a damaged file. The count may lie: the size bounds what zipfile reads."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - 22 - 0xFFFF))  # the record, and a comment of up to 64 KiB after it
    tail = file.read()
    file.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    locator = tail[at - 20 : at] if at >= 20 else b""
    if locator.startswith(b"PK\x06\x07"):  # ZIP64: the counts are in the record it points to
        file.seek(int.from_bytes(locator[8:16], "little"))
        record = file.read(56)
        file.seek(0)
        if record.startswith(b"PK\x06\x06") and len(record) == 56:
            entries = int.from_bytes(record[32:40], "little")
            directory = int.from_bytes(record[40:48], "little")
    return entries, directory


def zip_directory_problem(file, entries_left=ZIP_MAX_ENTRIES, kind=None):
    """Why the central directory of the ZIP `file` is not read, or None: it has more entries
    than `entries_left`, or is larger than ZIP_MAX_DIRECTORY_BYTES (zip_directory_size). The
    message names `kind` (a document's, DOCUMENT_KINDS), or by default a .zip's."""
    found = zip_directory_size(file)
    if found is None:
        return None
    entries, directory = found
    if kind is not None and (entries > entries_left or directory > ZIP_MAX_DIRECTORY_BYTES):
        return DOCUMENT_DIRECTORY_MESSAGE.format(kind=kind)
    if entries > entries_left:
        return f"压缩包中的文件超过 {ZIP_MAX_ENTRIES:,} 个，无法逐一检查，请分成几个压缩包上传。"
    if directory > ZIP_MAX_DIRECTORY_BYTES:
        return "压缩包的文件目录过大（文件过多或文件名过长），无法逐一检查，请分成几个压缩包上传。"
    return None


def _unpacked(archive, info):
    """The member `info` of `archive`, unpacked into a temporary file as it is read (in memory
    up to ZIP_SPOOL_MEMORY_BYTES, then on disk). zipfile stops at the size the member declares,
    which the caller has counted against its budget. Raises what reading a damaged ZIP raises."""
    import shutil
    import tempfile

    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_MEMORY_BYTES)
    try:
        with archive.open(info) as member:
            shutil.copyfileobj(member, spool, OLE_SCAN_CHUNK)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _archive_problem(archive, budget, depth=1, path=""):
    """Why what `archive` holds may not be published, or None; `budget` is what is left of the
    entries and bytes the check may read, shared by the archives inside."""
    import zipfile

    infos = archive.infolist()
    budget["unpacked"] -= sum(info.file_size for info in infos)
    if budget["unpacked"] < 0:
        return (
            f"压缩包解压后的文件合计超过 {ZIP_MAX_UNPACKED_BYTES / 1024**3:g} GB，不能作为附件发布"
            "（可能是“压缩炸弹”）：请分成几个压缩包上传。"
        )
    for info in infos:
        budget["entries"] -= 1
        if budget["entries"] < 0:
            return f"压缩包中的文件超过 {ZIP_MAX_ENTRIES:,} 个，无法逐一检查，请分成几个压缩包上传。"
        name = path + _member_name(info)
        extension = _extension(name)
        if info.is_dir():
            continue
        if extension in DANGEROUS_EXTENSIONS:
            return f"压缩包中含有可执行或网页类型的文件（{name}），不能作为附件发布。"
        if extension in MACRO_EXTENSIONS:
            return MACRO_IN_ZIP_MESSAGE.format(name=name)
        if extension in UNCHECKED_ARCHIVES:
            return f"压缩包中含有无法检查的其他压缩文件（{name}），请解压后把其中的文件直接放入 .zip 再上传。"
        if info.flag_bits & 0x1:
            return ENCRYPTED_MEMBER_MESSAGE.format(name=name)
        if extension in OFFICE_EXTENSIONS:
            problem = _office_member_problem(archive, info, budget, name)
            if problem:
                return problem
            continue
        if extension == "pdf":
            problem = _pdf_member_problem(archive, info, budget, name)
            if problem:
                return problem
            continue
        if extension != "zip":
            continue
        budget["bytes"] -= info.file_size
        if depth >= ZIP_MAX_DEPTH or budget["bytes"] < 0:
            return f"压缩包中的压缩文件（{name}）嵌套过深或过大，无法检查，请解压后把其中的文件直接放入 .zip 再上传。"
        try:
            with _unpacked(archive, info) as member:
                problem = zip_directory_problem(member, budget["entries"])
                if not problem:
                    with zipfile.ZipFile(member) as inner:
                        problem = _archive_problem(inner, budget, depth + 1, f"{name}/")
        except _unreadable():
            # Encrypted, damaged or packed in a way this cannot read: what it holds is unknown.
            return f"压缩包中的压缩文件（{name}）已加密或已损坏，无法检查其中的文件，请解压后把其中的文件直接放入 .zip 再上传。"
        if problem:
            return problem
    return None


def _office_member_problem(archive, info, budget, name):
    """Why the Office document `info` inside a .zip may not be published for its macros, or
    None. It is read like an archive inside (within the same bytes budget): content that is
    neither a ZIP nor an OLE2 file is left alone, as before."""
    budget["bytes"] -= info.file_size
    if budget["bytes"] < 0:
        return f"压缩包中的文件（{name}）合计过大，无法逐一检查其中的 Office 文件是否含宏，请分成几个压缩包上传。"
    kind = DOCUMENT_KINDS.get(_extension(name), "Office 文档")
    try:
        with _unpacked(archive, info) as member:
            problem = _macro_content_problem(member, budget, kind)
    except _unreadable():
        return f"压缩包中的 Office 文件（{name}）已加密或已损坏，无法检查是否含宏，请重新导出后再放入压缩包。"
    if problem == MACRO_CONTENT_MESSAGE:
        return MACRO_IN_ZIP_MESSAGE.format(name=name)
    if problem == DOCUMENT_DIRECTORY_MESSAGE.format(kind=kind):
        return DOCUMENT_IN_ZIP_DIRECTORY_MESSAGE.format(name=name, kind=kind)
    return problem and f"压缩包中的 Office 文件（{name}）：{problem}"


def _pdf_member_problem(archive, info, budget, name):
    """Why the PDF `info` inside a .zip may not be published, or None: as a PDF uploaded by
    itself (_pdf_problem), within the same bytes budget. A member named .pdf that does not
    start as one is left alone, as other members' content is."""
    budget["bytes"] -= info.file_size
    if budget["bytes"] < 0:
        return f"压缩包中的文件（{name}）合计过大，无法逐一检查其中的 PDF 能否打开，请分成几个压缩包上传。"
    try:
        with _unpacked(archive, info) as member:
            # Readers look for the header in the first 1024 bytes (ISO 32000-2, 7.5.2 and Annex H).
            problem = _pdf_problem(member) if b"%PDF-" in member.read(1024) else None
    except _unreadable():
        problem = PDF_DAMAGED_MESSAGE
    return problem and PDF_IN_ZIP_MESSAGES[problem].format(name=name)


def _unreadable():
    """What reading a ZIP or a member of it raises: damaged or truncated, encrypted
    (RuntimeError), packed in a way zipfile cannot unpack (NotImplementedError). An except
    clause evaluates this only when something is raised, so lzma is imported only then."""
    import lzma
    import zipfile
    import zlib

    return (
        zipfile.BadZipFile,
        RuntimeError,
        NotImplementedError,
        EOFError,
        OSError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
    )
