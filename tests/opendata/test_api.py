"""The read-only JSON API under /api/v1/: schema, filters, cursor pagination, errors,
and schemathesis against the published OpenAPI schema (no 5xx, no schema violation)."""

import datetime as dt

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.disclosures.factories import OrganizationFactory, published


def get(client, url, **params):
    response = client.get(url, params)
    return response.status_code, response.json()


@pytest.mark.django_db
class TestSchema:
    def test_openapi_document(self, client):
        status, schema = get(client, "/api/v1/openapi.json")
        assert status == 200 and schema["openapi"].startswith("3.")
        assert {
            "/api/v1/records",
            "/api/v1/records/{index_number}",
            "/api/v1/replies",
            "/api/v1/facts",
            "/api/v1/search",
            "/api/v1/publishers",
            "/api/v1/topics",
        } <= set(schema["paths"])
        assert all(set(path) == {"get"} for path in schema["paths"].values())  # read-only
        record = schema["components"]["schemas"]["Record"]["properties"]
        assert "status" not in record and "view_count" not in record
        member_fields = str(schema["components"]["schemas"]["ProposalRef"])
        assert "phone" not in member_fields and "email" not in member_fields and "address" not in member_fields

    def test_every_documented_bound_is_enforced(self, client):
        """The parameters are documented from the forms that check them: just past any
        documented limit, or empty where a number, date or choice is expected, is a 422."""
        schema = get(client, "/api/v1/openapi.json")[1]
        for path, item in schema["paths"].items():
            query = [p for p in item["get"]["parameters"] if p["in"] == "query"]
            required = {p["name"]: "社区" for p in query if p["required"]}
            for parameter in query:
                rule = parameter["schema"]
                if rule["type"] == "integer":
                    bad = [rule["minimum"] - 1, rule["maximum"] + 1, "1.5", ""]
                elif "enum" in rule:
                    bad = ["not-an-option", ""]
                elif rule.get("format") == "date":
                    bad = ["2024-02-30", ""]
                else:
                    bad = ["x" * (rule["maxLength"] + 1)]
                for value in bad:
                    response = client.get(path, {**required, parameter["name"]: value})
                    assert response.status_code == 422, (path, parameter["name"], value)
                    [problem] = response.json()["detail"]
                    assert problem["loc"] == ["query", parameter["name"]] and problem["msg"]

    def test_read_only(self, client):
        for url in ("/api/v1/records", "/api/v1/openapi.json"):
            assert client.post(url).status_code == 405  # refused as a method, not for a missing CSRF token
        response = client.get("/api/v1/")
        assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


@pytest.mark.django_db
class TestRecords:
    def test_list_and_detail(self, client, seed):
        status, data = get(client, "/api/v1/records")
        assert status == 200 and data["next_cursor"] is None
        [item] = data["results"]
        assert item["index_number"] == seed.index_number
        assert item["publisher"] == {"id": seed.publisher_id, "name": "昆明市官渡区人民政府"}
        assert item["url"] == f"http://testserver{seed.get_absolute_url()}"
        status, detail = get(client, f"/api/v1/records/{seed.index_number}")
        assert status == 200 and "矣六街道" in detail["body_html"]
        status, missing = get(client, "/api/v1/records/000000000-000000-000000")
        assert status == 404 and missing["detail"]
        assert client.get("/api/v1/records/%00abc").status_code == 404  # PostgreSQL rejects NUL
        # Found by schemathesis: a line break matches no route; the 404 must still be JSON.
        for path in ("/api/v1/records/abc%0Adef", "/api/v1/no-such-thing"):
            response = client.get(path)
            assert response.status_code == 404 and response["Content-Type"] == "application/json"

    def test_national_index_number_with_a_slash(self, client, db):
        record = published(title="国家式索引号", index_number="000014349/2017-00110")
        status, detail = get(client, f"/api/v1/records/{record.index_number}")
        assert status == 200 and detail["title"] == "国家式索引号"

    def test_cursor_pagination_walks_every_record_once(self, client, db):
        now = timezone.now()
        # Equal publication times too: the cursor breaks ties by id.
        made = [published(title=f"记录{n}", published_at=now - dt.timedelta(hours=n // 3)) for n in range(11)]
        seen, url, params = [], "/api/v1/records", {"limit": 4}
        while True:
            status, data = get(client, url, **params)
            assert status == 200 and len(data["results"]) <= 4
            seen += [r["index_number"] for r in data["results"]]
            if not data["next_cursor"]:
                break
            params = {"limit": 4, "cursor": data["next_cursor"]}
            assert data["next"].startswith("http://testserver/api/v1/records?")
        assert sorted(seen) == sorted(r.index_number for r in made) and len(seen) == len(set(seen))
        expected = [r.index_number for r in sorted(made, key=lambda r: (r.published_at, r.pk), reverse=True)]
        assert [r["index_number"] for r in get(client, url, limit=11)[1]["results"]] == expected

    def test_filters(self, client, seed):
        org = OrganizationFactory(name="昆明市官渡区教育体育局")
        mine = published(
            title="教育通知",
            publisher=org,
            document_number="官教发〔2024〕3号",
            published_at=timezone.make_aware(dt.datetime(2024, 3, 1, 9)),
        )
        assert [r["title"] for r in get(client, "/api/v1/records", publisher=org.pk)[1]["results"]] == [mine.title]
        assert [r["title"] for r in get(client, "/api/v1/records", year=2023)[1]["results"]] == [seed.title]
        assert [
            r["title"] for r in get(client, "/api/v1/records", document_number="官教发[2024]3号")[1]["results"]
        ] == [mine.title]
        assert [r["title"] for r in get(client, "/api/v1/records", q="社区治理")[1]["results"]] == [seed.title]
        window = get(client, "/api/v1/records", published_after="2024-02-29", published_before="2024-03-01")[1]
        assert [r["title"] for r in window["results"]] == [mine.title]

    @pytest.mark.parametrize(
        "params, status",
        [
            ({"cursor": "not-a-cursor"}, 400),
            ({"cursor": "MjAyMy0wNi0xNnw"}, 400),
            ({"q": "!!!"}, 400),
            ({"q": "社\x00"}, 400),
            ({"limit": 0}, 422),
            ({"limit": 1000}, 422),
            ({"year": 1800}, 422),
            ({"publisher": 2**70}, 422),
            ({"validity": "maybe"}, 422),
            ({"document_number": "官\x00"}, 400),
        ],
    )
    def test_bad_parameters_are_4xx_with_a_reason(self, client, db, params, status):
        response = client.get("/api/v1/records", params)
        assert response.status_code == status
        assert response.json()["detail"]


@pytest.mark.django_db
class TestRepliesAndFacts:
    def test_replies_without_member_contacts(self, client, seed):
        from proposals.models import Member

        Member.objects.update(phone="13912345678", email="m@example.com", address="秘密路8号")
        status, data = get(client, "/api/v1/replies")
        assert status == 200
        [reply] = data["results"]
        assert reply["proposal"]["reference"] == "政协官渡区十届二次会议第102114号提案"
        assert reply["proposal"]["lead_member"] == "王丽芬"
        assert reply["record_index_number"] == seed.index_number
        text = str(data)
        assert "13912345678" not in text and "m@example.com" not in text and "秘密路" not in text
        assert get(client, "/api/v1/replies", number="第102114号")[1]["results"][0]["id"] == reply["id"]
        assert get(client, "/api/v1/replies", year=2022)[1]["results"] == []

    def test_facts_with_their_source(self, client, seed):
        from communities.models import Fact

        status, data = get(client, "/api/v1/facts", limit=100)
        assert status == 200
        assert len(data["results"]) == Fact.objects.public().count()
        fact = next(f for f in data["results"] if f["metric"] == "community-count")
        assert fact["value"] == 99 and fact["source"]["index_number"] == seed.index_number
        assert fact["sentence"] in fact_text(seed)
        only = get(client, "/api/v1/facts", metric="community-count")[1]["results"]
        assert {f["metric"] for f in only} == {"community-count"}

    def test_every_reply_and_fact_filter(self, client, seed):
        """Each documented filter narrows (one FilterSet per list, core.filters.AppliedFilters)."""
        from communities.models import Fact
        from proposals.models import Reply, ReplyCategory

        reply = Reply.objects.public().select_related("proposal__session").get()
        Reply.objects.filter(pk=reply.pk).update(category=ReplyCategory.objects.get(code="A"))
        reply.refresh_from_db()
        kept = {
            "session": reply.proposal.session_id,
            "year": reply.proposal.session.year,
            "unit": reply.answering_unit_id,
            "category": reply.category.code.lower(),
        }
        for name, value in kept.items():
            assert [r["id"] for r in get(client, "/api/v1/replies", **{name: value})[1]["results"]] == [reply.pk]
        for name, value in {"session": reply.proposal.session_id + 1000, "unit": 999999, "category": "ZZ"}.items():
            assert get(client, "/api/v1/replies", **{name: value})[1]["results"] == []

        fact = Fact.objects.public().first()
        by_scope = get(client, "/api/v1/facts", scope=fact.scope, limit=100)[1]["results"]
        assert by_scope and {f["scope"] for f in by_scope} == {fact.scope}
        by_source = get(client, "/api/v1/facts", source=seed.index_number, limit=100)[1]["results"]
        assert len(by_source) == Fact.objects.public().filter(source_record=seed).count()
        assert get(client, "/api/v1/facts", source="000000000/2000-00001")[1]["results"] == []
        # One fact about a street, one about a community in it: both belong to the street.
        from tests.communities.factories import CommunityFactory

        community = CommunityFactory()
        about_street, about_community = Fact.objects.public()[:2]
        Fact.objects.filter(pk=about_street.pk).update(scope="street", street=community.street, community=None)
        Fact.objects.filter(pk=about_community.pk).update(scope="community", street=None, community=community)
        in_street = get(client, "/api/v1/facts", street=community.street_id, limit=100)[1]["results"]
        assert sorted(f["id"] for f in in_street) == sorted([about_street.pk, about_community.pk])
        assert get(client, "/api/v1/replies", number="第1\x00号")[0] == 400

    def test_search_endpoint(self, client, seed):
        status, data = get(client, "/api/v1/search", q="社区治理")
        assert status == 200 and data["count"] >= 3
        assert {r["type"] for r in data["results"]} == {"record", "reply", "fact"}


@pytest.mark.django_db
def test_every_publisher_and_unit_a_result_names_can_be_looked_up(client, seed):
    """/api/v1/publishers listed only the catalogue's publishers, while search hits and replies
    named answering units no endpoint listed; one only a draft refers to stays unlisted."""
    from tests.disclosures.factories import OrganizationFactory, draft

    draft("关于未公开事项的通知", publisher=OrganizationFactory(name="只有草稿的机构"))
    listed = {org["id"]: org["name"] for org in get(client, "/api/v1/publishers")[1]}
    named = {hit["publisher"]["id"] for hit in get(client, "/api/v1/search", q="社区治理", limit=100)[1]["results"]}
    named |= {reply["answering_unit"]["id"] for reply in get(client, "/api/v1/replies", limit=100)[1]["results"]}
    assert len(named) > 1 and named <= set(listed), named - set(listed)
    assert "只有草稿的机构" not in listed.values()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/topics", "/api/v1/records", "/api/v1/openapi.json", "/robots.txt"])
def test_head_and_options_get_the_same_answer_from_a_cold_or_a_warm_cache(client, url):
    """The page cache answers HEAD for a stored page; a view that refused it gave 405 on a miss
    and 200 on a hit. OPTIONS is never served from the cache: a 405 naming GET and HEAD both ways."""
    from core import pagecache

    def answers():
        head, options = client.head(url), client.options(url)
        return {
            "head": (head.status_code, head["Content-Type"], head.content),
            "options": (options.status_code, options.get("Allow")),
            "head_hit": head.get(pagecache.HIT_HEADER),
        }

    cold = answers()
    assert cold["head_hit"] is None
    get = client.get(url)
    assert get.status_code == 200 and client.get(url).get(pagecache.HIT_HEADER) == "hit"
    warm = answers()
    assert warm["head_hit"] == "hit"
    for state in (cold, warm):
        assert state["head"] == (200, get["Content-Type"], b"")
        assert state["options"] == (405, "GET, HEAD")


def fact_text(record):
    from search.text import html_to_text

    return html_to_text(record.body)


# schemathesis: every operation of the published schema, generated parameters, a bounded
# number of examples each, against the real application (WSGI) and database.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, minus the per-request connection recycling that would
    close the test transaction's connection (Django's test client does the same)."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_conforms_to_its_schema(seed, wsgi_app):
    published(title="第二条记录", document_number="官办通〔2020〕26号")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["published", "draft", "scheduled", "withdrawn"])
def test_a_records_interpreted_document_is_given_by_index_number_only_once_public(client, state):
    from tests.disclosures.factories import draft, scheduled, withdrawn

    make = {"published": published, "draft": draft, "scheduled": scheduled, "withdrawn": withdrawn}[state]
    document = make("关于推进社区协商的意见", index_number="100000000-202401-900001")
    reading = published("《关于推进社区协商的意见》政策解读", interprets=document)
    expected = document.index_number if state == "published" else None
    status, data = get(client, "/api/v1/records")
    [item] = [row for row in data["results"] if row["index_number"] == reading.index_number]
    assert status == 200 and item["interprets"] == expected
    status, detail = get(client, f"/api/v1/records/{reading.index_number}")
    assert status == 200 and detail["interprets"] == expected
    if state != "published":
        assert document.index_number not in str(data) + str(detail)
