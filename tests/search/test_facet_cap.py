"""Counts that stay cheap (search/facets.py): exact up to COUNT_CAP matches; past it, the total
is "1万+" and the facet counts are "at least" figures from the first matches, and the page says
so. On PostgreSQL, EXPLAIN shows that no statement reads more than COUNT_CAP + 1 matches."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from search import facets
from search.facets import count_label, round_figure
from search.query import parse_query
from search.selectors import SearchFilters, search
from tests.conftest import clear_caches
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db
URL = reverse("search:results")


@pytest.fixture
def twelve_matches():
    """Twelve documents with 社区治理 (three in their titles) over three years, one without."""
    now = timezone.now()
    for n in range(12):
        title = f"社区治理工作通知（{n}）" if n < 3 else f"工作通知（{n}）"
        published(title=title, body="<p>推进社区治理。</p>", published_at=now - dt.timedelta(days=400 * (n % 3)))
    published(title="无关的通知", body="<p>无关。</p>")


def test_labels():
    assert count_label(12, False) == "12"
    assert count_label(10_000, True) == "1万+"
    assert count_label(3412, True) == "3,412+"
    assert round_figure(10_000) == "1万"


def test_below_the_cap_every_count_is_exact(twelve_matches, monkeypatch):
    monkeypatch.setattr(facets, "COUNT_CAP", 12)
    found = search(query=parse_query("社区治理"))
    assert (found.count, found.capped, found.count_label) == (12, False, "12")
    years = found.facets["year"]
    assert sorted(v.count for v in years) == [4, 4, 4]
    assert not any(v.at_least for values in found.facets.values() for v in values)


def test_past_the_cap_the_total_and_facets_are_labelled(twelve_matches, monkeypatch):
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    found = search(query=parse_query("社区治理"))
    assert (found.count, found.capped, found.count_label) == (5, True, "5+")
    values = [v for values in found.facets.values() for v in values]
    assert values and all(v.at_least for v in values)
    assert sum(v.count for v in found.facets["year"]) == 6  # the first COUNT_CAP + 1 matches
    # Title hits are counted on their own (up to the cap) and still come first.
    assert [d.title.startswith("社区治理") for d in found.queryset[0:5]] == [True] * 3 + [False] * 2


def test_dense_title_hits_are_not_counted(twelve_matches, monkeypatch):
    """Title hits frequent among the first matches are many: no count reads them all, and the
    newest of them still come first."""
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    monkeypatch.setattr(facets, "DENSE_TITLE_HITS", 2)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("社区治理"))
    counting = [q for q in queries if "search_searchdocument" in q["sql"] and "COUNT(" in q["sql"]]
    assert len(counting) == 1  # the grouped first matches only
    assert [d.title.startswith("社区治理") for d in found.queryset[0:5]] == [True] * 3 + [False] * 2


def test_a_choice_that_narrows_below_the_cap_is_counted_exactly(twelve_matches, monkeypatch):
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    year = timezone.localdate().year
    found = search(query=parse_query("社区治理"), filters=SearchFilters(year=year))
    assert (found.count, found.capped) == (4, False)
    # The facet counts still come from the first matches of the broader set: "at least".
    assert all(v.at_least for v in found.facets["year"])


def test_the_page_says_the_counts_are_capped(client, twelve_matches, monkeypatch):
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    page = client.get(URL, {"q": "社区治理"}).content.decode()
    assert "共找到 5+ 条结果（可翻阅前5条" in page
    assert "括号内为前5条中的条数，实际不少于此数" in page
    assert re.search(
        r'<span aria-hidden="true">\((\d)\+\)</span><span class="visually-hidden">（至少\1条）</span>', page
    )
    monkeypatch.setattr(facets, "COUNT_CAP", 10_000)
    clear_caches()  # the counts are kept for the generation
    page = client.get(URL, {"q": "社区治理", "sort": "date"}).content.decode()
    assert "共找到 12 条结果" in page and "至少" not in page and "实际不少于" not in page


def _plan_nodes(node, limits=()):
    """(node, the row limits of the Limit nodes above it) for every node of a JSON plan."""
    yield node, limits
    below = (*limits, node["Plan Rows"]) if node["Node Type"] == "Limit" else limits
    for child in node.get("Plans", []):
        yield from _plan_nodes(child, below)


@pytest.mark.postgres_only
@pytest.mark.parametrize("q", ["社区治理", "治"])
@pytest.mark.parametrize("filters", [{}, {"type": "record"}])
def test_postgresql_reads_at_most_the_cap_of_matches(twelve_matches, monkeypatch, filters, q):
    """EXPLAIN ANALYZE of every statement the counts run on the documents: each read of the
    table sits under a LIMIT of COUNT_CAP + 1 and returned no more rows than that."""
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query(q), filters=SearchFilters(**filters))
    assert found.capped
    # The counting statements (ranking reads its own bounded window: tests/search/test_ranking.py).
    statements = [q["sql"] for q in queries if "search_searchdocument" in q["sql"] and "COUNT(" in q["sql"]]
    assert len(statements) >= 2  # the grouped first matches, and the title hits' count
    for sql in statements:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0][0]["Plan"]
        reads = [
            (node, limits)
            for node, limits in _plan_nodes(plan)
            if node.get("Relation Name") == "search_searchdocument" and "Scan" in node["Node Type"]
        ]
        assert reads, plan
        for node, limits in reads:
            assert limits and min(limits) <= 6, (sql, plan)
            assert node["Actual Rows"] <= 6, (sql, plan)


def test_a_lone_character_past_the_cap_is_counted_like_a_word(twelve_matches, monkeypatch):
    """A lone character has index tokens (a prefix): its title hits are counted through the
    title index up to the cap, as a word's are, and come first."""
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("治"))
    assert found.capped and found.count == 5 and found.count_label == "5+"
    counting = [q for q in queries if "search_searchdocument" in q["sql"] and "COUNT(" in q["sql"]]
    assert len(counting) == 2  # the grouped first matches, and the title hits' count
    assert [d.title.startswith("社区治理") for d in found.queryset[0:5]] == [True] * 3 + [False] * 2


def test_a_chosen_year_is_read_as_a_range_of_dates(twelve_matches):
    """The year column's rows, found along the date index: the page's query bounds the date."""
    year = (timezone.localtime() - dt.timedelta(days=400)).year
    found = search(query=parse_query("社区治理"), filters=SearchFilters(year=year), sort="date")
    with CaptureQueriesContext(connection) as queries:
        documents = found.queryset[0:20]
    assert len(documents) == found.count == 4
    assert {timezone.localtime(d.published_at).year for d in documents} == {year}
    page_query = [q["sql"] for q in queries if "search_searchdocument" in q["sql"]][-1]
    assert '"published_at" >=' in page_query and '"published_at" <' in page_query


@pytest.mark.postgres_only
def test_postgresql_connections_have_room_for_exact_bitmaps(settings):
    """A common word's bitmap of matches stays exact (govportal/settings/base.py): a lossy
    one re-checks every row of its pages against the vector stored out of line."""
    assert "work_mem=32MB" in settings.DATABASES["default"]["OPTIONS"]["options"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"


def test_sparse_title_hits_are_counted_only_for_a_ranking(twelve_matches, monkeypatch):
    """Past the cap, title hits too few among the first matches are counted through the title
    index to plan the ranked window; newest first needs no such count (300 ms at 1M, cold)."""
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    monkeypatch.setattr(facets, "DENSE_TITLE_HITS", 100)
    counted = []
    capped_count = facets._capped_count
    monkeypatch.setattr(facets, "_capped_count", lambda qs: counted.append(qs) or capped_count(qs))
    found = search(query=parse_query("社区治理"), sort="date")
    list(found.queryset[0:5])
    assert counted == []
    found = search(query=parse_query("社区治理"))
    assert [d.title.startswith("社区治理") for d in found.queryset[0:5]] == [True] * 3 + [False] * 2
    assert len(counted) == 1
    search(query=parse_query("社区治理"))
    search(query=parse_query("社区治理"), sort="date")
    assert len(counted) == 1  # kept, like the counts


def test_a_choices_own_first_matches_give_its_count_and_title_hits_in_one_query(monkeypatch):
    """With a year chosen, the first matches of the whole search may hold none of that year
    (rows loaded in date order): the year's own first matches are read, with their title
    hits, in one query. Issue 22: a chosen year's title hits looked sparse and were counted
    in a query of their own (120–230 ms at a million records, 社区治理&year=2022)."""
    # Mid-year dates, so the pinned New Year's Eve clock of CI changes nothing.
    year = timezone.localdate().year - 1
    noon = dt.datetime(year, 6, 15, 12, tzinfo=timezone.get_current_timezone())
    # Inserted first: the whole search's first six matches are all of the year before.
    for n in range(6):
        published(title=f"往年通知（{n}）", body="<p>推进社区治理。</p>", published_at=noon.replace(year=year - 1))
    for n in range(6):
        title = f"社区治理工作通知（{n}）" if n < 2 else f"工作通知（{n}）"
        published(title=title, body="<p>推进社区治理。</p>", published_at=noon - dt.timedelta(hours=n))
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    monkeypatch.setattr(facets, "DENSE_TITLE_HITS", 2)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("社区治理"), filters=SearchFilters(year=year))
        first = [d.title for d in found.queryset[0:3]]
    counting = [q for q in queries if "search_searchdocument" in q["sql"] and "COUNT(" in q["sql"]]
    assert len(counting) == 2  # the search's first matches, the year's first matches
    assert (found.count, found.capped) == (5, True)
    assert first[:2] == ["社区治理工作通知（0）", "社区治理工作通知（1）"] and first[2].startswith("工作通知")


def test_below_the_cap_a_choices_title_hits_are_exact(monkeypatch):
    year = timezone.localdate().year - 1
    noon = dt.datetime(year, 6, 15, 12, tzinfo=timezone.get_current_timezone())
    for n in range(6):
        published(title=f"往年通知（{n}）", body="<p>推进社区治理。</p>", published_at=noon.replace(year=year - 1))
    published(title="社区治理工作通知", body="<p>推进社区治理。</p>", published_at=noon)
    published(title="工作通知", body="<p>推进社区治理。</p>", published_at=noon + dt.timedelta(hours=1))
    monkeypatch.setattr(facets, "COUNT_CAP", 5)
    found = search(query=parse_query("社区治理"), filters=SearchFilters(year=year))
    assert (found.count, found.capped) == (2, False)
    assert [d.title for d in found.queryset[0:2]] == ["社区治理工作通知", "工作通知"]
