"""Spreadsheets as rows of {header: value}: CSV in any of the encodings of imports.encodings,
and XLSX through openpyxl (read-only, so a 100k-row file is streamed), including the header
blocks offices make: a title row above, group headers merged across columns (日期 over 成文 |
发布), and headers merged down two rows. Row numbers are the file's own, as staff see them."""

import csv
import datetime as dt
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from core.dates import FIRST_YEAR, LAST_YEAR
from disclosures.uploads import (
    OLE2_SIGNATURE,
    ZIP_MAX_DIRECTORY_BYTES,
    ZIP_MAX_ENTRIES,
    password_protected,
    zip_directory_size,
)

from .encodings import EncodingError, decode
from .fields import field_for_header

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 12
# The sheet is read once while the upload waits (for merged header cells): bounded, so that a
# small file that unpacks to gigabytes is refused rather than holding a worker.
XLSX_MAX_UNPACKED_BYTES = 400 * 1024**2
# A workbook is a few parts a sheet: what an attachment's document may have is plenty.
XLSX_MAX_PARTS = ZIP_MAX_ENTRIES
# What openpyxl raises on a damaged workbook: zip, compressed data (zlib.error, EOFError: zipfile
# lets them through), XML (SyntaxError covers both XML parsers' errors) and a structure it does
# not expect (no sheet, a missing part).
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,
    IndexError,
    SyntaxError,
    TypeError,
    AttributeError,
)
_RESAVE = "请在 Excel 或 WPS 中打开，另存为 .xlsx 或 CSV 后再导入"


class SheetError(ValueError):
    """The file as a whole cannot be read: the message says why."""


@dataclass(frozen=True)
class BadCell:
    """A cell that holds no value to import, and why (a formula never calculated, an Excel error
    value): its row is refused when its column is imported (imports.sources)."""

    message: str


class ExcelNumber(str):
    """A number cell as its digits (a 索引号 or 浏览次数 typed as a number), with the Excel date the
    number counts (`moment`) when that falls in FIRST_YEAR..LAST_YEAR: a date typed in a cell of
    General format, which a date column reads as that date (imports.sources)."""

    def __new__(cls, text, number, epoch):
        cell = super().__new__(cls, text)
        cell.number, cell.epoch = number, epoch
        return cell

    @property
    def moment(self) -> dt.datetime | None:
        from openpyxl.utils.datetime import from_excel

        try:
            value = from_excel(self.number, self.epoch)
        except (OverflowError, ValueError, TypeError):  # 20230616 or seconds since 1970: no serial
            return None
        return value if isinstance(value, dt.datetime) and FIRST_YEAR <= value.year <= LAST_YEAR else None


@dataclass
class Sheet:
    headers: list[str]
    total: int
    rows: Iterator[tuple[int, dict]]  # (row number in the file, {header: value})
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def open_sheet(data: bytes, name: str) -> Sheet:
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):  # macros are never run, only values read (imports.sources)
        return _xlsx(data, name)
    if lower.endswith(".xls"):
        raise SheetError("不支持旧版 .xls 文件：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。")
    return _csv(data, name)


def _unique(headers) -> list[str]:
    seen, out = {}, []
    for i, header in enumerate(headers, start=1):
        header = re.sub(r"\s+", " ", str(header or "")).strip() or f"第{i}列"
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header}（{seen[header]}）")
    return out


def _score(names) -> int:
    return sum(1 for name in names if name and field_for_header(name))


# --- CSV -----------------------------------------------------------------------------------


def _csv(data: bytes, name: str) -> Sheet:
    try:
        decoded = decode(data, name="文件")
    except EncodingError as error:
        raise SheetError(str(error)) from error
    text = decoded.text
    # The csv module refuses a cell over 131,072 characters, and with it the whole file; a 正文
    # may be up to RICH_TEXT_MAX_CHARACTERS (and a longer one is refused in its own row, by
    # imports.rows, naming the field and the limit). No cell is longer than the text, which is
    # already in memory, so that is the bound. (The limit is the module's: it only ever grows.)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    head = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for _ in range(HEADER_SEARCH_ROWS):
            head.append((reader.line_num + 1, next(reader)))
    except StopIteration:
        pass
    except csv.Error as error:
        raise SheetError(f"CSV 格式错误（第 {reader.line_num} 行）：{_csv_error(error)}") from error
    candidates = [(i, row) for i, (_, row) in enumerate(head) if any(cell.strip() for cell in row)]
    if not candidates:
        raise SheetError("文件是空的：没有表头，也没有数据行。")
    best = max(candidates, key=lambda item: (_score(item[1]), -item[0]))
    header_index = best[0] if _score(best[1]) else candidates[0][0]
    headers = _unique(head[header_index][1])
    skip = header_index + 1
    total = 0
    counter = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for i, row in enumerate(counter):
            if i >= skip and any(cell.strip() for cell in row):
                total += 1
    except csv.Error as error:
        raise SheetError(f"CSV 格式错误（第 {counter.line_num} 行）：{_csv_error(error)}") from error

    def rows():
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        index = 0
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield start, {"__error__": f"CSV 格式错误：{_csv_error(error)}"}
                return
            index += 1
            if index <= skip or not any(cell.strip() for cell in row):
                continue
            values = dict(zip(headers, row))
            if len(row) > len(headers) and any(cell.strip() for cell in row[len(headers) :]):
                values["__error__"] = (
                    f"这一行有 {len(row)} 列，比表头多 {len(row) - len(headers)} 列（可能是引号不成对）。"
                )
            elif (
                len(row) < len(headers)
                and reader.line_num > start
                and any(delimiter in cell.partition("\n")[2] for cell in row)
            ):
                # A quote opened and never closed swallows the lines after it into one cell: a
                # cell running over lines that hold the delimiter, in a row short of columns.
                values["__error__"] = (
                    f"第 {start}–{reader.line_num} 行被读成了一行，且比表头少 {len(headers) - len(row)} 列："
                    "可能是某一格的引号不成对，这几行都未导入。"
                )
            yield start, values

    notes = [decoded.note] if decoded.note else []
    return Sheet(headers=headers, total=total, rows=rows(), encoding=decoded.encoding, notes=notes)


def _csv_error(error: csv.Error) -> str:
    """The csv module's message, in Chinese where it is one a legacy export can cause."""
    if "new-line character seen in unquoted field" in str(error):
        return "未加引号的单元格中有单独的回车符（旧式换行）：请在 Excel 或 WPS 中打开后另存为 CSV 再导入。"
    return str(error)


# --- XLSX ----------------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ch - 64)
    return number


def _merged_ranges(ws) -> tuple[list[tuple[int, int, int, int]], bool]:
    """(min_row, min_col, max_row, max_col) of the sheet's merged ranges, header and data rows
    alike, and whether any cell holds a formula. Read-only worksheets do not parse merges, so
    they are read from the sheet's XML (they follow the rows)."""
    ranges, tail, formulas = [], b"", False
    with ws._get_source() as source:
        while chunk := source.read(1 << 20):
            buffer = tail + chunk
            for match in _MERGE.finditer(buffer):
                c1, r1, c2, r2 = match.groups()
                ranges.append((int(r1), _column_number(c1), int(r2), _column_number(c2)))
            formulas = formulas or bool(_FORMULA.search(buffer))
            tail = buffer[-200:]
    return sorted(set(ranges)), formulas


class _MergedFill:
    """Gives each cell of a merged range in the data rows its first cell's value. A read-only
    sheet yields the value in the range's first cell only and None in the others, so a 发布机构
    or 发布日期 merged down over several rows would reach only the first of them (the others got
    the batch's default agency, or no date). Rows come in order, so the first cell is always
    read before the rest of its range."""

    def __init__(self, merges, data_start, head):
        self.starting = {}  # row → (first cell, first column, last row, last column) of ranges starting there
        self.values = {}  # first cell (row, column) → its value
        for r1, c1, r2, c2 in merges:
            if r2 < data_start or (r1 == r2 and c1 == c2):
                continue
            if r1 < data_start:  # begun above the data (rare): its value is in the header area
                self.values[(r1, c1)] = head[r1 - 1][c1 - 1] if r1 <= len(head) and c1 <= len(head[r1 - 1]) else None
            self.starting.setdefault(max(r1, data_start), []).append(((r1, c1), c1, r2, c2))
        self.active = []

    def __call__(self, number, row) -> tuple:
        if not self.starting and not self.active:
            return row
        self.active = [m for m in self.active if m[2] >= number] + self.starting.get(number, [])
        if not self.active:
            return row
        row = list(row)
        for first, c1, _, c2 in self.active:
            if first not in self.values:  # this is the range's first row
                self.values[first] = row[c1 - 1] if c1 <= len(row) else None
            row.extend([None] * (c2 - len(row)))
            row[c1 - 1 : c2] = [self.values[first]] * (c2 - c1 + 1)
        return tuple(row)


def _text(value) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _combined(parent: str, child: str) -> str:
    """The name of a column under a two-row header: the child if it is known, else the
    combination that is (日期 over 成文 → 成文日期), else both, for the mapping screen."""
    if not parent or parent == child:
        return child
    if not child:
        return parent
    for name in (child, child + parent, parent + child, parent):
        if field_for_header(name):
            return name
    return f"{parent}/{child}"


def _xlsx(data: bytes, name: str) -> Sheet:
    # Before zipfile (and openpyxl, through it) builds an object for every directory entry.
    found = zip_directory_size(io.BytesIO(data))
    if found and (found[0] > XLSX_MAX_PARTS or found[1] > ZIP_MAX_DIRECTORY_BYTES):
        raise SheetError(
            f"“{PurePath(name).name}”的内部目录过大（部件超过 {XLSX_MAX_PARTS:,} 个或名称过长），无法导入："
            "请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入。"
        )
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except _XLSX_ERRORS as error:
        raise _unreadable(data, name, error) from error
    if not any(part.filename.startswith("xl/") for part in parts):  # a .docx, or any ZIP, renamed
        raise _not_a_workbook(name)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise SheetError(
            f"“{PurePath(name).name}”解压后超过 {XLSX_MAX_UNPACKED_BYTES >> 20} MB：请拆成几个文件，或另存为 CSV 后再导入。"
        )
    from openpyxl import load_workbook  # only for a workbook that passed the checks (MBs)

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return _xlsx_sheet(workbook, *_sheet_to_read(workbook), data=data)
    except SheetError:
        raise
    except _XLSX_ERRORS as error:
        raise _unreadable(data, name, error) from error


def _sheet_to_read(workbook) -> tuple:
    """The sheet staff see on opening the file, else the first they can see (and which of the
    two it is, for the note): a hidden sheet is old or working data someone hid, never what
    they meant to import."""
    if not workbook.worksheets:  # none listed, or its part missing: a damaged file
        raise IndexError("no worksheet")
    visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise SheetError("工作簿中所有工作表都已隐藏：请在 Excel 或 WPS 中取消隐藏要导入的工作表后再导入。")
    try:
        active = workbook.active
    except IndexError:  # an activeTab past the last sheet
        active = None
    if any(ws is active for ws in visible):
        return active, "打开文件时显示的工作表"
    return visible[0], "第一个未隐藏的工作表"


def _unreadable(data: bytes, name: str, error: Exception) -> SheetError:
    """Why a workbook cannot be read, in words staff can act on: the reader's exception tells
    them nothing, so it goes to the log only."""
    logger.info("imports: %s cannot be read as a workbook: %r", name, error)
    file = f"“{PurePath(name).name}”"
    # A workbook saved with an 打开密码 is no ZIP but a compound file, as an old .xls renamed is.
    if password_protected(data):
        return SheetError(f"{file}设置了打开密码，无法读取：请在 Excel 或 WPS 中取消打开密码后另存，再导入。")
    if data.startswith(OLE2_SIGNATURE):
        return SheetError(f"{file}实际是旧版 Excel（.xls）等格式的文件，只是扩展名为 .xlsx：{_RESAVE}。")
    if not data.startswith(b"PK"):
        return _not_a_workbook(name)
    return SheetError(
        f"{file}已损坏（可能没有完整下载或保存），无法读取：{_RESAVE}；如果打不开，请向提供文件的单位重新索取。"
    )


def _not_a_workbook(name: str) -> SheetError:
    return SheetError(f"“{PurePath(name).name}”不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件：{_RESAVE}。")


def _xlsx_sheet(workbook, ws, which, *, data: bytes) -> Sheet:
    notes = []
    if len(workbook.worksheets) > 1:
        hidden = "、".join(f"“{other.title}”" for other in workbook.worksheets if other.sheet_state != "visible")
        notes.append(
            f"工作簿有 {len(workbook.worksheets)} 个工作表，只导入“{ws.title}”（{which}）"
            + (f"；隐藏的工作表{hidden}未导入。" if hidden else "。")
        )
    head = [list(row) for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True)]
    width = max((len(row) for row in head), default=0)
    grid = [[_text(v) for v in row] + [""] * (width - len(row)) for row in head]
    all_merges, has_formulas = _merged_ranges(ws)
    merges = [merge for merge in all_merges if merge[0] <= HEADER_SEARCH_ROWS]
    title_rows = set()
    for r1, c1, r2, c2 in merges:
        value = grid[r1 - 1][c1 - 1] if r1 - 1 < len(grid) and c1 - 1 < width else ""
        if c1 == 1 and c2 >= width and r1 == r2:
            title_rows.add(r1)  # a title across the whole sheet, not a header
        for r in range(r1, min(r2, len(grid)) + 1):
            for c in range(c1, min(c2, width) + 1):
                grid[r - 1][c - 1] = value
    if not grid or not any(any(row) for row in grid):
        raise SheetError("工作表是空的：没有表头，也没有数据行。")

    options = []
    for i, row in enumerate(grid):
        number = i + 1
        if number in title_rows or not any(row):
            continue
        options.append((_score(row), 0, number, row, 1))
        if i + 1 < len(grid) and any(grid[i + 1]):
            grouped = any(r1 == number and (c2 > c1 or r2 > r1) for r1, c1, r2, c2 in merges if r1 not in title_rows)
            if grouped:
                pair = [_combined(p, c) for p, c in zip(row, grid[i + 1])]
                options.append((_score(pair), 1, number, pair, 2))
    score, _, first, names, height = max(options, key=lambda o: (o[0], o[1], -o[2]))
    if not score:
        first, names, height = next((o[2], o[3], 1) for o in options)
    headers = _unique(names)
    data_start = first + height
    total = max(0, (ws.max_row or 0) - data_start + 1)

    fill = _MergedFill(all_merges, data_start, head)
    formulas = None
    if has_formulas:
        # The values workbook reads a formula nobody calculated (a file a script wrote) as empty;
        # the same sheet read for its formulas, row for row beside it (streamed too), tells them apart.
        from openpyxl import load_workbook

        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    cell = _cell_reader(workbook.epoch)

    def rows():
        number = data_start
        formula_rows = formulas[ws.title].iter_rows(min_row=data_start) if formulas else None
        try:
            for number, cells in enumerate(ws.iter_rows(min_row=data_start), start=data_start):
                shapes = next(formula_rows, ()) if formula_rows else ()
                row = tuple(_value(c, shapes[i] if i < len(shapes) else None) for i, c in enumerate(cells))
                filled = fill(number, row)
                # A row with nothing of its own (a note merged over several rows) is still empty.
                if not any(value not in (None, "") for value in row):
                    continue
                yield number, {h: cell(v, number, h) for h, v in zip(headers, filled)}
        except _XLSX_ERRORS as error:  # damaged further down than the header: the rows before it stand
            logger.info("imports: workbook damaged from row %s: %r", number + 1, error)
            yield number + 1, {"__error__": f"从这一行起文件已损坏，无法读取这一行及以后各行：{_RESAVE}。"}
        finally:
            workbook.close()
            if formulas:
                formulas.close()

    return Sheet(headers=headers, total=total, rows=rows(), encoding="XLSX", notes=notes)


class _ErrorValue(str):
    """An Excel error value (#N/A, #REF!, …): the text of a failed formula, not the cell's content."""


_NO_RESULT = object()  # a formula saved without its calculated value


def _value(cell, formula_cell):
    if cell.data_type == "e":
        return _ErrorValue(cell.value)
    # A formula whose text result is empty is saved as type "str" with an empty value: that one
    # was calculated, to nothing.
    if cell.value is None and formula_cell is not None and formula_cell.data_type == "f" and cell.data_type != "str":
        return _NO_RESULT
    return cell.value


def _cell_reader(epoch):
    def cell(value, number, header):
        if value is _NO_RESULT:
            return BadCell(f"第{number}行“{header}”是公式，文件中没有计算结果：请在 Excel/WPS 中打开并另存后再导入。")
        if isinstance(value, _ErrorValue):
            return BadCell(f"第{number}行“{header}”是错误值 {value}（公式出错）：请在源文件中改正这一格后再导入。")
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, (int, float)):
            text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            return ExcelNumber(text, value, epoch)
        return value  # text, or a date/datetime the row parser reads as such

    return cell
