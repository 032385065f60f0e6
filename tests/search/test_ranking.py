"""Ranking and grouping (docs/decisions/0080-search-relevance.md), on both databases: where a
term occurs weighs more than how often, short documents above long ones, the newer of two
equals first, documents above the items derived from them, and a record's matches shown as
one result. On PostgreSQL, the plan proves the ranking reads only its window of candidates."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from search import backends, selectors
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import documents_matching, search
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db
SEED_URL = "/disclosures/015117762-202306-707714/"
FILLER = "各部门要按照要求认真组织实施并及时报送有关情况。"


def urls(q, **kwargs):
    return [group.document.url for group in search(query=parse_query(q), **kwargs).groups[0:50]]


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def test_title_outranks_keywords_outranks_body(db):
    body = published(title="关于年度工作的通知", body=f"<p>{FILLER}会商制度。</p>", published_at=days_ago(1))
    keywords = published(
        title="关于年度计划的通知", keywords="会商制度", body=f"<p>{FILLER}</p>", published_at=days_ago(2)
    )
    title = published(title="关于会商制度的通知", body=f"<p>{FILLER}</p>", published_at=days_ago(3))
    assert urls("会商制度") == [r.get_absolute_url() for r in (title, keywords, body)]


def test_short_document_outranks_long_one_and_newer_breaks_ties(db):
    long = published(title="关于工作的通知", body="<p>" + FILLER * 60 + "会商制度。</p>", published_at=days_ago(1))
    short = published(title="关于工作的通知", body=f"<p>{FILLER}会商制度。</p>", published_at=days_ago(5))
    older_twin = published(title="关于工作的通知", body=f"<p>{FILLER}会商制度。</p>", published_at=days_ago(9))
    assert urls("会商制度") == [r.get_absolute_url() for r in (short, older_twin, long)]


def test_derived_items_are_boosted_down(seed, monkeypatch):
    query = parse_query("社区工作者")
    fact = SearchDocument.objects.filter(source="fact", title__contains="社区工作者").first()

    def rank_of_fact():
        rows = selectors._ranked_rows(documents_matching(query=query), query)
        return next(rank for pk, *_, rank in rows if pk == fact.pk)

    boosted = rank_of_fact()
    monkeypatch.setattr(backends, "rank_boosts", dict)
    assert boosted == pytest.approx(0.3 * rank_of_fact())


def test_one_letter_never_floods_a_page(seed, client):
    # 委员 occurs in facts, the letter and its reply: one result with the facts folded under it.
    response = client.get(reverse("search:results"), {"q": "委员"})
    hits = response.context["hits"]
    assert [hit.document.url for hit in hits].count(SEED_URL) == 1
    assert len({hit.document.record_id for hit in hits}) == len(hits)
    assert all(hit.document.source != "fact" for hit in hits if hit.related)


def test_a_lone_fact_is_its_own_result_with_its_source(seed):
    # 街道数 is in one fact only, not in the letter: the fact is the result.
    (group,) = search(query=parse_query("街道数")).groups[0:20]
    assert group.document.source == "fact" and group.related == []


def test_sort_by_date_groups_too(seed):
    groups = search(query=parse_query("社区"), sort="date").groups[0:20]
    assert [group.document.url for group in groups] == [SEED_URL]


def test_csv_keeps_every_matching_document(seed):
    results = search(query=parse_query("社区"))
    assert (
        len(list(results.queryset))
        == results.count
        == SearchDocument.objects.filter(search_text__contains="社区").count()
    )


@pytest.mark.postgres_only
def test_ranking_many_matches_reads_only_the_window(db, monkeypatch):
    """At scale, the ranked query fetches its candidates by primary key and ranks only them:
    the plan has no scan of the full-text index or the table, and ranks at most the window."""
    monkeypatch.setattr(selectors, "RANK_LIMIT", 100)
    monkeypatch.setattr(selectors, "RANK_WINDOW", 40)
    monkeypatch.setattr(selectors, "TITLE_WINDOW", 20)
    now = timezone.now()
    SearchDocument.objects.bulk_create(
        SearchDocument(
            source="record",
            object_id=n,
            title=f"通知{n}" + ("社区" if n % 7 == 0 else ""),
            url=f"/x/{n}/",
            published_at=now - dt.timedelta(hours=n),
            year=2026,
            title_tokens="通知" + (" 社区" if n % 7 == 0 else ""),
            body_tokens="社区 区工 工作 " + " ".join(f"w{n % 50}" for _ in range(20)),
            search_title=f"通知{n}",
            search_text=f"通知{n}\n社区工作",
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
    with CaptureQueriesContext(connection) as queries:
        results = search(query=parse_query("社区"))
        first_page = results.groups[0:20]
    assert results.count >= 2000 and len(first_page) == 20  # counted up to the cap (search.facets)
    (ranking,) = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + ranking)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    scans = [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "search_searchdocument"]
    assert scans and all(n.get("Index Name") == "search_searchdocument_pkey" for n in scans), scans
    assert all(n["Actual Rows"] <= 60 for n in scans)
    assert plan[0]["Plan"]["Actual Rows"] <= 60
