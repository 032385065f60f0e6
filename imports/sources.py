"""A batch's file as rows: a spreadsheet through its column mapping, or captured pages (one
page, or a ZIP of pages with their attachments)."""

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from disclosures.uploads import ZIP_MAX_DIRECTORY_BYTES, zip_directory_size

from .captures import AttachmentRef, SourceRow, parse_page
from .spreadsheets import BadCell, ExcelNumber, open_sheet

# .xlsm is taken for import although attachments refuse it (ADR 0118): openpyxl reads cell values
# only and never runs a macro, and the batch file is never served (imports.models); the macros
# stay in the file. An attachment named in a row or in a captured page is checked as every
# attachment is (imports.rows → validate_attachment), so none with macros is published.
SPREADSHEET_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls")
PAGE_EXTENSIONS = (".html", ".htm", ".shtml", ".txt")
# Counted, with the directory's size, from the ZIP's end record before zipfile builds ~500 bytes
# of objects for each entry (zip_directory_size): a capture of more is imported in batches.
MAX_MEMBERS = 50_000
MAX_UNPACKED_BYTES = 4 * 1024**3
DATE_FIELDS = ("written_date", "published_at", "effective_date", "invalid_date")


class SourceError(ValueError):
    pass


@dataclass
class Source:
    total: int
    rows: Iterator[SourceRow]
    headers: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    encoding: str = ""


def kind_for(name: str) -> str:
    lower = name.lower()
    if lower.endswith(SPREADSHEET_EXTENSIONS):
        return "spreadsheet"
    if lower.endswith(PAGE_EXTENSIONS + (".zip",)):
        return "pages"
    raise SourceError("不支持的文件类型：请上传 CSV、XLSX 表格，或采集的网页（HTML、文本）及其 ZIP 压缩包。")


def spreadsheet_rows(sheet, mapping: dict) -> Iterator[SourceRow]:
    for number, cells in sheet.rows:
        row = SourceRow(number=number)
        errors = [cells["__error__"]] if "__error__" in cells else []
        for header, value in cells.items():
            name = mapping.get(header)
            if not name or value in (None, ""):
                continue
            if isinstance(value, BadCell):  # only in a column imported: another is no one's concern
                errors.append(value.message)
                continue
            if name in DATE_FIELDS and isinstance(value, ExcelNumber) and value.moment:
                value = value.moment  # 45356 in a cell of General format: the date Excel counts
            if name == "attachments":
                for item in str(value).replace("；", ";").split(";"):
                    if item.strip():
                        title = posixpath.splitext(item.strip().rsplit("/", 1)[-1])[0]
                        row.attachments.append(AttachmentRef(title=title, href=item.strip()))
            elif name not in row.values:
                row.values[name] = value
        row.error = " ".join(errors)
        yield row


def open_source(data: bytes, name: str, *, kind: str, mapping: dict | None = None, old_site: str = "") -> Source:
    if kind == "spreadsheet":
        sheet = open_sheet(data, name)
        return Source(
            total=sheet.total,
            rows=spreadsheet_rows(sheet, mapping or {}),
            headers=sheet.headers,
            notes=sheet.notes,
            encoding=sheet.encoding,
        )
    if not name.lower().endswith(".zip"):
        return Source(total=1, rows=iter([parse_page(data, name, old_site=old_site)]))
    return _zip(data, old_site)


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not marked UTF-8: Chinese Windows writes GBK names
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _zip(data: bytes, old_site: str) -> Source:
    found = zip_directory_size(io.BytesIO(data))
    if found and found[0] > MAX_MEMBERS:
        raise SourceError(f"压缩包内文件过多（{found[0]:,} 个，上限 {MAX_MEMBERS:,}）：请分成几个压缩包，分批导入。")
    if found and found[1] > ZIP_MAX_DIRECTORY_BYTES:
        raise SourceError(
            f"压缩包的文件目录过大（超过 {ZIP_MAX_DIRECTORY_BYTES // 1_000_000} MB：文件过多或文件名过长）："
            "请分成几个压缩包，分批导入。"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"无法打开这个 ZIP 文件：{error}") from error
    if len(infos) > MAX_MEMBERS:
        raise SourceError(f"压缩包内文件过多（{len(infos):,} 个，上限 {MAX_MEMBERS:,}）：请分成几个压缩包，分批导入。")
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise SourceError("压缩包解压后过大（超过 4 GB），请分批导入。")
    members = {}
    for info in infos:
        name = _member_name(info)
        base = posixpath.basename(name)
        if name.startswith("__MACOSX/") or base.startswith("."):
            continue
        members[posixpath.normpath(name)] = info
    pages = sorted(name for name in members if name.lower().endswith(PAGE_EXTENSIONS))
    if not pages:
        raise SourceError("压缩包里没有网页（.html、.htm、.shtml）或文本采集（.txt）。")
    by_base = {}
    for name in members:
        by_base.setdefault(posixpath.basename(name).lower(), []).append(name)

    def find(page, href):
        path = unquote(urlsplit(href).path) if "://" in href else unquote(href.split("?")[0].split("#")[0])
        candidates = [
            posixpath.normpath(posixpath.join(posixpath.dirname(page), path.lstrip("/") if "://" in href else path))
        ]
        if path.startswith("/"):
            candidates.append(posixpath.normpath(path.lstrip("/")))
        for candidate in candidates:
            if candidate in members:
                return candidate
        same = by_base.get(posixpath.basename(path).lower(), [])
        return same[0] if len(same) == 1 else None

    def rows():
        for number, page in enumerate(pages, start=1):
            try:
                data = archive.read(members[page])
            except (zipfile.BadZipFile, OSError, RuntimeError) as error:
                yield SourceRow(number=number, place=page, error=f"无法解压：{error}")
                continue
            row = parse_page(data, page, number=number, old_site=old_site)
            for ref in row.attachments:
                found = find(page, ref.href)
                if found and found != page:
                    try:
                        ref.data = archive.read(members[found])
                    except (zipfile.BadZipFile, OSError, RuntimeError):
                        ref.data = None
            yield row

    return Source(total=len(pages), rows=rows())
