"""Captured pages in the style of gkmlpt and TRS WCM, and a ZIP (or folder) of pages with
their attachments."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from disclosures.models import Attachment, DisclosureRecord
from imports import services
from imports.captures import parse_page
from imports.models import Flag, ImportBatch, LegacyRedirect, RowResult

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
PAGES = FIXTURES / "pages"


def test_a_gkmlpt_page_gives_its_table_title_body_and_attachments():
    path = PAGES / "gkmlpt" / "post_2024101.html"
    row = parse_page(path.read_bytes(), "gkmlpt/post_2024101.html")
    assert not row.error
    v = row.values
    assert v["index_number"] == "015117762-202409-000211"
    assert v["topic"] == "卫生、体育"
    assert v["publisher"] == "昆明市官渡区人民政府办公室"
    assert v["written_date"] == "2024-09-10" and v["published_at"] == "2024-09-12"
    assert v["document_number"] == "官办通〔2024〕31号"
    assert v["keywords"] == "医疗保险、参保缴费" and v["genre"] == "通知"
    assert v["title"] == "关于做好2024年度城乡居民基本医疗保险参保缴费工作的通知"
    assert v["old_url"] == "http://www.kmgd.gov.cn/gkmlpt/content/2/2024/post_2024101.html"
    assert v["body"].startswith("<p>各街道办事处") and "主办单位" not in v["body"] and "window._CONFIG" not in v["body"]
    assert [a.href for a in row.attachments] == ["./P020240912381234567890.pdf", "./P020240912381234567891.xls"]
    assert row.attachments[0].title == "1.官渡区2025年度城乡居民医疗保险缴费标准"


def test_a_trs_page_saved_in_gb2312_gives_its_fields_and_flags_its_losses(vocab, importer):
    data = (PAGES / "trs" / "t20230518_640123.html").read_bytes()
    row = parse_page(data, "t20230518_640123.html")
    v = row.values
    assert v["index_number"] == "015117762-202305-000098"
    assert v["title"] == "昆明市官渡区人民政府关于公布2023年城中村改造项目的通知"
    assert v["document_number"] == "官政发〔2023〕15号" and v["validity"] == "有效"
    assert v["published_at"] == "2023-05-18 15:40" and v["view_count"] == "1024"
    assert v["old_url"] == "http://www.kmgd.gov.cn/zwgk/zfxxgk/fdzdgknr/202305/t20230518_640123.html"
    batch = services.batch_create(user=importer, name="t20230518_640123.html", data=data, source_system="TRS")
    services.batch_execute(batch=batch, dry_run=True)
    services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)
    flags = {f.kind: f for f in Flag.objects.filter(batch=batch)}
    assert flags["mojibake"].suggestion == "社区治理工作" and flags["mojibake"].found == "绀惧尯娌荤悊宸ヤ綔"
    assert flags["year"].found == "2022" and flags["year"].suggestion == "2022年"
    assert flags["mojibake"].place == "正文第3段（原文第24行）"


def pages_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(PAGES.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(PAGES).as_posix())
        archive.write(FIXTURES / "seed_capture.txt", "kmgd/000_aa8be4c909c4f0d9.txt")
    return buffer.getvalue()


def test_a_zip_of_pages_imports_each_page_with_its_attachments(vocab, importer):
    batch = services.batch_create(
        user=importer,
        name="旧站采集.zip",
        data=pages_zip(),
        source_system="官渡区旧站",
        old_site="http://www.kmgd.gov.cn/",
    )
    assert batch.kind == ImportBatch.Kind.PAGES and batch.rows_total == 3
    services.batch_execute(batch=batch, dry_run=True)
    dry = [(r.place, r.action, r.messages) for r in RowResult.objects.filter(batch=batch, dry_run=True)]
    services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)
    assert [(r.place, r.action, r.messages) for r in RowResult.objects.filter(batch=batch, dry_run=False)] == dry
    assert [action for _, action, _ in dry] == ["create", "create", "create"]
    gkmlpt = DisclosureRecord.objects.get(index_number="015117762-202409-000211")
    attachment = Attachment.objects.get(record=gkmlpt)
    assert attachment.title == "1.官渡区2025年度城乡居民医疗保险缴费标准" and attachment.file.read().startswith(b"%PDF")
    messages = next(m for place, _, m in dry if place.startswith("gkmlpt/"))
    assert any("2.参保人员信息核对表" in m and "不在所导入的文件中" in m for m in messages)
    trs = DisclosureRecord.objects.get(index_number="015117762-202305-000098")
    assert trs.attachments.get().title == "官渡区2023年城中村改造项目清单"
    assert LegacyRedirect.objects.filter(old_path="/gkmlpt/content/2/2024/post_2024101.html", record=gkmlpt).exists()
    seed = DisclosureRecord.objects.get(index_number="015117762-202306-707714")
    assert not LegacyRedirect.objects.filter(record=seed).exists()  # a text capture has no address of its own
    assert Flag.objects.filter(imported__record=seed).count() == 18

    # Rolled back, the attachments' files go too.
    names = [a.file.name for a in Attachment.objects.all()]
    services.batch_rollback(batch=ImportBatch.objects.get(pk=batch.pk), user=importer)
    assert not Attachment.objects.exists()
    assert not any(Attachment.file.field.storage.exists(name) for name in names)


def test_a_folder_of_pages_from_the_command_line_with_progress(vocab, importer, tmp_path):
    out = io.StringIO()
    call_command(
        "import_records",
        str(PAGES),
        "--source-system",
        "官渡区旧站",
        "--user",
        "importer",
        "--run",
        stdout=out,
    )
    text = out.getvalue()
    assert "试运行完成：新建 2" in text and "正式导入完成：新建 2" in text
    assert "2/2 行（100%）" in text
    assert (
        DisclosureRecord.objects.filter(index_number__in=["015117762-202409-000211", "015117762-202305-000098"]).count()
        == 2
    )


def test_a_page_that_is_not_a_detail_page_is_refused_with_a_reason(vocab, importer):
    batch = services.batch_create(
        user=importer, name="index.html", data="<html><body><p>首页</p></body></html>".encode(), source_system="x"
    )
    services.batch_execute(batch=batch, dry_run=True)
    row = RowResult.objects.get(batch=batch, dry_run=True)
    assert row.action == "refuse" and "不像是信息公开详情页" in row.messages[0]


def test_path_of_fixture_pages_exist():
    assert Path(PAGES / "trs" / "P020230518545612345678.docx").exists()


def test_an_attachment_with_macros_is_not_imported_and_the_row_says_why(vocab, importer):
    from tests.disclosures.test_uploads import ole

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("post_2024101.html", "P020240912381234567890.pdf"):
            archive.write(PAGES / "gkmlpt" / name, f"gkmlpt/{name}")
        # The page's second attachment, an Excel 97-2003 workbook with a VBA project.
        archive.writestr("gkmlpt/P020240912381234567891.xls", ole((2, "Workbook"), (1, "_VBA_PROJECT_CUR")))
    batch = services.batch_create(user=importer, name="旧站采集.zip", data=buffer.getvalue(), source_system="旧站")
    services.batch_execute(batch=batch, dry_run=False)
    row = RowResult.objects.get(batch=batch)
    assert row.action == "create"
    assert (
        "附件“2.参保人员信息核对表”未导入：文件中含有 VBA 宏，不能上传：请删除宏，或另存为 .docx / .xlsx / .pptx 后再上传。"
        in (row.messages)
    )
    assert [a.title for a in Attachment.objects.all()] == ["1.官渡区2025年度城乡居民医疗保险缴费标准"]
