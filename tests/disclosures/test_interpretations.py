"""政策解读 (国办发〔2016〕19号): a 解读 names the document it interprets, staff link it as they
link a 替代文件 (their agency's records or public ones), and the two public pages link each other."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from disclosures import services
from tests.disclosures.factories import (
    OrganizationFactory,
    PublishedRecordFactory,
    RecordFactory,
    draft,
    scheduled,
    withdrawn,
)
from tests.disclosures.test_agency_scope_fixes import (  # noqa: F401
    RECORDS,
    chief_client,
    post_record,
    world,
)
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


# --- the link and who may set it ------------------------------------------------------------


def test_a_record_cannot_interpret_itself():
    record = RecordFactory()
    record.interprets = record
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict["interprets"] == ["解读对象不能是本记录自身。"]


def test_two_records_cannot_interpret_each_other_even_through_a_third():
    document = RecordFactory(title="政策文件")
    reading = RecordFactory(title="解读", interprets=document)
    document.interprets = reading
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert "互为解读" in error.value.message_dict["interprets"][0]
    graphic = RecordFactory(title="图解", interprets=reading)
    document.interprets = graphic
    with pytest.raises(ValidationError):
        document.full_clean()
    reading.full_clean()  # a chain without a loop is fine
    graphic.full_clean()


def test_another_agencys_draft_cannot_be_the_document_interpreted(chief_client, world):  # noqa: F811
    record = world["ours"]
    response = post_record(chief_client, record, interprets=world["theirs"].pk, summary="保留的概述")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["interprets"] == ["只能选择本机构的记录或已公开的记录作为解读对象。"]
    assert "区政府尚未公开的草稿" not in response.content.decode()
    record.refresh_from_db()
    assert record.interprets is None


def test_a_public_record_or_the_agencys_own_can_be_interpreted(chief_client, world):  # noqa: F811
    record = world["ours"]
    for document in (world["theirs_public"], RecordFactory(title="民政局的另一份草稿", publisher=world["civil"])):
        record.refresh_from_db()
        response = post_record(chief_client, record, interprets=document.pk)
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.interprets == document


def test_the_admin_refuses_a_record_interpreting_itself(chief_client, world):  # noqa: F811
    record = world["ours"]
    response = post_record(chief_client, record, interprets=record.pk)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["interprets"] == ["解读对象不能是本记录自身。"]


def test_an_interpreted_document_already_saved_is_kept_when_the_agency_saves(chief_client, world):  # noqa: F811
    record = world["ours"]
    record.interprets = world["theirs"]  # chosen by district-wide staff
    record.save()
    page = chief_client.get(f"{RECORDS}{record.pk}/change/").content.decode()
    assert world["theirs"].title not in page and "（其他机构尚未公开的记录）" in page
    response = post_record(chief_client, record, interprets=world["theirs"].pk, summary="改了概述")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.interprets == world["theirs"] and record.summary == "改了概述"


def test_the_interpreted_documents_box_offers_only_the_staff_members_agency(chief_client, world):  # noqa: F811
    params = {"app_label": "disclosures", "model_name": "disclosurerecord", "field_name": "interprets", "term": ""}
    found = chief_client.get("/admin/autocomplete/", params).json()["results"]
    titles = {row["text"] for row in found}
    assert "民政局的草稿" in titles and "区政府尚未公开的草稿" not in titles


def test_deleting_the_document_leaves_its_interpretation():
    document = PublishedRecordFactory(title="政策文件")
    reading = PublishedRecordFactory(title="解读", interprets=document)
    document.delete()
    reading.refresh_from_db()
    assert reading.interprets is None


# --- the two pages link each other ------------------------------------------------------------


def test_the_interpretation_links_its_document_and_the_document_lists_its_public_interpretations(reader_client):
    document = PublishedRecordFactory(title="关于推进社区协商的意见")
    reading = PublishedRecordFactory(title="《关于推进社区协商的意见》政策解读", interprets=document)
    later = PublishedRecordFactory(title="图解：社区协商怎么做", interprets=document)
    draft("草稿中的解读", interprets=document)
    scheduled("定时发布的解读", interprets=document)
    withdrawn("已撤回的解读", interprets=document)

    page = reader_client.get(reading.get_absolute_url()).content.decode()
    assert f'解读对象：<a href="{document.get_absolute_url()}">关于推进社区协商的意见</a>' in page

    page = reader_client.get(document.get_absolute_url()).content.decode()
    assert "相关解读：" in page
    for shown in (reading, later):
        assert f'<a href="{shown.get_absolute_url()}">{shown.title}</a>' in page
    for hidden in ("草稿中的解读", "定时发布的解读", "已撤回的解读"):
        assert hidden not in page
    assert "解读对象：" not in page


@pytest.mark.parametrize("make", [draft, scheduled, withdrawn], ids=["draft", "scheduled", "withdrawn"])
def test_a_document_the_public_may_not_read_is_neither_named_nor_linked(reader_client, make):
    document = make("尚未公开的政策文件", index_number="100000000-202401-999999")
    reading = PublishedRecordFactory(title="政策解读", interprets=document)
    page = reader_client.get(reading.get_absolute_url()).content.decode()
    assert "解读对象" not in page and "尚未公开的政策文件" not in page
    assert document.get_absolute_url() not in page


def test_a_document_without_public_interpretations_has_no_list(reader_client):
    document = PublishedRecordFactory(title="政策文件")
    draft("草稿中的解读", interprets=document)
    assert "相关解读" not in reader_client.get(document.get_absolute_url()).content.decode()


def test_the_document_page_changes_at_once_when_its_interpretation_is_published_and_withdrawn(reader_client):
    """The page cache keeps the document's page until content changes: the 解读's publication
    and its withdrawal are such changes, so the next reader sees them."""
    document = PublishedRecordFactory(title="政策文件")
    reading = RecordFactory(title="政策文件的解读", interprets=document, publisher=document.publisher)
    url = document.get_absolute_url()
    reader_client.get(url)
    cached = reader_client.get(url)
    assert cached["X-Page-Cache"] == "hit" and "政策文件的解读" not in cached.content.decode()

    services.record_publish(record=reading)
    shown = reader_client.get(url)
    assert shown.get("X-Page-Cache") != "hit" and "政策文件的解读" in shown.content.decode()
    assert reader_client.get(url)["X-Page-Cache"] == "hit"

    services.record_withdraw(record=reading)
    gone = reader_client.get(url).content.decode()
    assert "政策文件的解读" not in gone and "相关解读" not in gone


def test_an_edited_interpretations_title_shows_at_once_on_the_document(reader_client):
    document = PublishedRecordFactory(title="政策文件")
    reading = PublishedRecordFactory(title="旧的解读名称", interprets=document)
    url = document.get_absolute_url()
    assert "旧的解读名称" in reader_client.get(url).content.decode()
    reading.title = "新的解读名称"
    reading.save()
    assert "新的解读名称" in reader_client.get(url).content.decode()


def test_the_document_pages_validators_change_when_its_scheduled_interpretation_goes_public(db):
    """A scheduled 解读 goes public with no save (no new generation): the document page's ETag
    and Last-Modified move to that time, or a crawler revalidating keeps the page without it."""
    from django.test import Client
    from django.utils import timezone
    from django.utils.http import http_date

    from core import pagecache

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)  # after anything saved
    with time_machine.travel(start, tick=False) as clock:
        due = start + dt.timedelta(hours=2)
        document = PublishedRecordFactory(title="政策文件")
        reading = PublishedRecordFactory(title="政策文件的解读", interprets=document, published_at=due)
        crawler = Client(HTTP_USER_AGENT="Baiduspider", HTTP_COOKIE="bench=1")  # past the page cache
        before = crawler.get(document.get_absolute_url())
        assert before.status_code == 200 and reading.get_absolute_url() not in before.content.decode()
        headers = {"HTTP_IF_NONE_MATCH": before["ETag"], "HTTP_IF_MODIFIED_SINCE": before["Last-Modified"]}
        assert crawler.get(document.get_absolute_url(), **headers).status_code == 304
        clock.move_to(due + dt.timedelta(minutes=1))
        pagecache.reset_local()  # this process's copies last a second of real time
        after = crawler.get(document.get_absolute_url(), **headers)
        assert after.status_code == 200 and reading.get_absolute_url() in after.content.decode()
        assert after["ETag"] != before["ETag"] and after["Last-Modified"] == http_date(due.timestamp())


def test_the_interpretation_links_cost_one_query_on_a_document_that_has_some_and_none_elsewhere(reader_client):
    """The document a 解读 interprets comes with the record (a join), and so does whether any
    public 解读 interprets it (EXISTS): only a document that has some reads them, in one query
    whatever their number."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(record):
        with CaptureQueriesContext(connection) as captured:
            page = reader_client.get(record.get_absolute_url()).content.decode()
        reading_links = [q["sql"] for q in captured.captured_queries if re.search(r'"interprets_id" (=|IN) ', q["sql"])]
        return page, len(captured), len(reading_links)

    plain = PublishedRecordFactory(title="没有解读的文件")
    draft("草稿中的解读", interprets=plain)
    _, plain_total, plain_reads = queries_for(plain)
    assert plain_reads == 1  # the record's own query, with its EXISTS
    for count in (1, 3):
        document = PublishedRecordFactory(title=f"有{count}篇解读的文件")
        readings = PublishedRecordFactory.create_batch(count, interprets=document)
        page, total, reads = queries_for(document)
        assert all(reading.get_absolute_url() in page for reading in readings)
        assert (total, reads) == (plain_total + 1, 2)
        page, total, reads = queries_for(readings[0])  # in the same generation: fewer to read
        assert document.get_absolute_url() in page and total < plain_total and reads == 1


# --- 3 working days (国办发〔2016〕19号) ------------------------------------------------------

LOCAL = ZoneInfo("Asia/Shanghai")
# 端午 2023: Thursday 22 to Saturday 24 June off, Sunday 25 June worked.
DOCUMENT_PUBLISHED = dt.datetime(2023, 6, 16, 17, 19, tzinfo=LOCAL)  # a Friday


def late_warning(published, document_published=DOCUMENT_PUBLISHED, status="published"):
    document = RecordFactory(title="政策文件", status=status, published_at=document_published)
    return services.interpretation_delay_warning(document=document, published=published)


def test_a_3_working_day_gap_gives_no_warning_a_4th_does():
    # 19, 20, 21 June, then the holiday: the third working day lasts until Sunday the 25th.
    assert late_warning(dt.datetime(2023, 6, 21, 9, 0, tzinfo=LOCAL)) is None
    assert late_warning(dt.datetime(2023, 6, 24, 23, 59, tzinfo=LOCAL)) is None
    warning = late_warning(dt.datetime(2023, 6, 25, 9, 0, tzinfo=LOCAL))
    assert "国办发〔2016〕19号" in warning and "（4个工作日）" in warning


def test_the_days_are_local_dates():
    # 00:30 on Sunday 25 June in Asia/Shanghai is still Saturday 24 June in UTC.
    assert late_warning(dt.datetime(2023, 6, 25, 0, 30, tzinfo=LOCAL)) is not None
    # A document published at 00:30 local on Monday 19 June (Sunday in UTC): Thursday 22 June
    # is then within its 3 working days, whatever the hour.
    monday = dt.datetime(2023, 6, 19, 0, 30, tzinfo=LOCAL)
    assert late_warning(dt.datetime(2023, 6, 25, 9, 0, tzinfo=LOCAL), document_published=monday) is None


@pytest.mark.parametrize("status", ["draft", "withdrawn"])
def test_a_document_not_published_is_not_counted_from(status):
    assert late_warning(dt.datetime(2023, 7, 31, 9, 0, tzinfo=LOCAL), status=status) is None


def test_a_document_published_after_its_interpretation_gives_no_warning():
    assert late_warning(dt.datetime(2023, 6, 1, 9, 0, tzinfo=LOCAL)) is None


def test_publishing_a_late_interpretation_warns_and_still_publishes():
    document = PublishedRecordFactory(title="政策文件", published_at=DOCUMENT_PUBLISHED)
    reading = RecordFactory(
        title="政策文件的解读", interprets=document, publisher=document.publisher, written_date=dt.date(2023, 6, 26)
    )
    late = dt.datetime(2023, 6, 26, 9, 0, tzinfo=LOCAL)
    with time_machine.travel(late + dt.timedelta(hours=1), tick=False):
        result = services.record_publish(record=reading, published_at=late)
    assert result.record.status == "published"
    assert len(result.warnings) == 1 and "国办发〔2016〕19号" in result.warnings[0]
    on_time = RecordFactory(
        title="按时的解读", interprets=document, publisher=document.publisher, written_date=dt.date(2023, 6, 19)
    )
    with time_machine.travel(late, tick=False):
        assert services.record_publish(record=on_time, published_at=DOCUMENT_PUBLISHED).warnings == []


def test_the_late_interpretation_warning_reaches_the_final_reviewer(client):
    from disclosures.models import DisclosureRecord
    from tests.disclosures.test_review import REVIEW_GROUPS, opened, record_data, staff

    agency = OrganizationFactory(name="昆明市官渡区人民政府", org_code="015117762", review_levels=1)
    clerk, final = staff("clerk", "录入员", agency=agency), staff("final", REVIEW_GROUPS["final"], agency=agency)
    document = PublishedRecordFactory(title="政策文件", publisher=agency, published_at=DOCUMENT_PUBLISHED)
    reading = RecordFactory(
        title="政策文件的解读",
        publisher=agency,
        interprets=document,
        written_date=dt.date(2023, 6, 26),
        published_at=dt.datetime(2023, 6, 26, 9, 0, tzinfo=LOCAL),
    )
    with time_machine.travel(dt.datetime(2023, 6, 26, 10, 0, tzinfo=LOCAL), tick=False):
        services.record_submit(record=reading, user=clerk)
        sign_in_staff(client, final)
        url = f"{RECORDS}{reading.pk}/change/"
        page, version = opened(client, url)
        data = record_data(DisclosureRecord.objects.get(pk=reading.pk), edit_version=version, _review="approve")
        data.update(
            {
                "published_at_0": "2023-06-26",
                "published_at_1": "09:00",
                "written_date": "2023-06-26",
                "interprets": document.pk,
            }
        )
        response = client.post(url, data, follow=True)
    html = response.content.decode()
    assert "国办发〔2016〕19号" in html and "第二十六条" not in html
    assert DisclosureRecord.objects.get(pk=reading.pk).is_public


def test_a_deleted_record_is_restored_without_the_records_it_linked_deleted_since():
    from disclosures.models import DisclosureRecord

    document = PublishedRecordFactory(title="政策文件")
    successor = PublishedRecordFactory(title="新版政策文件")
    reading = PublishedRecordFactory(
        title="政策文件的解读", interprets=document, superseded_by=successor, publisher=document.publisher
    )
    pk = reading.pk
    reading.delete()
    history_id = DisclosureRecord.history.get(id=pk, history_type="-").history_id
    document.delete()
    successor.delete()
    restored = services.record_restore(history_id=history_id, user=None)
    assert restored.restore_notes == [
        "原替代文件已被删除，恢复的记录不再链接它。",
        "原解读对象已被删除，恢复的记录不再链接它。",
    ]
    restored.refresh_from_db()
    assert restored.interprets_id is None and restored.superseded_by_id is None
    DisclosureRecord.objects.get(pk=pk).full_clean()


def test_the_kept_record_holds_its_documents_link_not_its_text(django_assert_num_queries):
    from disclosures import selectors

    document = PublishedRecordFactory(title="政策文件", body="<p>很长的正文。</p>")
    reading = PublishedRecordFactory(title="政策文件的解读", interprets=document)
    record = selectors.record_get_public(index_number=reading.index_number)
    assert {"body", "summary"} <= record.interprets.get_deferred_fields()
    with django_assert_num_queries(0):
        assert record.public_interpreted.get_absolute_url() == document.get_absolute_url()
        assert record.public_interpreted.title == "政策文件"


def test_the_interpretations_page_drops_its_document_at_once_when_the_document_is_withdrawn(reader_client):
    document = PublishedRecordFactory(title="政策文件")
    reading = PublishedRecordFactory(title="政策文件的解读", interprets=document, publisher=document.publisher)
    url = reading.get_absolute_url()
    reader_client.get(url)
    cached = reader_client.get(url)
    assert cached["X-Page-Cache"] == "hit" and "解读对象：" in cached.content.decode()
    services.record_withdraw(record=document)
    page = reader_client.get(url).content.decode()
    assert "解读对象" not in page and document.get_absolute_url() not in page


def test_a_draft_interpretations_preview_links_its_document_as_its_page_will(client):
    from tests.disclosures.test_preview import clerk_of

    document = PublishedRecordFactory(title="政策文件")
    reading = RecordFactory(title="草稿中的解读", interprets=document, publisher=document.publisher)
    sign_in_staff(client, clerk_of(document.publisher))
    page = client.get(f"/disclosures/preview/{reading.pk}/").content.decode()
    assert f'解读对象：<a href="{document.get_absolute_url()}">政策文件</a>' in page
    assert "草稿中的解读" not in client.get(f"/disclosures/preview/{document.pk}/").content.decode()
