"""CSV downloads: streamed row by row, UTF-8 with a BOM, the documented columns, filters honoured."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.csv import ROWS_PER_WRITE, cell
from tests.disclosures.factories import OrganizationFactory, TopicFactory, published

RECORD_COLUMNS = [
    "索引号",
    "名称",
    "发布机构",
    "成文机构",
    "文号",
    "主题分类",
    "体裁分类",
    "关键字",
    "成文日期",
    "发布日期",
    "有效性",
    "生效日期",
    "失效/废止日期",
    "公开方式",
    "内容概述",
    "网址",
]


def rows(response):
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet software looks for
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.django_db
class TestRecordsCsv:
    def test_columns_bom_and_encoding(self, client, seed):
        response = client.get("/search/export/records.csv")
        assert response.status_code == 200 and response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        assert "filename*=utf-8''" in response["Content-Disposition"]  # 政府信息公开目录.csv, RFC 6266
        header, *data = rows(response)
        assert header == RECORD_COLUMNS
        [row] = data
        record = dict(zip(header, row))
        assert record["索引号"] == seed.index_number
        assert record["名称"] == "关于政协官渡区十届二次会议第102114号提案答复的函"
        assert record["发布日期"] == "2023-06-16 17:19"
        assert record["有效性"] == "有效"
        assert record["网址"] == f"http://testserver{seed.get_absolute_url()}"

    def test_same_filters_as_the_catalogue(self, client, seed):
        org = OrganizationFactory(name="昆明市官渡区教育体育局")
        published(title="教育通知", publisher=org)
        names = [r[1] for r in rows(client.get("/search/export/records.csv", {"publisher": org.pk}))[1:]]
        assert names == ["教育通知"]
        names = [r[1] for r in rows(client.get("/search/export/records.csv", {"year": 2023}))[1:]]
        assert names == [seed.title]
        assert client.get("/search/export/records.csv", {"publisher": "x"}).status_code == 400

    def test_streamed_lazily_in_chunks(self, client, db):
        # One publisher and topic for all the rows (not a new one per row): quicker to set up.
        org, topic = OrganizationFactory(), TopicFactory()
        for n in range(ROWS_PER_WRITE * 2 + 5):
            published(title=f"记录{n}", publisher=org, topic=topic)
        response = client.get("/search/export/records.csv")
        chunks = iter(response.streaming_content)
        with CaptureQueriesContext(connection) as queries:
            first = next(chunks)
        # The header goes out before any row is read; rows follow in batches from one cursor.
        assert first.startswith(b"\xef\xbb\xbf\xe7\xb4\xa2\xe5\xbc\x95\xe5\x8f\xb7") and len(queries) == 0
        rest = list(chunks)
        assert len(rest) == 3  # 200 + 200 + 5 rows
        assert sum(chunk.count(b"\r\n") for chunk in rest) == ROWS_PER_WRITE * 2 + 5

    def test_formula_cells_are_defused(self, client, db):
        published(title='=HYPERLINK("http://evil")')
        [_, row] = rows(client.get("/search/export/records.csv"))
        assert row[1] == '\'=HYPERLINK("http://evil")'
        assert cell("-5", text=False) == "-5" and cell("+86", text=True) == "'+86"


@pytest.mark.django_db
class TestSearchCsv:
    def test_search_results_as_csv(self, client, seed):
        response = client.get("/search/", {"q": "社区工作者", "format": "csv"})
        assert response.status_code == 200 and response.streaming
        header, *data = rows(response)
        assert header == [
            "类型",
            "标题",
            "文号",
            "索引号",
            "提案号",
            "发布机构",
            "主题分类",
            "发布日期",
            "有效性",
            "网址",
        ]
        assert {row[0] for row in data} == {"政府信息", "建议提案答复", "社区治理数据"}
        # Every matching document, also those grouped under their record on the page.
        page = client.get("/search/", {"q": "社区工作者"})
        assert len(data) == sum(1 + len(hit.related) + len(hit.copies) for hit in page.context["hits"])

    def test_search_results_link_to_csv(self, client, seed):
        html = client.get("/search/", {"q": "社区", "type": "fact"}).content.decode()
        assert "?q=%E7%A4%BE%E5%8C%BA&amp;type=fact&amp;format=csv" in html

    def test_catalogue_links_to_its_csv(self, client, seed):
        html = client.get("/disclosures/", {"topic": seed.topic_id}).content.decode()
        assert f"/search/export/records.csv?topic={seed.topic_id}" in html


def test_columns_are_documented():
    doc = (Path(settings.BASE_DIR) / "docs" / "open-data.md").read_text(encoding="utf-8")
    for column in RECORD_COLUMNS + ["类型", "标题", "提案号"]:
        assert f"| {column} |" in doc, column
