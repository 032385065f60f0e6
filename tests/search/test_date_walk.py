"""Many hits are read along the date index (search.selectors.DateWalk): the same results,
in the same order, as the plain query — only the plan differs, and on PostgreSQL it is
forced, because the planner takes a phrase's bigrams for independent and misjudges it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.planner import index_lookup, index_walk
from search import density, selectors
from search.backends import backend_for
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import DateWalk, FewHits, search
from tests.disclosures.factories import OrganizationFactory, TopicFactory, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_hits(monkeypatch):
    # The walk whatever the table's statistics say (how they choose: tests/search/test_density.py).
    monkeypatch.setattr(density, "lexeme_shares", lambda *args, **kwargs: None)
    now = timezone.now()
    for n in range(7):
        published(title=f"社区治理工作安排（{n}）", body="<p>社区治理。</p>", published_at=now - dt.timedelta(days=n))
    for n in range(5):
        published(
            title=f"其他通知（{n}）", body="<p>正文提到社区治理。</p>", published_at=now - dt.timedelta(days=n, hours=1)
        )
    published(title="无关的通知", body="<p>无关。</p>")
    monkeypatch.setattr(selectors, "RANK_LIMIT", 2)
    monkeypatch.setattr(selectors, "DATE_WALK_MIN", 3)


def titles(items):
    return [getattr(item, "document", item).title for item in items]


def walks(results):
    return any(isinstance(getattr(part, "queryset", None), DateWalk) for part in results.parts)


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_walk_gives_the_plain_querys_results_page_by_page(many_hits, monkeypatch, sort):
    # A ranked window of the three newest matches and the two newest title hits, then the rest by date.
    monkeypatch.setattr(selectors, "RANK_WINDOW", 3)
    monkeypatch.setattr(selectors, "TITLE_WINDOW", 2)
    walked = search(query=parse_query("社区治理"), sort=sort).queryset
    assert walks(walked)
    pages = [titles(walked[start : start + 4]) for start in range(0, 12, 4)]
    assert titles(walked[0:12]) == sum(pages, [])
    monkeypatch.setattr(selectors, "DATE_WALK_MIN", 10**9)
    plain = search(query=parse_query("社区治理"), sort=sort).queryset
    assert not walks(plain)
    assert titles(plain[0:12]) == titles(walked[0:12])
    assert titles(walked) == titles(plain)  # CSV export iterates
    assert len(walked) == 12
    if sort == "relevance":  # the window's title hits first, then the rest newest first
        assert titles(walked[0:3]) == ["社区治理工作安排（0）", "社区治理工作安排（1）", "其他通知（0）"]
        assert titles(walked[3:5]) == ["其他通知（1）", "社区治理工作安排（2）"]


def test_few_hits_are_not_walked(many_hits, monkeypatch):
    monkeypatch.setattr(selectors, "DATE_WALK_MIN", 100)
    assert not walks(search(query=parse_query("社区治理")).queryset)


@pytest.mark.postgres_only
def test_postgresql_walks_the_date_index_without_jit(many_hits):
    walked = search(query=parse_query("社区治理"), sort="date").queryset
    with CaptureQueriesContext(connection) as queries:
        walked[0:5]
    statements = " ".join(q["sql"] for q in queries)
    assert "set_config('enable_bitmapscan', 'off', true)" in statements
    assert "set_config('jit', 'off', true)" in statements
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"  # only for that one query's transaction
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"  # the app's connections never JIT-compile


def test_few_hits_are_looked_up_through_their_index_then_sorted(many_hits, monkeypatch):
    """Below DATE_WALK_MIN (the count is exact) the hits are found through the full-text index
    and sorted: a match that rarely occurs but looks common is never walked for (社区 养老 in
    titles read the whole date index at a million records)."""
    monkeypatch.setattr(selectors, "DATE_WALK_MIN", 100)
    results = search(query=parse_query("社区治理"), sort="date").queryset
    assert any(isinstance(getattr(part, "queryset", None), FewHits) for part in results.parts)
    with CaptureQueriesContext(connection) as queries:
        found = titles(results[0:12])
    newest_first = sorted(
        SearchDocument.objects.filter(search_text__contains="社区治理"), key=lambda d: (d.published_at, d.pk)
    )[::-1]
    assert found == [d.title for d in newest_first]
    if connection.vendor == "postgresql":
        statements = " ".join(q["sql"] for q in queries)
        assert "set_config('enable_indexscan', 'off', true)" in statements
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_indexscan")
            assert cursor.fetchone()[0] == "on"  # only for that one query's transaction


def _many_analyzed_documents(source_of, title, count=3000):
    """`count` documents, hourly back from now, titled `title` + n (tokens written directly:
    only the plans are looked at), then ANALYZE, so the planner sees a real table."""
    now = timezone.now()
    tokens = " ".join([*(title[i : i + 2] for i in range(len(title) - 1)), title[-1]])
    SearchDocument.objects.bulk_create(
        SearchDocument(
            source=source_of(n),
            object_id=10**6 + n,
            title=f"{title}{n}",
            url=f"/x/{n}",
            published_at=now - dt.timedelta(hours=n),
            year=now.year,
            title_tokens=tokens,
            search_title=f"{title}{n}",
            search_text=f"{title}{n}",
        )
        for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
        # The planner prices a GIN index's pending list (fastupdate) into every lookup through
        # it: the entries of the suite's earlier, rolled-back rows, up to 4 MB of it, tipped the
        # title lookup over the date index in a full CI run. Production flushes it in autovacuum.
        if connection.vendor == "postgresql":
            for index in ("search_document_title_gin", "search_document_fts_gin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


@pytest.mark.postgres_only
def test_postgresql_looks_few_hits_up_in_the_full_text_index():
    """Among 10,000 documents (analyzed), three title hits: the lookup takes them from the title
    index; it neither walks the date index nor reads all of it as a bitmap. (Among 3,000 the
    two bitmaps were priced so close that the dead index entries of earlier tests' rolled-back
    rows tipped it.)"""
    for n in range(3):
        published(title=f"社区养老服务通知（{n}）", body="<p>社区养老。</p>")
    _many_analyzed_documents(lambda n: "record", "工作通知", count=10_000)
    few = backend_for(SearchDocument.objects.all()).match(
        SearchDocument.objects.public(), parse_query("社区 养老"), title_only=True
    )
    with index_lookup(connection.alias):
        plan = few.order_by("-published_at", "-id")[:100].explain()
    assert "Bitmap Index Scan on search_document_title_gin" in plan, plan
    assert "search_document_date" not in plan, plan


def test_a_type_and_a_rare_validity_have_indexes_of_their_own():
    """失效/废止 beside a common word is found by its 有效性, not by checking every match (3 s at
    a million records, where none had it); a type's newest matches are walked along its own
    dates (数据 are 1 % of the documents: 0.6–2.9 s along everyone's)."""
    indexes = {index.name: index.fields for index in SearchDocument._meta.indexes}
    assert indexes["search_document_validity"] == ["validity"]
    assert indexes["search_document_source_date"] == ["source", "-published_at", "-id"]
    assert indexes["search_document_publisher_date"] == ["publisher", "-published_at", "-id"]
    assert indexes["search_document_topic_date"] == ["topic", "-published_at", "-id"]
    with connection.cursor() as cursor:
        names = {
            c
            for c, info in connection.introspection.get_constraints(cursor, "search_searchdocument").items()
            if info["index"]
        }
    assert {
        "search_document_validity",
        "search_document_source_date",
        "search_document_publisher_date",
        "search_document_topic_date",
    } <= names


@pytest.mark.postgres_only
def test_postgresql_walks_a_chosen_type_along_its_own_dates():
    _many_analyzed_documents(lambda n: "record" if n % 50 else "fact", "管理通知")
    facts = backend_for(SearchDocument.objects.all()).match(SearchDocument.objects.public(), parse_query("管理"))
    walked = DateWalk(facts.filter(source="fact").order_by("-published_at", "-id").values_list("id", flat=True))
    newest_facts = SearchDocument.objects.filter(source="fact").order_by("-published_at", "-id")
    assert walked[0:20] == list(newest_facts.values_list("id", flat=True)[:20])
    with index_walk(connection.alias):
        plan = walked.queryset[:20].explain()
    assert "search_document_source_date" in plan, plan


@pytest.mark.postgres_only
@pytest.mark.parametrize("field, factory", [("publisher", OrganizationFactory), ("topic", TopicFactory)])
def test_postgresql_walks_a_chosen_publisher_or_topic_along_its_own_dates(field, factory):
    """One publisher's or topic's newest matches (each 2–5 % of the documents at a million):
    walked along their own dates, not everyone's, checking fifty others per hit (社区 with a
    publisher chosen: 185,000 buffers for its 100 newest title hits)."""
    chosen = factory()
    _many_analyzed_documents(lambda n: "record", "管理通知")
    SearchDocument.objects.filter(object_id__in=[10**6 + n for n in range(0, 3000, 50)]).update(**{field: chosen})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
        # The planner prices a GIN index's pending list (fastupdate) into every lookup through
        # it: the entries of the suite's earlier, rolled-back rows, up to 4 MB of it, tipped the
        # title lookup over the date index in a full CI run. Production flushes it in autovacuum.
        if connection.vendor == "postgresql":
            for index in ("search_document_title_gin", "search_document_fts_gin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    matched = backend_for(SearchDocument.objects.all()).match(SearchDocument.objects.public(), parse_query("管理"))
    walked = DateWalk(matched.filter(**{field: chosen}).order_by("-published_at", "-id").values_list("id", flat=True))
    newest = SearchDocument.objects.filter(**{field: chosen}).order_by("-published_at", "-id")
    assert walked[0:20] == list(newest.values_list("id", flat=True)[:20])
    with index_walk(connection.alias):
        plan = walked.queryset[:20].explain()
    assert f"search_document_{field}_date" in plan, plan


def test_sqlite_walks_the_date_index_checking_each_row_against_the_matches():
    """SQLite has no planner settings: inside the walk the match is written `+id IN (…)`, so
    the newest matches are read along the date index (no sort of every match), with the same
    result as the plain query, which still looks the matches up (counts, facets, few hits)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's walk is its planner settings (above)")
    _many_analyzed_documents(lambda n: "record", "管理通知")
    matched = backend_for(SearchDocument.objects.all()).match(SearchDocument.objects.public(), parse_query("管理"))
    newest = matched.order_by("-published_at", "-id").values_list("id", flat=True)
    with CaptureQueriesContext(connection) as plain:
        expected = list(newest[:20])
    assert '+"search_searchdocument"."id" IN' not in plain[0]["sql"]
    with index_walk(connection.alias), CaptureQueriesContext(connection) as walked:
        assert list(newest[:20]) == expected
        plan = newest[:20].explain()
    assert '+"search_searchdocument"."id" IN' in walked[0]["sql"]
    assert "search_document_date" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.postgres_only
def test_postgresql_walk_never_sorts_a_types_matches_read_along_another_index():
    """Title hits of a phrase in the commonest type, newest first. The planner takes the
    phrase's three bigrams for independent and expects a few hits; with bitmaps off, a scan of
    every record by its unique key (which follows the table's order, unlike the dates) and a
    sort of those few then cost less than the walk along the dates: 1.6 s against 7 ms at a
    million records."""
    import random

    now = timezone.now()
    hours = list(range(4000))
    random.Random(22).shuffle(hours)  # dates in no relation to the rows' order, as in real data
    SearchDocument.objects.bulk_create(
        SearchDocument(
            source="fact" if n % 40 == 0 else "record",
            object_id=10**6 + n,
            title=title,
            url=f"/x/{n}",
            published_at=now - dt.timedelta(hours=hours[n]),
            year=now.year,
            title_tokens=" ".join(title[i : i + 2] for i in range(len(title) - 1)),
            search_title=title,
            search_text=title,
        )
        for n in range(4000)
        for title in [f"养老服务通知{n}" if n % 20 == 0 else f"工作安排{n}"]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
        # The planner prices a GIN index's pending list (fastupdate) into every lookup through
        # it: the entries of the suite's earlier, rolled-back rows, up to 4 MB of it, tipped the
        # title lookup over the date index in a full CI run. Production flushes it in autovacuum.
        if connection.vendor == "postgresql":
            for index in ("search_document_title_gin", "search_document_fts_gin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    matched = backend_for(SearchDocument.objects.all()).match(
        SearchDocument.objects.public(), parse_query("养老服务"), title_only=True
    )
    newest = matched.filter(source="record").order_by("-published_at", "-id").values_list("id", flat=True)
    with index_walk(connection.alias):
        plan = newest[:100].explain()
    assert "Sort" not in plan and "search_document_unique_item" not in plan, plan
    assert "search_document_date" in plan or "search_document_source_date" in plan, plan
