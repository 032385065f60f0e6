"""A batch's file as rows: a spreadsheet through its column mapping, or captured pages (one
page, or a ZIP of pages with their attachments)."""

import io
import logging
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from disclosures.uploads import ZIP_MAX_DIRECTORY_BYTES, zip_directory_size

from .captures import AttachmentRef, SourceRow, parse_page
from .spreadsheets import BadCell, ExcelNumber, open_sheet

logger = logging.getLogger(__name__)

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
# What reading one file out of a ZIP raises when it cannot be unpacked: a damaged entry (zipfile,
# and zlib or EOFError for damaged compressed data, which zipfile lets through), a password
# (RuntimeError) or a compression method zipfile does not have (Deflate64, as Windows writes
# large files: NotImplementedError).
_UNZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError)
_REZIP = "请解压后用 ZIP 格式（不设密码）重新压缩，再导入"


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
    return _zip(data, name, old_site)


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not marked UTF-8: Chinese Windows writes GBK names
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _unzip_problem(archive_name: str, info: zipfile.ZipInfo, inner: str, error: Exception) -> str:
    """Why the file `inner` of the ZIP `archive_name` cannot be unpacked, in words staff can act
    on: zipfile's exception tells them nothing, so it goes to the log only."""
    logger.info("imports: %s in %s cannot be unpacked: %r", inner, archive_name, error)
    where = f"压缩包“{posixpath.basename(archive_name)}”中的“{inner}”"
    if info.flag_bits & 0x1:
        return f"{where}设置了密码，无法解压：{_REZIP}。"
    if isinstance(error, NotImplementedError):
        return f"{where}使用了无法解压的压缩方式：{_REZIP}。"
    return f"{where}已损坏，无法解压：{_REZIP}；如果解压不了，请重新采集或向提供压缩包的单位重新索取。"


def _zip(data: bytes, name: str, old_site: str) -> Source:
    zip_file = f"压缩包“{posixpath.basename(name)}”"
    found = zip_directory_size(io.BytesIO(data))
    if found and found[0] > MAX_MEMBERS:
        raise SourceError(
            f"{zip_file}内文件过多（{found[0]:,} 个，上限 {MAX_MEMBERS:,}）：请分成几个压缩包，分批导入。"
        )
    if found and found[1] > ZIP_MAX_DIRECTORY_BYTES:
        raise SourceError(
            f"{zip_file}的文件目录过大（超过 {ZIP_MAX_DIRECTORY_BYTES // 1_000_000} MB：文件过多或文件名过长）："
            "请分成几个压缩包，分批导入。"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        logger.info("imports: %s cannot be opened as a ZIP: %r", name, error)
        raise SourceError(
            f"“{posixpath.basename(name)}”无法作为 ZIP 压缩包打开：文件可能已损坏、没有完整下载，"
            "或是改了扩展名的其他压缩格式（如 RAR、7z）。请重新下载，或用 ZIP 格式重新压缩后再导入。"
        ) from error
    if len(infos) > MAX_MEMBERS:
        raise SourceError(
            f"{zip_file}内文件过多（{len(infos):,} 个，上限 {MAX_MEMBERS:,}）：请分成几个压缩包，分批导入。"
        )
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise SourceError(f"{zip_file}解压后过大（超过 4 GB）：请分成几个压缩包，分批导入。")
    members = {}
    for info in infos:
        member = _member_name(info)
        base = posixpath.basename(member)
        if member.startswith("__MACOSX/") or base.startswith("."):
            continue
        members[posixpath.normpath(member)] = info
    pages = sorted(member for member in members if member.lower().endswith(PAGE_EXTENSIONS))
    if not pages:
        raise SourceError(
            f"{zip_file}里没有网页（.html、.htm、.shtml）或文本采集（.txt）：请确认压缩的是采集的网页或文本。"
        )
    by_base = {}
    for member in members:
        by_base.setdefault(posixpath.basename(member).lower(), []).append(member)

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
            except _UNZIP_ERRORS as error:
                yield SourceRow(number=number, place=page, error=_unzip_problem(name, members[page], page, error))
                continue
            row = parse_page(data, page, number=number, old_site=old_site)
            for ref in row.attachments:
                found = find(page, ref.href)
                if found and found != page:
                    try:
                        ref.data = archive.read(members[found])
                    except _UNZIP_ERRORS as error:
                        ref.data, ref.problem = None, _unzip_problem(name, members[found], found, error)
            yield row

    return Source(total=len(pages), rows=rows())
