"""Many hits are read along the date index (search.selectors.DateWalk): the same results,
in the same order, as the plain query — only the plan differs, and on PostgreSQL it is
forced, because the planner takes a phrase's bigrams for independent and misjudges it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from search import selectors
from search.query import parse_query
from search.selectors import DateWalk, search
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_hits(monkeypatch):
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
