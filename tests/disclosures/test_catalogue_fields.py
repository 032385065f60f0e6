"""条例 Art. 12: the 目录 gives each record's 索引、名称、内容概述、生成日期 and the record page its
成文日期、有效性 and 内容概述, as the 指南's 编排体系 promises."""

import datetime as dt
import re

import pytest

from disclosures.models import DisclosureRecord
from tests.disclosures.factories import PublishedRecordFactory

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_record_page_shows_written_date_validity_and_summary(reader_client):
    record = PublishedRecordFactory(written_date=dt.date(2026, 3, 2), summary="关于测试事项的内容概述。")
    page = text_of(reader_client.get(record.get_absolute_url()))
    assert "成文日期: 2026-03-02" in page
    assert "有效性: 有效" in page
    assert "内容概述: 关于测试事项的内容概述。" in page


def test_record_page_names_a_repealed_record_as_such_in_its_metadata(reader_client):
    record = PublishedRecordFactory(validity=DisclosureRecord.Validity.REPEALED, invalid_date=dt.date(2025, 1, 1))
    assert "有效性: 废止" in text_of(reader_client.get(record.get_absolute_url()))


def test_record_page_without_a_summary_has_no_empty_summary_row(reader_client):
    record = PublishedRecordFactory(summary="")
    assert "内容概述" not in reader_client.get(record.get_absolute_url()).content.decode()


def test_catalogue_rows_give_the_summary_and_written_date(reader_client):
    PublishedRecordFactory(title="关于目录字段的通知", written_date=dt.date(2026, 3, 2), summary="目录行的内容概述。")
    html = reader_client.get("/disclosures/").content.decode()
    assert '<th scope="col">成文日期</th>' in html
    row = re.search(
        r"<tr><td[^>]*>[^<]*(?:<wbr>[^<]*)*</td><td class=\"title\"><a [^>]*>关于目录字段的通知.*?</tr>", html
    )
    assert row, "the record's row"
    assert "目录行的内容概述。" in row.group(0)
    assert '<time datetime="2026-03-02">2026-03-02</time>' in row.group(0)


def test_catalogue_rows_without_a_written_date_say_so_rather_than_leave_a_gap(reader_client):
    PublishedRecordFactory(title="没有成文日期的信息", written_date=None)
    html = reader_client.get("/disclosures/").content.decode()
    row = re.search(r"没有成文日期的信息.*?</tr>", html).group(0)
    assert '<td class="date" data-label="成文日期">—</td>' in row


def test_index_numbers_in_lists_wrap_only_after_their_hyphens(reader_client):
    record = PublishedRecordFactory()
    html = reader_client.get("/disclosures/").content.decode()
    assert record.index_number.replace("-", "-<wbr>") in html
