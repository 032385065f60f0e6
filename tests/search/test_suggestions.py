"""“您是不是要找” for a query without hits when a close title exists (and none otherwise), and
“相关检索” from the facets: the query narrowed to the biggest parts of its results."""

import pytest
from django.urls import reverse

from disclosures.models import DisclosureRecord
from search.query import parse_query
from search.selectors import search_suggestion
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def titles(db):
    published(title="关于增加城区公共停车位的建议", body="<p>正文。</p>")
    published(title="关于建设口袋公园的建议", body="<p>正文。</p>")


@pytest.mark.parametrize("typed, meant", [("停车为", "停车位"), ("口袋公圆", "口袋公园"), ("公共停车味", "公共停车位")])
def test_a_typo_suggests_the_title_words(titles, typed, meant):
    assert search_suggestion(query=parse_query(typed)) == meant


@pytest.mark.parametrize("typed", ["高铁站规划", "量子", "区"])
def test_nothing_close_suggests_nothing(titles, typed):
    assert search_suggestion(query=parse_query(typed)) is None


def test_the_results_page_offers_it_with_the_filters_kept(titles, client):
    response = client.get(reverse("search:results"), {"q": "停车为", "type": "record"})
    html = response.content.decode()
    assert "您是不是要找" in html
    assert 'href="?type=record&amp;q=%E5%81%9C%E8%BD%A6%E4%BD%8D"' in html
    found = client.get(reverse("search:results"), {"q": "停车位"})
    assert "您是不是要找" not in found.content.decode()


def test_the_suggestion_is_found_with_the_filters_it_keeps(titles, client):
    """The link keeps the reader's filters, so the suggestion comes from what they let through:
    a title of another publisher was offered, found nothing there, and offered a longer
    stretch of the same title in turn (年渡报告 → 年度报告 → 年度报告汇, all empty)."""
    from tests.disclosures.factories import OrganizationFactory

    other = OrganizationFactory()
    own = published(title="关于开展年度报告编制工作的通知", publisher=other).publisher
    parking = DisclosureRecord.objects.get(title__contains="停车位").publisher
    assert parking != own
    html = client.get(reverse("search:results"), {"q": "停车为", "publisher": own.pk}).content.decode()
    assert "您是不是要找" not in html
    html = client.get(reverse("search:results"), {"q": "停车为", "publisher": parking.pk}).content.decode()
    assert f'href="?publisher={parking.pk}&amp;q=%E5%81%9C%E8%BD%A6%E4%BD%8D"' in html
    # Whatever the filter, a suggestion found under it has hits under it.
    html = client.get(reverse("search:results"), {"q": "年渡报告", "year": "2000"}).content.decode()
    assert "您是不是要找" not in html


def test_related_searches_narrow_to_the_biggest_parts(seed, client):
    response = client.get(reverse("search:results"), {"q": "社区"})
    related = response.context["related_searches"]
    assert related[0][0] == "社区 · 社区治理数据" and "type=fact" in related[0][1]
    assert [count for _, _, count in related] == sorted((count for _, _, count in related), reverse=True)
    total = sum(value.count for value in response.context["facets"]["type"])
    assert all(0 < count < total for _, _, count in related)  # each narrows, none is all of them
    assert "相关检索" in response.content.decode()
    narrowed = client.get(reverse("search:results"), {"q": "社区", "type": "fact"})
    assert all("社区治理数据" not in label for label, _, _ in narrowed.context["related_searches"])


def test_the_suggestion_reads_through_the_title_index_not_along_the_dates(titles):
    """Ordered by date in SQL, a miss let the planner walk the date index and test every title
    (31 s at a million records): the candidates are read unordered and sorted in Python."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert search_suggestion(query=parse_query("量子纠缠")) is None
        assert search_suggestion(query=parse_query("停车为")) == "停车位"
    assert queries.captured_queries and not [q for q in queries.captured_queries if "ORDER BY" in q["sql"]]


def test_a_miss_asked_again_reads_no_title(titles):
    """Kept until content changes, as the counts are; a new title is seen at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert search_suggestion(query=parse_query("停车为")) == "停车位"
    with CaptureQueriesContext(connection) as queries:
        assert search_suggestion(query=parse_query("停车为")) == "停车位"
    assert not [q for q in queries.captured_queries if "search_title" in q["sql"]]
    assert search_suggestion(query=parse_query("养老驿占")) is None
    published(title="关于新建社区养老驿站的通知", body="<p>正文。</p>")
    assert search_suggestion(query=parse_query("养老驿占")) == "养老驿站"
