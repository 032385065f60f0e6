"""Batches: the dry run predicts the real run row for row; a rollback of drafts no one touched
leaves no trace; running the same source again updates instead of duplicating; bad rows are
refused with a reason and nothing else is lost."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from disclosures.models import Attachment, DisclosureRecord
from disclosures.services import record_publish
from imports import services
from imports.models import Flag, ImportBatch, ImportedRecord, LegacyRedirect, RowResult
from search.models import SearchDocument

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def new_batch(user, name="records_gb18030.csv", data=None, **kwargs):
    return services.batch_create(
        user=user,
        name=name,
        data=data if data is not None else fixture_bytes(name),
        source_system="官渡区旧站",
        **kwargs,
    )


def run(batch, dry_run):
    return services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=dry_run)


def dry_run_rows(user, name, text, *, by="key"):
    """A small UTF-8 file's dry run: {row key (or number): its RowResult}."""
    batch = new_batch(user, name=name, data=text.encode("utf-8"))
    run(batch, dry_run=True)
    return {getattr(r, by): r for r in RowResult.objects.filter(batch=batch, dry_run=True)}


def outcomes(batch, dry_run):
    return [
        (r.number, r.key, r.action, r.messages, r.flags)
        for r in RowResult.objects.filter(batch=batch, dry_run=dry_run).order_by("number")
    ]


def content_tables():
    """Every table an import may touch, as comparable rows."""
    return {
        "records": sorted(DisclosureRecord.objects.values_list("pk", "title", "body", "status")),
        "history": DisclosureRecord.history.model.objects.count(),
        "attachments": Attachment.objects.count(),
        "attachment_history": Attachment.history.model.objects.count(),
        "search": sorted(SearchDocument.objects.values_list("source", "object_id", "title")),
        "redirects": sorted(LegacyRedirect.objects.values_list("old_path", "record_id", "target_url")),
        "imported": ImportedRecord.objects.count(),
        "flags": Flag.objects.count(),
    }


def test_the_csv_is_read_as_gb18030_and_each_bad_row_says_why(vocab, importer):
    batch = new_batch(importer)
    assert batch.report["encoding"] == "GB18030"
    assert batch.status == ImportBatch.Status.READY  # every header known
    run(batch, dry_run=True)
    rows = {r.number: r for r in RowResult.objects.filter(batch=batch, dry_run=True)}
    actions = {n: r.action for n, r in rows.items()}
    # Line numbers are the file's: row 3's body spans three lines.
    assert actions == {
        2: "create",
        3: "create",
        6: "refuse",
        7: "refuse",
        8: "refuse",
        9: "create",
        10: "refuse",
        11: "refuse",
    }
    assert "文号“官办通2021-30”" in rows[6].messages[0]
    assert "成文日期“2023-13-45”不是有效的日期" in rows[7].messages[0]
    assert "发布机构“官渡区外星事务局”不在机构列表中" in rows[8].messages[0]
    assert "关键字最多5个，当前为6个" in rows[10].messages[0]
    assert "与第 2 行是同一条记录" in rows[11].messages[0]
    assert rows[3].flags == 1 and rows[9].flags == 2  # 截至2020底; 官办通〔202026号 and 每月补贴600
    batch.refresh_from_db()
    assert batch.report["unknown"] == {"publisher": {"官渡区外星事务局": 1}}
    assert not DisclosureRecord.objects.exists()  # a dry run writes nothing


def test_utf8_with_and_without_bom_read_the_same_as_gb18030(vocab, importer):
    text = fixture_bytes("records_gb18030.csv").decode("gb18030")
    results = []
    for name, data in (("a.csv", text.encode("utf-8")), ("b.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))):
        batch = new_batch(importer, name=name, data=data)
        run(batch, dry_run=True)
        results.append([(n, a, m) for n, _, a, m, _ in outcomes(batch, True)])
    gb = new_batch(importer)
    run(gb, dry_run=True)
    assert results[0] == results[1] == [(n, a, m) for n, _, a, m, _ in outcomes(gb, True)]


def test_a_file_in_no_known_encoding_is_refused_naming_the_line(vocab, importer):
    data = "索引号,名称\n1,关于\n".encode("utf-16-le")[2:] + bytes(range(0x80, 0xFF)) * 20
    with pytest.raises(ValidationError) as error:
        new_batch(importer, name="broken.csv", data=data)
    assert "文件" in error.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as error:
        new_batch(importer, name="records.pdf", data=b"%PDF-1.4")
    assert "不支持的文件类型" in error.value.message_dict["file"][0]


def test_the_dry_run_equals_the_real_run(vocab, importer):
    batch = new_batch(importer)
    run(batch, dry_run=True)
    predicted = outcomes(batch, dry_run=True)
    run(batch, dry_run=False)
    assert outcomes(batch, dry_run=False) == predicted
    created = RowResult.objects.filter(batch=batch, dry_run=False, action="create")
    assert DisclosureRecord.objects.count() == created.count() == 3
    for result in created:
        record = result.record
        assert record.status == DisclosureRecord.Status.DRAFT
        assert record.imported.source_system == "官渡区旧站"
        assert Flag.objects.filter(imported__record=record).count() == result.flags


def test_imported_drafts_keep_their_index_number_date_and_views(vocab, importer):
    batch = new_batch(importer)
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    record = DisclosureRecord.objects.get(index_number="015117762-202003-000101")
    assert record.status == DisclosureRecord.Status.DRAFT
    assert record.published_at == dt.datetime(2020, 3, 5, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert record.written_date == dt.date(2020, 3, 2)
    assert record.view_count == 1520
    assert record.genre.name == "通知" and record.topic.name == "民政、扶贫、救灾"
    assert record.publisher.name == "昆明市官渡区人民政府办公室"
    # Saving it again through the model changes nothing (the import applied the same invariants).
    before = {f.attname: getattr(record, f.attname) for f in DisclosureRecord._meta.concrete_fields}
    record.save()
    record.refresh_from_db()
    assert {f.attname: getattr(record, f.attname) for f in DisclosureRecord._meta.concrete_fields} | {
        "updated_at": before["updated_at"]
    } == before
    # Publishing keeps the original 索引号 and 发布日期 (never re-dated).
    result = record_publish(record=record, user=importer)
    assert result.record.index_number == "015117762-202003-000101"
    assert result.record.published_at == before["published_at"]


def test_a_record_with_unchecked_flags_cannot_be_published(vocab, importer):
    batch = new_batch(importer)
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    record = DisclosureRecord.objects.get(index_number="015117762-202110-000106")
    with pytest.raises(ValidationError) as error:
        record_publish(record=record, user=importer)
    assert "2 处可能丢失的字符未核对" in error.value.messages[0]
    for flag in Flag.objects.filter(imported__record=record):
        services.flag_resolve(flag=flag, user=importer, action="accept")
    record.refresh_from_db()
    assert record.document_number == "官办通〔2020〕26号"
    assert "每月补贴600元。" in record.body
    assert record_publish(record=record, user=importer).record.is_public


def test_rollback_of_drafts_no_one_touched_leaves_no_trace(vocab, importer):
    """Drafts only the import wrote go with their history (ADR 0138); a record anyone changed,
    or that went to review or was published, stops the rollback (tests/imports/test_rollback.py)."""
    untouched = content_tables()
    batch = new_batch(importer)
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    assert content_tables() != untouched
    services.batch_rollback(batch=batch, user=importer)
    assert content_tables() == untouched
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert batch.report["rolled_back"] == {"deleted": 3, "restored": 0}


def test_reimporting_updates_instead_of_duplicating_and_keeps_staff_corrections(vocab, importer):
    first = new_batch(importer)
    run(first, dry_run=True)
    run(first, dry_run=False)
    record = DisclosureRecord.objects.get(index_number="015117762-202106-000102")
    flag = Flag.objects.get(imported__record=record)
    services.flag_resolve(flag=flag, user=importer, action="accept")  # 截至2020底 → 截至2020年底

    # The same file again: nothing changes, the correction stays.
    again = new_batch(importer)
    assert "已导入过这个文件" in again.report["notes"][0]
    run(again, dry_run=True)
    run(again, dry_run=False)
    assert [a for _, _, a, _, _ in outcomes(again, False)].count("unchanged") == 3
    assert DisclosureRecord.objects.count() == 3
    record.refresh_from_db()
    assert "截至2020年底" in record.body

    # The source changed one row: that record is updated, the staff correction carried over.
    text = (
        fixture_bytes("records_gb18030.csv")
        .decode("gb18030")
        .replace("请于6月30日前报送工作方案。", "请于7月15日前报送工作方案。")
    )
    changed = new_batch(importer, name="records_v2.csv", data=text.encode("gb18030"))
    run(changed, dry_run=True)
    run(changed, dry_run=False)
    actions = [(number, action) for number, _, action, _, _ in outcomes(changed, False)]
    assert [n for n, a in actions if a == "update"] == [3]
    assert [n for n, a in actions if a == "unchanged"] == [2, 9]
    record.refresh_from_db()
    assert "7月15日" in record.body and "截至2020年底" in record.body
    assert DisclosureRecord.objects.count() == 3
    assert Flag.objects.get(imported__record=record).status == Flag.Status.ACCEPTED

    # Rolling back the first batch waits for the later one; rolling back the later one restores.
    with pytest.raises(ValidationError, match="请先回滚那个批次"):
        services.batch_rollback(batch=ImportBatch.objects.get(pk=first.pk), user=importer)
    services.batch_rollback(batch=ImportBatch.objects.get(pk=changed.pk), user=importer)
    record.refresh_from_db()
    assert "6月30日" in record.body and "截至2020年底" in record.body
    assert record.imported.last_batch_id == first.pk
    # The staff correction (a flag checked) is a change the first batch's rollback would lose.
    with pytest.raises(ValidationError, match="在导入后已被人工修改"):
        services.batch_rollback(batch=ImportBatch.objects.get(pk=first.pk), user=importer)
    assert DisclosureRecord.objects.count() == 3


def test_a_published_record_is_not_overwritten_by_a_reimport(vocab, importer):
    first = new_batch(importer)
    run(first, dry_run=True)
    run(first, dry_run=False)
    record = DisclosureRecord.objects.get(index_number="015117762-202003-000101")
    record_publish(record=record, user=importer)
    text = fixture_bytes("records_gb18030.csv").decode("gb18030").replace("请认真贯彻执行", "请遵照执行")
    changed = new_batch(importer, name="v2.csv", data=text.encode("gb18030"))
    run(changed, dry_run=True)
    row = RowResult.objects.get(batch=changed, dry_run=True, number=2)
    assert row.action == "unchanged" and "导入不覆盖" in row.messages[0]


def test_index_number_taken_by_another_record_is_refused(vocab, importer):
    from tests.disclosures.factories import published

    published(title="已有的记录", index_number="015117762-202003-000101")
    batch = new_batch(importer)
    run(batch, dry_run=True)
    row = RowResult.objects.get(batch=batch, dry_run=True, number=2)
    assert row.action == "refuse" and "已被另一条记录“已有的记录”使用" in row.messages[0]


def test_staff_import_only_for_their_agencies(vocab, django_user_model):
    from django.contrib.auth.models import Group

    from disclosures.models import AgencyMembership, Organization

    clerk = django_user_model.objects.create_user("reviewer", password="Rev1ewer-Passw0rd!", is_staff=True)
    clerk.groups.add(Group.objects.get(name="审核员"))
    AgencyMembership.objects.create(user=clerk, organization=Organization.objects.get(name="昆明市官渡区民政局"))
    clerk = django_user_model.objects.get(pk=clerk.pk)
    batch = new_batch(clerk)
    run(batch, dry_run=True)
    rows = {r.number: r for r in RowResult.objects.filter(batch=batch, dry_run=True)}
    assert rows[3].action == "create"  # 区民政局's
    assert rows[2].action == "refuse" and "不是您所在的机构" in rows[2].messages[0]


def test_a_future_publication_date_is_refused(vocab, importer):
    with time_machine.travel(dt.datetime(2021, 6, 2, 12, 0, tzinfo=dt.UTC), tick=False):
        batch = new_batch(importer)
        run(batch, dry_run=True)
    rows = {r.number: r for r in RowResult.objects.filter(batch=batch, dry_run=True)}
    assert rows[3].action == "refuse" and "在将来" in rows[3].messages[0]


def test_an_unknown_publisher_mapped_on_the_mapping_screen_is_imported(vocab, importer):
    from disclosures.models import Organization

    batch = new_batch(importer)
    run(batch, dry_run=True)
    batch.refresh_from_db()
    office = Organization.objects.get(name="昆明市官渡区人民政府")
    services.batch_set_mapping(
        batch=batch, user=importer, columns=batch.column_mapping, values={"publisher": {"官渡区外星事务局": office.pk}}
    )
    run(batch, dry_run=True)
    row = RowResult.objects.get(batch=batch, dry_run=True, number=8)
    assert row.action == "create"
    with pytest.raises(ValidationError, match="同一个字段"):
        services.batch_set_mapping(batch=batch, user=importer, columns={"名称": "title", "标题": "title"}, values={})


def test_rows_the_file_itself_breaks_are_refused_and_the_rest_imported(vocab, importer):
    text = (
        "来源编号,名称,发布机构,主题分类,正文\n"
        "a1,关于甲事项的通知,昆明市官渡区民政局,综合政务,<p>甲</p>\n"
        "a2,关于乙事项的通知,昆明市官渡区民政局,综合政务,<p>乙</p>,多出的一列\n"
        'a3,关于丙事项的通知,昆明市官渡区民政局,综合政务,"<p>前文</p><style>p { color: red }<p>丙的正文</p>"\n'
        "a4,,昆明市官渡区民政局,综合政务,<p>没有名称</p>\n"
        "a5,关于戊事项的通知,昆明市官渡区民政局,综合政务,<p>戊</p>\n"
    )
    rows = dry_run_rows(importer, "small.csv", text)
    assert rows["id:a1"].action == rows["id:a5"].action == "create"
    assert rows["id:a2"].action == "refuse" and "比表头多 1 列" in rows["id:a2"].messages[0]
    assert rows["id:a3"].action == "refuse" and "正文：保存会" in rows["id:a3"].messages[0]
    assert rows["id:a4"].action == "refuse" and "缺少名称" in rows["id:a4"].messages[0]
    assert "没有发布日期" in rows["id:a1"].messages[0]


def test_a_batch_whose_record_another_app_relies_on_is_not_rolled_back(vocab, importer):
    from tests.communities.factories import FactFactory

    batch = new_batch(importer)
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    record = DisclosureRecord.objects.get(index_number="015117762-202003-000101")
    FactFactory(source_record=record, sentence="现印发给你们，请认真贯彻执行。")
    with pytest.raises(ValidationError, match="其他内容引用了本批次的记录"):
        services.batch_rollback(batch=ImportBatch.objects.get(pk=batch.pk), user=importer)
    assert DisclosureRecord.objects.count() == 3  # nothing was deleted


def test_an_image_from_another_site_is_imported_and_said_at_once(vocab, importer, settings):
    """The body is kept as it was (review refuses the record with the same message), but the
    import's report names the image now, not only when the record is sent for review."""
    settings.ALLOWED_HOSTS = ["www.example.gov.cn"]
    text = (
        "来源编号,名称,发布机构,主题分类,正文\n"
        'b1,关于甲事项的通知,昆明市官渡区民政局,综合政务,"<p>甲</p><img src=""http://old.example.com/a.png"" alt=""图"">"\n'
        'b2,关于乙事项的通知,昆明市官渡区民政局,综合政务,"<p>乙</p><img src=""/media/b.png"" alt=""图"">"\n'
    )
    rows = dry_run_rows(importer, "images.csv", text)
    assert rows["id:b1"].action == rows["id:b2"].action == "create"
    assert any("来自 old.example.com" in m for m in rows["id:b1"].messages)
    assert not any("其他网站" in m for m in rows["id:b2"].messages)


def test_a_full_width_index_number_is_the_same_number(vocab, importer):
    text = (
        "索引号,名称,发布机构,主题分类,正文\n"
        "Ｘ－２０２４０３－０００００５,关于甲事项的通知,昆明市官渡区民政局,综合政务,<p>甲</p>\n"
        "X-202403-000005,关于甲事项的通知（重复）,昆明市官渡区民政局,综合政务,<p>甲</p>\n"
    )
    batch = new_batch(importer, name="widths.csv", data=text.encode("utf-8"))
    run(batch, dry_run=True)
    run(batch, dry_run=False)
    rows = {r.number: r for r in RowResult.objects.filter(batch=batch, dry_run=False)}
    assert rows[2].action == "create" and rows[2].record.index_number == "X-202403-000005"
    assert rows[3].action == "refuse" and "与第 2 行是同一条记录（索引号:X-202403-000005）" in rows[3].messages[0]


def test_an_index_number_with_a_superscript_or_circled_digit_is_refused_not_read_as_digits(vocab, importer):
    """Only width is folded: NFKC read ² as 2, so X-2024² was imported as the number X-20242."""
    text = "索引号,名称,发布机构,主题分类,正文\nX-2024²,关于甲事项的通知,昆明市官渡区民政局,综合政务,<p>甲</p>\n"
    [row] = dry_run_rows(importer, "marks.csv", text).values()
    assert row.action == "refuse" and "索引号“X-2024²”格式不对" in row.messages[0]


def test_the_same_document_number_on_two_rows_is_said_on_the_later_one(vocab, importer):
    text = (
        "来源编号,名称,发布机构,主题分类,文号,正文\n"
        "c1,关于甲事项的通知,昆明市官渡区民政局,综合政务,官民通〔2024〕5号,<p>甲</p>\n"
        "c2,关于乙事项的通知,昆明市官渡区民政局,综合政务,官民通〔2024〕6号,<p>乙</p>\n"
        "c3,关于丙事项的通知,昆明市官渡区民政局,综合政务,官民通[2024]5号,<p>丙</p>\n"
    )
    rows = dry_run_rows(importer, "numbers.csv", text, by="number")
    assert [rows[n].action for n in (2, 3, 4)] == ["create"] * 3
    assert not any("文号" in m for n in (2, 3) for m in rows[n].messages)
    assert (
        "文号“官民通〔2024〕5号”与第 2 行相同：如不是同一文件的不同部分，可能是复制粘贴时填错了，请核对。"
        in rows[4].messages
    )
