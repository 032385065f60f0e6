"""An XLSX the way offices make them: a title row across the sheet, group headers merged over
two columns (日期 over 成文 | 发布), headers merged down two rows, real date cells, and a column
no one can guess (备注), which the mapping screen settles."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from imports import services
from imports.models import ImportBatch, RowResult
from imports.spreadsheets import open_sheet

pytestmark = pytest.mark.django_db


def office_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws["A1"] = "昆明市官渡区政府信息公开目录（2022年）"
    ws.merge_cells("A1:K1")
    for column, name in zip("ABCFIJK", ["索引号", "名称", "发布机构", "文号", "正文", "原网址", "备注"]):
        ws[f"{column}2"] = name
        ws.merge_cells(f"{column}2:{column}3")
    ws["D2"], ws["D3"], ws["E3"] = "日期", "成文", "发布"
    ws.merge_cells("D2:E2")
    ws["G2"], ws["G3"], ws["H3"] = "分类", "主题分类", "体裁"
    ws.merge_cells("G2:H2")
    rows = [
        [
            "015117762-202203-000301",
            "关于做好2022年社区两委换届工作的通知",
            "昆明市官渡区民政局",
            dt.date(2022, 3, 1),
            dt.datetime(2022, 3, 3, 9, 30),
            "官民通〔2022〕5号",
            "民政、扶贫、救灾",
            "通知",
            "<p>各街道：请做好换届工作。</p>",
            "http://www.kmgd.gov.cn/art/2022/3/3/art_1_301.html",
            "已核",
        ],
        [
            "015117762-202204-000302",
            "关于下达2022年社区工作经费的通知",
            "昆明市官渡区人民政府办公室",
            dt.date(2022, 4, 1),
            dt.datetime(2022, 4, 6, 15, 0),
            "",
            "财政、金融、审计",
            "",
            "下达社区工作经费40万元。\n请及时拨付。",
            "http://www.kmgd.gov.cn/art/2022/4/6/art_1_302.html",
            "",
        ],
    ]
    for offset, row in enumerate(rows):
        for column, value in zip("ABCDEFGHIJK", row):
            ws[f"{column}{4 + offset}"] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_merged_headers_are_read_as_the_office_meant_them():
    sheet = open_sheet(office_workbook(), "目录.xlsx")
    assert sheet.headers == [
        "索引号",
        "名称",
        "发布机构",
        "成文日期",
        "发布日期",
        "文号",
        "主题分类",
        "体裁",
        "正文",
        "原网址",
        "备注",
    ]
    rows = list(sheet.rows)
    assert [n for n, _ in rows] == [4, 5]  # the file's own row numbers
    assert (
        rows[0][1]["成文日期"] == dt.datetime(2022, 3, 1) and rows[1][1]["名称"] == "关于下达2022年社区工作经费的通知"
    )


def test_an_unknown_column_waits_for_the_mapping_then_imports(vocab, importer):
    batch = services.batch_create(user=importer, name="目录.xlsx", data=office_workbook(), source_system="大汉旧站")
    assert batch.status == ImportBatch.Status.NEEDS_MAPPING
    assert batch.report["unknown_headers"] == ["备注"]
    with pytest.raises(services.ValidationError, match="请先确认列对应"):
        services.batch_start(batch=batch, user=importer, action="dry_run")
    services.batch_set_mapping(batch=batch, user=importer, columns={**batch.column_mapping, "备注": ""}, values={})
    services.batch_start(batch=batch, user=importer, action="dry_run")
    services.batch_start(batch=batch, user=importer, action="run")
    results = RowResult.objects.filter(batch=batch, dry_run=False)
    assert [r.action for r in results] == ["create", "create"]
    record = results[1].record
    assert record.body == "<p>下达社区工作经费40万元。</p>\n<p>请及时拨付。</p>"
    assert record.genre.name == "通知"  # no 体裁 given: a 公文 title ends in its 文种 (…的通知)
    assert record.written_date == dt.date(2022, 4, 1) and timezone.localtime(record.published_at).hour == 15


def test_the_next_batch_of_the_same_source_remembers_the_mapping(vocab, importer):
    first = services.batch_create(user=importer, name="目录.xlsx", data=office_workbook(), source_system="大汉旧站")
    services.batch_set_mapping(batch=first, user=importer, columns={**first.column_mapping, "备注": ""}, values={})
    second = services.batch_create(user=importer, name="目录2.xlsx", data=office_workbook(), source_system="大汉旧站")
    assert second.status == ImportBatch.Status.READY and second.column_mapping["备注"] == ""


def test_a_broken_xlsx_is_refused_with_a_reason(vocab, importer):
    with pytest.raises(services.ValidationError) as error:
        services.batch_create(user=importer, name="目录.xlsx", data=b"PK\x03\x04 not really", source_system="x")
    assert "“目录.xlsx”已损坏" in error.value.message_dict["file"][0]


def merged_rows_workbook() -> bytes:
    """发布机构 and 发布日期 merged down over three records, as offices do for one day's documents."""
    wb = Workbook()
    ws = wb.active
    ws.append(["来源编号", "名称", "正文", "发布机构", "发布日期", "主题分类"])
    for i in range(1, 4):
        ws.append([f"m-{i}", f"同日发布之{i}", f"<p>正文{i}</p>", None, None, "民政、扶贫、救灾"])
    ws["D2"], ws["E2"] = "昆明市官渡区民政局", dt.datetime(2019, 6, 3, 9, 0)
    ws.merge_cells("D2:D4")
    ws.merge_cells("E2:E4")
    ws.append(["m-4", "另一天发布", "<p>正文4</p>", "昆明市官渡区人民政府办公室", dt.datetime(2019, 6, 4), ""])
    ws["F5"] = "综合政务"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_value_merged_down_over_data_rows_reaches_every_row_of_the_range(vocab, importer):
    rows = dict(open_sheet(merged_rows_workbook(), "目录.xlsx").rows)
    assert [rows[n]["发布机构"] for n in (2, 3, 4)] == ["昆明市官渡区民政局"] * 3
    assert [rows[n]["发布日期"] for n in (2, 3, 4)] == [dt.datetime(2019, 6, 3, 9, 0)] * 3
    assert rows[5]["发布机构"] == "昆明市官渡区人民政府办公室"  # the range ends where it ends

    batch = services.batch_create(user=importer, name="目录.xlsx", data=merged_rows_workbook(), source_system="合并")
    services.batch_start(batch=batch, user=importer, action="dry_run")
    services.batch_start(batch=batch, user=importer, action="run")
    records = [r.record for r in RowResult.objects.filter(batch=batch, dry_run=False).order_by("number")]
    assert [r.publisher.name for r in records[:3]] == ["昆明市官渡区民政局"] * 3
    assert {timezone.localtime(r.published_at).date() for r in records[:3]} == {dt.date(2019, 6, 3)}


def test_a_value_merged_across_data_columns_fills_each_of_them():
    wb = Workbook()
    ws = wb.active
    ws.append(["来源编号", "名称", "内容概述", "正文"])
    ws.append(["a-1", "关于甲事项的通知", "甲事项", None])
    ws.merge_cells("C2:D2")
    buffer = io.BytesIO()
    wb.save(buffer)
    (_, row), *_ = open_sheet(buffer.getvalue(), "目录.xlsx").rows
    assert row["内容概述"] == row["正文"] == "甲事项"


def workbook_of(*sheets, active=None) -> bytes:
    """A workbook of (title, state, rows) sheets, `active` the index of the one shown on opening."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, state, rows in sheets:
        ws = wb.create_sheet(title)
        ws.sheet_state = state
        for row in rows:
            ws.append(row)
    if active is not None:
        wb.active = active
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADERS = ["来源编号", "名称", "发布机构", "主题分类"]


def test_a_hidden_first_sheet_is_never_read():
    old = [HEADERS, ["o1", "旧数据里的通知", "昆明市官渡区民政局", "综合政务"]]
    new = [HEADERS, ["n1", "关于新事项的通知", "昆明市官渡区民政局", "综合政务"]]
    for state in ("hidden", "veryHidden"):
        sheet = open_sheet(workbook_of(("旧数据", state, old), ("数据", "visible", new), active=1), "a.xlsx")
        assert [values["名称"] for _, values in sheet.rows] == ["关于新事项的通知"]
        assert sheet.notes == [
            "工作簿有 2 个工作表，只导入“数据”（打开文件时显示的工作表）；隐藏的工作表“旧数据”未导入。"
        ]


def test_the_sheet_shown_on_opening_is_read_not_the_first():
    sheets = [
        (f"表{i}", "visible", [HEADERS, [f"s{i}", f"第{i}个表的通知", "昆明市官渡区民政局", "综合政务"]])
        for i in (1, 2, 3)
    ]
    sheet = open_sheet(workbook_of(*sheets, active=1), "a.xlsx")
    assert [values["名称"] for _, values in sheet.rows] == ["第2个表的通知"]
    assert sheet.notes == ["工作簿有 3 个工作表，只导入“表2”（打开文件时显示的工作表）。"]


def with_workbook_xml(data: bytes, change) -> bytes:
    """The workbook with xl/workbook.xml changed as openpyxl will not write it (a hidden sheet
    active, every sheet hidden), as other programs can."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            target.writestr(info, change(part.decode()).encode() if info.filename == "xl/workbook.xml" else part)
    return out.getvalue()


def test_the_first_visible_sheet_when_the_active_one_is_hidden():
    import re

    data = workbook_of(
        ("旧数据", "hidden", [HEADERS]), ("数据", "visible", [HEADERS]), ("草稿", "veryHidden", [HEADERS])
    )
    data = with_workbook_xml(data, lambda xml: re.sub(r'activeTab="\d+"', 'activeTab="0"', xml))
    sheet = open_sheet(data, "a.xlsx")
    assert sheet.notes == [
        "工作簿有 3 个工作表，只导入“数据”（第一个未隐藏的工作表）；隐藏的工作表“旧数据”、“草稿”未导入。"
    ]


def test_a_workbook_with_every_sheet_hidden_is_refused():
    from imports.spreadsheets import SheetError

    data = workbook_of(("旧数据", "hidden", [HEADERS]), ("数据", "visible", [HEADERS]))
    data = with_workbook_xml(data, lambda xml: xml.replace('state="visible"', 'state="hidden"'))
    with pytest.raises(SheetError, match="所有工作表都已隐藏"):
        open_sheet(data, "a.xlsx")


def source_rows(ws_rows, mapping=None, change_sheet=None):
    from imports.sources import open_source

    data = workbook_of(("数据", "visible", ws_rows))
    if change_sheet:
        data = with_part(data, "xl/worksheets/sheet1.xml", change_sheet)
    headers = ws_rows[0]
    mapping = mapping or {h: f for h, f in zip(headers, ["source_id", "title", "written_date", "published_at", ""])}
    return {row.number: row for row in open_source(data, "a.xlsx", kind="spreadsheet", mapping=mapping).rows}


def with_part(data: bytes, name: str, change) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            target.writestr(info, change(part.decode()).encode() if info.filename == name else part)
    return out.getvalue()


CELLS = ["来源编号", "名称", "成文日期", "发布日期", "备注"]


def test_a_formula_without_its_calculated_value_is_named_not_read_as_empty():
    rows = source_rows(
        [
            CELLS,
            ["f1", '=CONCATENATE("关于","通知")', "2024-03-05", "", ""],
            ["f2", "关于乙事项的通知", "2024-03-05", "", "=A3"],  # a column not imported
            ["f3", "关于丙事项的通知", "=DATE(2024,3,5)", "", ""],
        ]
    )
    assert rows[2].error == "第2行“名称”是公式，文件中没有计算结果：请在 Excel/WPS 中打开并另存后再导入。"
    assert rows[3].error == "" and rows[3].values["title"] == "关于乙事项的通知"
    assert rows[4].error.startswith("第4行“成文日期”是公式，文件中没有计算结果")


def test_a_formula_calculated_when_saved_is_read_as_its_value():
    # What Excel and WPS write: the formula and its result (an empty text result is type "str").
    def calculated(xml):
        xml = xml.replace('<c r="B2"><f>A2</f><v></v></c>', '<c r="B2" t="str"><f>A2</f><v>关于通知</v></c>')
        return xml.replace('<c r="E2"><f>', '<c r="E2" t="str"><f>')

    rows = source_rows(
        [CELLS, ["f1", "=A2", "", "", '=IF(1,"","x")']],
        mapping={"来源编号": "source_id", "名称": "title", "备注": "summary"},
        change_sheet=calculated,
    )
    assert rows[2].error == "" and rows[2].values["title"] == "关于通知" and "summary" not in rows[2].values


@pytest.mark.parametrize("code", ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!"])
def test_an_excel_error_value_refuses_its_row_naming_the_cell(code):
    rows = source_rows([CELLS, ["e1", "关于甲事项的通知", code, "", ""], ["e2", "关于乙事项的通知", "", "", code]])
    assert rows[2].error == f"第2行“成文日期”是错误值 {code}（公式出错）：请在源文件中改正这一格后再导入。"
    assert rows[3].error == ""  # 备注 is not imported


def test_a_date_typed_as_a_number_reads_as_the_date_excel_counts(vocab, importer):
    rows = source_rows(
        [
            CELLS,
            ["d1", "关于甲事项的通知", 45356, 45356.4375, ""],
            ["d2", "关于乙事项的通知", 20240305, 1709605800, ""],  # yyyymmdd, and seconds since 1970
            ["d3", "关于丙事项的通知", 2024, "", ""],  # a year, not a date
        ]
    )
    assert rows[2].values["written_date"] == dt.datetime(2024, 3, 5)
    assert rows[2].values["published_at"] == dt.datetime(2024, 3, 5, 10, 30)
    assert rows[3].values["written_date"] == "20240305"
    batch = services.batch_create(
        user=importer,
        name="numbers.xlsx",
        data=workbook_of(
            (
                "数据",
                "visible",
                [
                    ["来源编号", "名称", "发布机构", "主题分类", "成文日期", "发布日期"],
                    ["d1", "关于甲事项的通知", "昆明市官渡区民政局", "综合政务", 45356, 45356.4375],
                    ["d2", "关于乙事项的通知", "昆明市官渡区民政局", "综合政务", 20240305, 1709605800],
                    ["d3", "关于丙事项的通知", "昆明市官渡区民政局", "综合政务", 2024, ""],
                ],
            )
        ),
        source_system="官渡区旧站",
    )
    services.batch_execute(batch=batch, dry_run=True)
    results = {r.key: r for r in RowResult.objects.filter(batch=batch, dry_run=True)}
    assert results["id:d1"].action == results["id:d2"].action == "create"
    assert results["id:d3"].action == "refuse"
    assert results["id:d3"].messages == [
        "成文日期“2024”是一个数字，不是可识别的日期：如是 Excel 中的日期，请把这一列的单元格格式设为“日期”后再导入（或写成 2023-06-16）。"
    ]
    services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)
    from disclosures.models import DisclosureRecord

    record = DisclosureRecord.objects.get(imported__source_key="id:d1")
    assert record.written_date == dt.date(2024, 3, 5)
    assert timezone.localtime(record.published_at).replace(tzinfo=None) == dt.datetime(2024, 3, 5, 10, 30)
    assert DisclosureRecord.objects.get(imported__source_key="id:d2").written_date == dt.date(2024, 3, 5)
