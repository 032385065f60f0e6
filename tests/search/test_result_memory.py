"""What a search reads into the worker: the largest columns (the tokens and the normalized
text, used only inside the database) never, and the facet combinations without names
repeated on each (they are looked up once per facet value)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.query import parse_query
from search.selectors import UNSHOWN_COLUMNS, search, search_hits
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db


def test_results_leave_out_the_columns_a_page_never_shows(client):
    for n in range(3):
        published(title=f"社区工作通知（{n}）", body="<p>社区工作要点。</p>")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "社区"})
    assert response.status_code == 200 and "工作通知（2）" in response.content.decode()
    selects = [q["sql"].split(" FROM ")[0] for q in queries if '"search_searchdocument"."title"' in q["sql"]]
    assert selects
    for columns in selects:
        for name in UNSHOWN_COLUMNS:
            assert f'"search_searchdocument"."{name}"' not in columns
    # The snippets still come from the body text.
    found = search(query=parse_query("社区"))
    hits = search_hits(documents=list(found.queryset[:3]), query=found.query)
    assert all("<mark>社区</mark>" in hit.excerpt for hit in hits)


def test_facet_combinations_are_read_without_names(client):
    published(title="社区工作通知", body="<p>社区。</p>")
    with CaptureQueriesContext(connection) as queries:
        found = search(query=parse_query("社区"))
    grouped = next(q["sql"] for q in queries if "GROUP BY" in q["sql"])
    assert "disclosures_organization" not in grouped and "disclosures_topic" not in grouped
    publishers = found.facets["publisher"]
    assert publishers and all(value.label.startswith("测试机构") for value in publishers)
