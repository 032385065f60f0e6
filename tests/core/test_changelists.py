"""core.changelists: a paginator that counts only to the page after the one shown, and a count
that reads "N+" wherever the admin prints it."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core.changelists import BoundedCountPaginator, MoreThan, requested_page
from disclosures.models import Topic

pytestmark = pytest.mark.django_db


def test_more_than_compares_as_the_rows_counted_and_reads_as_a_bound():
    count = MoreThan(200)
    assert count == 201 and count > 200 and count > 100
    assert str(count) == "200+" and "%s selected" % count == "200+ selected"
    assert Template("{{ n }} 条").render(Context({"n": count})) == "200+ 条"


@pytest.fixture
def topics():
    Topic.objects.bulk_create([Topic(name=f"分类{n:02d}", position=n) for n in range(25)])
    return Topic.objects.filter(name__startswith="分类").order_by("position")


def test_counts_stop_after_the_next_page(topics):
    paginator = BoundedCountPaginator(topics, 5, page=1)
    with CaptureQueriesContext(connection) as queries:
        assert str(paginator.count) == "10+" and paginator.num_pages == 3
    assert "LIMIT 11" in queries.captured_queries[0]["sql"]
    page = paginator.page(1)
    assert isinstance(page.object_list, list) and [t.name for t in page.object_list] == [
        f"分类{n:02d}" for n in range(5)
    ]
    assert page.has_next()
    near_the_end = BoundedCountPaginator(topics, 5, page=4)
    assert near_the_end.count == 25 and not isinstance(near_the_end.count, MoreThan)
    assert not near_the_end.page(5).has_next()


def test_page_numbers_from_the_query_string():
    factory = RequestFactory()
    assert requested_page(factory.get("/", {"p": "7"})) == 7
    assert requested_page(factory.get("/", {"page": "3"})) == 3  # the autocomplete view's
    assert requested_page(factory.get("/", {"p": "x"})) == 1
    assert requested_page(factory.get("/", {"p": "²"})) == 1  # isdigit() but not a number int() reads
    assert requested_page(factory.get("/")) == 1
    assert BoundedCountPaginator(Topic.objects.all(), 5, page=10**12).page_hint == 100_000
