"""The report's tables as CSV and XLSX: the same grids the HTML page shows (tables.sheets)."""

import csv
import io

from core.csv import BOM, cell

from .tables import Sheet


def sheet_rows(sheet: Sheet) -> list[list[str]]:
    """Caption, header rows, body rows: what each download holds for one table."""
    return [[sheet.caption], *sheet.flat_header(), *sheet.rows]


def report_csv(title: str, sheets: list[Sheet]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title])
    for sheet in sheets:
        writer.writerow([])
        for row in sheet_rows(sheet):
            writer.writerow([cell(value) for value in row])
    return BOM + out.getvalue()


def report_xlsx(title: str, sheets: list[Sheet]) -> bytes:
    # Imported here: openpyxl (with lxml and Pillow) adds ~23 MiB to every worker that loads it,
    # for a download few readers ask for.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for number, sheet in enumerate(sheets, start=1):
        ws = book.create_sheet(f"表{number}")
        ws.append([title])
        ws["A1"].font = Font(bold=True)
        for row in sheet_rows(sheet):
            # Cells are text as the page shows them ("未填写", "不适用" and 0 stay distinct);
            # a figure is stored as a number so it can be summed.
            ws.append([_number_or_text(value) for value in row])
        ws.column_dimensions["A"].width = 60
        for row in ws.iter_rows():
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number_or_text(value: str):
    # ASCII digits only: str.isdigit() also admits "²", which int() refuses (a 500 on download).
    if value.isascii() and value.isdigit():
        return int(value)
    if value.isascii() and value.replace(".", "", 1).isdigit():
        return float(value)
    return cell(value)
