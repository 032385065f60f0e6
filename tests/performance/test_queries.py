"""Queries per page do not grow with the number of rows shown, and a page served from the
page cache costs no query at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures.models import DisclosureRecord
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import PublishedRecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
NO_PAGE_CACHE = "bench=1"  # a cookie the page cache does not know: every request is rendered


def add_records(n=30):
    PublishedRecordFactory.create_batch(n)


def add_proposals(n=30):
    from tests.proposals.factories import ProposalFactory

    ProposalFactory.create_batch(n)


def add_facts(n=30):
    from tests.communities.factories import FactFactory

    for i in range(n):
        FactFactory(statement=f"截至2024年底,官渡区共开展社区协商各类活动{600 + i}次。", figure_text=f"{600 + i}次")


def keyset(direction):
    pk = DisclosureRecord.objects.published().order_by("-published_at", "-id").values_list("pk", flat=True)[3]
    return f"/disclosures/?{direction}={pk}"


# (url, how to add rows it shows, most queries allowed)
PAGES = [
    ("/", add_records, 3),
    ("/disclosures/", add_records, 7),
    (lambda: keyset("after"), add_records, 7),
    (lambda: keyset("before"), add_records, 7),
    ("/disclosures/?last=1", add_records, 7),
    (f"/disclosures/{SEED_INDEX_NUMBER}/", add_records, 6),
    ("/search/?q=社区", add_records, 8),
    ("/feeds/records.xml", add_records, 3),
    ("/api/v1/records", add_records, 3),
    ("/search/export/records.csv", add_records, 3),
    ("/proposals/", add_proposals, 8),
    ("/communities/data/", add_facts, 3),
]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url, grow, limit", PAGES, ids=[p[0] if isinstance(p[0], str) else p[0].__name__ for p in PAGES]
)
def test_queries_do_not_grow_with_the_rows_shown(
    client, seed, url, grow, limit, django_assert_max_num_queries, settings
):
    client.defaults["HTTP_COOKIE"] = NO_PAGE_CACHE
    settings.PAGE_KEEP_RESPONSES = False  # every request renders: kept pages would cost none (below)
    grow(5)
    address = url() if callable(url) else url
    queries_for(client, address)  # fill the per-generation caches (counts, facets)
    before = queries_for(client, address)
    grow(30)
    address = url() if callable(url) else url
    queries_for(client, address)
    with django_assert_max_num_queries(limit):
        after = queries_for(client, address)
    assert after == before, (address, before, after)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/disclosures/",
        f"/disclosures/{SEED_INDEX_NUMBER}/",
        "/search/?q=社区",
        "/feeds/records.xml",
        "/api/v1/records",
    ],
)
def test_a_cached_page_costs_no_query(reader_client, seed, url, django_assert_num_queries):
    reader_client.get(url)
    with django_assert_num_queries(0):
        assert reader_client.get(url)["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/disclosures/",
        "/proposals/",
        "/communities/",
        "/communities/data/",
        "/feeds/records.xml",
        "/api/v1/records",
    ],
)
def test_a_kept_page_past_the_page_cache_costs_no_query(client, seed, url, django_assert_num_queries):
    client.defaults["HTTP_COOKIE"] = NO_PAGE_CACHE  # a cookie the page cache does not know
    add_records(5)
    queries_for(client, url)  # rendered once for this generation
    with django_assert_num_queries(0):
        queries_for(client, url)
