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
    assert "无法打开这个 XLSX 文件" in error.value.message_dict["file"][0]
