"""How common a query is, from PostgreSQL's statistics (search.density, ADR 0110), decides how
its many matches are read: a dense query's facets count its newest matches, walked for along
the date index; a rare query's newest matches are looked up among the newest documents."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.planner import index_lookup
from search import density, facets, selectors
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import NewestLookup, SearchFilters, search

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def _documents(rows):
    """rows: [(text, published_at, year)], written in this order (the table's physical order),
    tokens written directly (bigrams, then the last character), then ANALYZE."""
    SearchDocument.objects.bulk_create(
        SearchDocument(
            source="record",
            object_id=10**6 + n,
            title=text,
            url=f"/x/{n}",
            published_at=published_at,
            year=year,
            title_tokens=" ".join([*(text[i : i + 2] for i in range(len(text) - 1)), text[-1]]),
            search_title=text,
            search_text=text,
        )
        for n, (text, published_at, year) in enumerate(rows)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    density.forget()


@pytest.fixture
def old_then_new():
    """3,000 documents with 工作通知, the older 2,000 written first; one in fifty also says 年度报告."""
    now = timezone.now()
    rows = []
    for n in range(3000):
        age = dt.timedelta(hours=3000 - n)  # the oldest first
        text = "工作通知年度报告" if n % 50 == 0 else "工作通知"
        rows.append((text, now - age, 2020 if n < 2000 else 2026))
    _documents(rows)
    yield
    density.forget()


def test_shares_are_read_from_the_statistics(old_then_new):
    assert density.match_share(parse_query("工作通知"), connection.alias) == pytest.approx(1.0)
    rare = density.match_share(parse_query("年度报告"), connection.alias)
    assert rare == pytest.approx(0.02, abs=0.01)
    assert density.sample_reading(parse_query("工作"), connection.alias) == "walk"
    assert density.sample_reading(parse_query("年度"), connection.alias) == "lookup"
    # A lone character's share is a floor: the planner chooses.
    assert density.sample_reading(parse_query("年"), connection.alias) is None
    assert density.window_share(parse_query("年度"), connection.alias) is not None
    assert density.window_share(parse_query("通知"), connection.alias) is None
    # A lone character is as common as the commonest pair it begins.
    assert density.match_share(parse_query("工"), connection.alias) == pytest.approx(1.0)
    # A bigram not listed is rarer than every listed one.
    missing = density.match_share(parse_query("量子"), connection.alias)
    assert missing <= rare


def test_a_dense_querys_facets_count_its_newest_matches(old_then_new, monkeypatch):
    """Past the cap the facets count a sample of the matches: the newest, walked for; a bitmap
    in the table's order gave the oldest (here all from 2020, when the newest are from 2026)."""
    monkeypatch.setattr(facets, "COUNT_CAP", 100)
    monkeypatch.setattr(facets, "WALK_BUDGET", 500)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("工作通知"))
    years = {value.value: value.count for value in found.facets["year"]}
    assert found.capped and years == {"2026": 101}
    assert any("set_config('enable_bitmapscan', 'off', true)" in q["sql"] for q in queries)


def test_a_dense_query_whose_newest_documents_hold_too_few_matches_is_counted_as_before(monkeypatch):
    """Matches all older than the walk's budget of newest documents: the walk stops there and
    the sample is read through the full-text index after all, with the same counts."""
    now = timezone.now()
    rows = [("工作通知", now - dt.timedelta(days=400, hours=n), 2025) for n in range(2000)]
    rows += [("其他事项", now - dt.timedelta(hours=n), 2026) for n in range(1000)]
    _documents(rows)
    monkeypatch.setattr(facets, "COUNT_CAP", 100)
    monkeypatch.setattr(facets, "WALK_BUDGET", 500)
    monkeypatch.setattr(density, "DENSE_SHARE", 0.5)
    assert density.sample_reading(parse_query("工作通知"), connection.alias) == "walk"
    found = search(query=parse_query("工作通知"))
    assert found.capped and {value.value: value.count for value in found.facets["year"]} == {"2025": 101}


def test_a_less_common_querys_facet_sample_is_read_through_the_full_text_index(old_then_new, monkeypatch):
    """Below the dense share the planner scans the table for the sample, checking each row's
    out-of-line vector; the sample is found through the full-text index instead (a bitmap)."""
    monkeypatch.setattr(facets, "COUNT_CAP", 10)
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("年度报告"))
    assert found.capped
    sqls = [q["sql"] for q in queries]
    sample = next(i for i, sql in enumerate(sqls) if "AS sample GROUP BY" in sql and '"publisher"' in sql)
    assert "set_config('enable_seqscan', 'off', true)" in sqls[sample - 1]
    with connection.cursor() as cursor, index_lookup(connection.alias):
        cursor.execute("EXPLAIN " + sqls[sample])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan" in plan and "Seq Scan" not in plan


def test_a_dense_querys_first_matches_of_a_choice_are_not_walked_for(monkeypatch):
    """A query dense overall may be rare in the chosen year (a phrase of one season): a walk
    for its first matches would read every row of the year, so they are read as the planner
    chooses, with every token for the full-text index to use."""
    start = dt.datetime(2020, 3, 1, tzinfo=dt.UTC)
    _documents([("工作通知", start + dt.timedelta(hours=n), 2020) for n in range(0, 6000, 2)])
    monkeypatch.setattr(facets, "COUNT_CAP", 100)
    monkeypatch.setattr(facets, "WALK_BUDGET", 500)
    assert density.sample_reading(parse_query("工作通知"), connection.alias) == "walk"
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("工作通知"), filters=SearchFilters(year=2020))
    assert found.capped and found.count == 100
    sqls = [q["sql"] for q in queries]
    first = next(i for i, sql in enumerate(sqls) if "AS sample GROUP BY" in sql and '"publisher"' not in sql)
    assert "set_config('enable_bitmapscan', 'off', true)" not in sqls[first - 1]
    assert "@@" in sqls[first]


def _plain_newest(text, count):
    return list(
        SearchDocument.objects.filter(search_text__contains=text)
        .order_by("-published_at", "-id")
        .values_list("title", "published_at")[:count]
    )


@pytest.mark.parametrize("sort", ["date", "relevance"])
def test_rare_many_matches_are_looked_up_among_the_newest_documents(old_then_new, monkeypatch, sort):
    monkeypatch.setattr(selectors, "DATE_WALK_MIN", 10)
    monkeypatch.setattr(selectors, "RANK_LIMIT", 10)
    monkeypatch.setattr(selectors, "RANK_WINDOW", 5)
    with CaptureQueriesContext(connection) as queries:
        results = search(query=parse_query("年度报告"), sort=sort).queryset
        page = results[0:20]
    parts = [getattr(part, "queryset", None) for part in results.parts]
    assert any(isinstance(part, NewestLookup) for part in parts)
    assert len(page) == 20 and all(d.title == "工作通知年度报告" for d in page)
    if sort == "date":
        assert [(d.title, d.published_at) for d in page] == _plain_newest("年度报告", 20)
    # Looked up (no index scans) among the newest documents.
    windows = [q["sql"] for q in queries if '"published_at" >= ' in q["sql"] and "'年度'" in q["sql"]]
    assert windows
    assert any("set_config('enable_indexscan', 'off', true)" in q["sql"] for q in queries)


def test_a_rare_query_whose_newest_documents_hold_none_falls_back_to_every_match():
    """The window, then ten times the window, then all the matches: the same results in the
    same order whichever finds them."""
    now = timezone.now()
    rows = [("年度报告", now - dt.timedelta(days=900, hours=n), 2024) for n in range(30)]
    rows += [("工作通知", now - dt.timedelta(hours=n), 2026) for n in range(3000)]
    _documents(rows)
    assert density.window_share(parse_query("年度报告"), connection.alias) is not None
    matched = selectors.documents_matching(query=parse_query("年度报告")).order_by("-published_at", "-id")
    lookup = NewestLookup(matched, share=0.5)  # a window of 150, then 1,500: neither holds one
    assert [(d.title, d.published_at) for d in lookup[0:25]] == _plain_newest("年度报告", 25)
