"""What an uploaded attachment really is, judged by its bytes (puremagic, ADR 0020).

An extension says nothing: an .exe renamed .pdf, HTML saved as .jpg or an SVG with a script
renamed .png would be handed to readers as what the name claims. Each allowed extension maps to
the container formats its files come in, and the content must be one of them."""

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
# Never part of a name, even before the real extension (a.exe.pdf, 通知.html.txt).
DANGEROUS_EXTENSIONS = {
    "exe",
    "com",
    "bat",
    "cmd",
    "scr",
    "pif",
    "msi",
    "dll",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "hta",
    "ps1",
    "jar",
    "sh",
    "html",
    "htm",
    "xhtml",
    "svg",
    "xml",
    "php",
    "jsp",
    "asp",
    "aspx",
    "lnk",
}
TEXT_SAMPLE_BYTES = 64 * 1024
# ZIP-based formats by what they hold: OOXML's main part, OFD's entry file (GB/T 33190 §7.1).
# A plain ZIP renamed .docx (or .ofd) is not one.
ZIP_ENTRY = {
    "docx": ("word/document.xml", "Word 文档"),
    "xlsx": ("xl/workbook.xml", "Excel 工作簿"),
    "pptx": ("ppt/presentation.xml", "PowerPoint 演示文稿"),
    "ofd": ("OFD.xml", "OFD 版式文档"),
}


def content_problem(file, extension):
    """Why `file` is not a `extension` file, or None. Reads the head and tail only."""
    stem_parts = file.name.lower().split(".")[1:-1]
    hidden = [part for part in stem_parts if part in DANGEROUS_EXTENSIONS]
    if hidden:
        return f"文件名含有可执行或网页类型的扩展名 .{hidden[0]}，请改名后再上传。"
    expected = CONTENT_BY_EXTENSION.get(extension)
    if expected is None:  # allowed by settings but unknown here: the extension check decides
        return None
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
        problem = None if not found else _describe(matches)
        if problem is None:
            problem = _text_problem(file.read(TEXT_SAMPLE_BYTES))
            file.seek(0)
        return problem and f"文件内容不是纯文本（{problem}），与扩展名 .{extension} 不符。"
    if found & expected:
        return _zip_problem(file, extension) if found & ZIP and expected & ZIP else None
    actual = _describe(matches) if matches else "无法识别的内容"
    sample = file.read(TEXT_SAMPLE_BYTES)
    file.seek(0)
    if sample.strip() and _text_problem(sample) is None:
        actual = "纯文本"  # puremagic reads English prose as odd formats ("GNU Info Reader file")
    return f"文件内容（{actual}）与扩展名 .{extension} 不符，请上传真正的 .{extension} 文件。"


def _describe(matches):
    best = max(matches, key=lambda match: match.confidence)
    return best.name or best.extension.lstrip(".").upper()


def _text_problem(sample):
    if b"\x00" in sample:
        return "含有二进制数据"
    text = None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError as error:
            if error.start > len(sample) - 4:  # a character cut at the sample's end
                text = sample[: error.start].decode(encoding)
                break
    if text is None:
        return "既不是 UTF-8 也不是 GB18030 编码"
    head = text.lstrip("\ufeff \t\r\n").lower()
    # What browsers sniff as markup (WHATWG MIME sniffing).
    if head.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml", "<iframe", "<body", "<head")):
        return "是网页或 XML 标记"
    return None


def _zip_problem(file, extension):
    """Why a ZIP is not the `extension` file it claims to be: unreadable, without the format's
    entry file, or (a .zip) carrying a program."""
    import zipfile

    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return f"文件已损坏（无法作为压缩包读取），请重新导出 .{extension} 文件后上传。"
    finally:
        file.seek(0)
    if extension in ZIP_ENTRY:
        entry, kind = ZIP_ENTRY[extension]
        if entry.lower() not in {name.lower() for name in names}:
            return f"文件内容不是{kind}（压缩包中没有 {entry}），与扩展名 .{extension} 不符。"
    if extension == "zip":
        hidden = [name for name in names if name.rsplit(".", 1)[-1].lower() in DANGEROUS_EXTENSIONS and "." in name]
        if hidden:
            return f"压缩包中含有可执行或网页类型的文件（{hidden[0]}），不能作为附件发布。"
    return None
