"""Keyset pages of the 政府信息公开目录: stable links, no OFFSET, cached counts, bad input."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disclosures.models import DisclosureRecord
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory, TopicFactory

pytestmark = pytest.mark.django_db
NO_PAGE_CACHE = "bench=1"


@pytest.fixture
def records():
    """45 public records, one a day, newest first in the returned list."""
    now = timezone.now()
    made = [
        PublishedRecordFactory(title=f"目录测试记录{i:02d}", published_at=now - dt.timedelta(days=i)) for i in range(45)
    ]
    return made


def titles(response):
    return re.findall(r"目录测试记录\d\d", response.content.decode())


def link(response, rel):
    match = re.search(rf'href="\?([^"]*)" rel="{rel}"', response.content.decode())
    return match and match.group(1).replace("&amp;", "&")


def test_next_previous_first_and_last_walk_the_whole_list_once(client, records):
    seen, response = [], client.get("/disclosures/")
    assert "第 1 页，共 3 页" in response.content.decode() and link(response, "prev") is None
    while True:
        seen += titles(response)
        following = link(response, "next")
        if not following:
            break
        response = client.get(f"/disclosures/?{following}")
    assert seen == [r.title for r in records]  # every record exactly once, newest first
    html = response.content.decode()
    assert "最后一页" not in html and "第一页" in html and "发布日期" in html  # a deep page names its dates
    back = client.get(f"/disclosures/?{link(response, 'prev')}")
    assert titles(back) == [r.title for r in records[20:40]]
    # 最后一页 is page 3 as numbered: the 5 left over, none of them shown on page 2 again.
    last = client.get("/disclosures/?last=1")
    assert titles(last) == [r.title for r in records[40:45]] and "第 3 页，共 3 页" in last.content.decode()
    assert titles(client.get(f"/disclosures/?{link(last, 'prev')}")) == [r.title for r in records[20:40]]


def test_previous_from_the_second_page_gives_a_full_first_page(client, records):
    second = client.get(f"/disclosures/?after={records[5].pk}")
    first = client.get(f"/disclosures/?{link(second, 'prev')}")
    assert titles(first) == [r.title for r in records[:20]]
    assert "第 1 页" in first.content.decode()


def test_filters_are_kept_in_page_links(client, records):
    topic = TopicFactory()
    for record in records[:30]:
        record.topic = topic
        record.save()
    response = client.get(f"/disclosures/?topic={topic.pk}")
    following = link(response, "next")
    assert following.startswith(f"topic={topic.pk}&after=")
    assert titles(client.get(f"/disclosures/?{following}")) == [r.title for r in records[20:30]]


@pytest.mark.parametrize(
    "query", ["after=abc", "before=-1", "after=99999999", "page=51", "page=0", "after=" + "9" * 30]
)
def test_bad_page_addresses_get_a_helpful_404(client, records, query):
    response = client.get(f"/disclosures/?{query}")
    assert response.status_code == 404
    assert "网站地图" in response.content.decode()  # the site's own 404 page


def test_drafts_and_scheduled_records_never_serve_as_anchors(client, records):
    draft = RecordFactory(title="草稿", published_at=timezone.now() - dt.timedelta(days=3))
    scheduled = PublishedRecordFactory(published_at=timezone.now() + dt.timedelta(days=3))
    assert client.get(f"/disclosures/?after={draft.pk}").status_code == 404
    assert client.get(f"/disclosures/?before={scheduled.pk}").status_code == 404
    withdrawn = records[10]
    withdrawn.status = DisclosureRecord.Status.WITHDRAWN
    withdrawn.save()
    # A withdrawn record's id answers as a draft's does (issue 18: it was an oracle for which
    # ids had once been public); the reader starts again from page 1.
    assert client.get(f"/disclosures/?after={withdrawn.pk}").status_code == 404


def test_total_is_counted_once_per_generation(client, records):
    client.defaults["HTTP_COOKIE"] = NO_PAGE_CACHE
    client.get("/disclosures/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/disclosures/?after={records[3].pk}")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    PublishedRecordFactory(title="新发布")  # a change: counted again, and right
    assert "共 46 条" in client.get("/disclosures/").content.decode()


@pytest.mark.postgres_only
def test_deep_pages_use_the_index_and_no_offset(client, records):
    client.defaults["HTTP_COOKIE"] = NO_PAGE_CACHE
    client.get("/disclosures/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/disclosures/?after={records[30].pk}")
    listing = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"] and "LIMIT 21" in q["sql"]]
    assert listing and "OFFSET" not in listing[0]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table; ask which index the plan can use
        cursor.execute("EXPLAIN " + listing[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "record_public_order" in plan and "Sort" not in plan, plan
