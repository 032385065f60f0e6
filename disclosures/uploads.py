"""What an uploaded attachment really is, judged by its bytes (puremagic, ADR 0020).

An extension says nothing: an .exe renamed .pdf, HTML saved as .jpg or an SVG with a script
renamed .png would be handed to readers as what the name claims. Each allowed extension maps to
the container formats its files come in, and the content must be one of them."""

import io

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
# many bytes of inner archives are unpacked in all (each declared size is checked before reading,
# and reading stops at it).
ZIP_MAX_DEPTH = 3
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_NESTED_BYTES = 100 * 1024**2
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
    entry file, or (a .zip) carrying a program, in itself or in a .zip inside it."""
    import zipfile

    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            budget = {"entries": ZIP_MAX_ENTRIES, "bytes": ZIP_MAX_NESTED_BYTES}
            carried = _archive_problem(archive, budget) if extension == "zip" else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return f"文件已损坏（无法作为压缩包读取），请重新导出 .{extension} 文件后上传。"
    finally:
        file.seek(0)
    if extension in ZIP_ENTRY:
        entry, kind = ZIP_ENTRY[extension]
        if entry.lower() not in {name.lower() for name in names}:
            return f"文件内容不是{kind}（压缩包中没有 {entry}），与扩展名 .{extension} 不符。"
    return carried


def _extension(name) -> str:
    """The extension Windows sees: it drops a name's trailing dots and spaces (tool.exe. runs)."""
    base = name.rsplit("/", 1)[-1].rstrip(" .")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _archive_problem(archive, budget, depth=1, path=""):
    """Why what `archive` holds may not be published, or None; `budget` is what is left of the
    entries and bytes the check may read, shared by the archives inside."""
    import lzma
    import zipfile
    import zlib

    for info in archive.infolist():
        budget["entries"] -= 1
        if budget["entries"] < 0:
            return f"压缩包中的文件超过 {ZIP_MAX_ENTRIES:,} 个，无法逐一检查，请分成几个压缩包上传。"
        name, extension = path + info.filename, _extension(info.filename)
        if info.is_dir() or not extension:
            continue
        if extension in DANGEROUS_EXTENSIONS:
            return f"压缩包中含有可执行或网页类型的文件（{name}），不能作为附件发布。"
        if extension in UNCHECKED_ARCHIVES:
            return f"压缩包中含有无法检查的其他压缩文件（{name}），请解压后把其中的文件直接放入 .zip 再上传。"
        if extension != "zip":
            continue
        budget["bytes"] -= info.file_size
        if depth >= ZIP_MAX_DEPTH or budget["bytes"] < 0:
            return f"压缩包中的压缩文件（{name}）嵌套过深或过大，无法检查，请解压后把其中的文件直接放入 .zip 再上传。"
        try:
            with zipfile.ZipFile(io.BytesIO(archive.read(info))) as inner:
                problem = _archive_problem(inner, budget, depth + 1, f"{name}/")
        except (
            zipfile.BadZipFile,
            RuntimeError,
            NotImplementedError,
            EOFError,
            OSError,
            ValueError,
            zlib.error,
            lzma.LZMAError,
        ):
            # Encrypted, damaged or packed in a way this cannot read: what it holds is unknown.
            return f"压缩包中的压缩文件（{name}）已加密或已损坏，无法检查其中的文件，请解压后把其中的文件直接放入 .zip 再上传。"
        if problem:
            return problem
    return None
