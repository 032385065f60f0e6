"""Drafts, scheduled and withdrawn items, draft replies and members' contact details never
appear on any surface: search, feeds, sitemap, API, CSV."""

import json

import pytest

from disclosures.models import DisclosureRecord
from tests.disclosures.factories import draft, scheduled, withdrawn

SECRETS = ["饕餮", "梼杌", "混沌", "穷奇", "13912345678", "wang.lifen@example.com", "官渡区秘密路8号"]


@pytest.fixture
def hidden(seed):
    """Seed data plus one of every kind of non-public item, all with distinctive words."""
    from proposals.models import Member, Proposal, Reply

    draft_record = draft("关于饕餮项目的通知", body="<p>饕餮</p>", document_number="官办通〔2030〕1号")
    scheduled_record = scheduled("关于梼杌项目的通知", body="<p>梼杌</p>", document_number="官办通〔2030〕2号")
    withdrawn_record = withdrawn("关于混沌项目的通知", body="<p>混沌</p>", document_number="官办通〔2030〕3号")
    member = Member.objects.get(name="王丽芬")
    member.phone, member.email, member.address = "13912345678", "wang.lifen@example.com", "官渡区秘密路8号"
    member.save()
    proposal = Proposal.objects.get(number="102114")
    unit = proposal.lead_unit
    Reply.objects.create(proposal=proposal, answering_unit=unit, letter="<p>穷奇</p>", status=Reply.Status.DRAFT)
    return {"draft": draft_record, "scheduled": scheduled_record, "withdrawn": withdrawn_record}


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_clean(content: bytes, hidden, where, echo=""):
    text = content.decode("utf-8-sig")
    if echo:  # the reader's own query is shown back to them
        text = text.replace(echo, "")
    for word in SECRETS:
        assert word not in text, f"{word} leaked on {where}"
    for record in hidden.values():
        assert record.title not in text, f"{record.title} leaked on {where}"
        if record.index_number:
            assert record.index_number not in text, f"{record.index_number} leaked on {where}"


@pytest.mark.django_db
def test_search_page_and_csv(client, hidden):
    for q in ["饕餮", "梼杌", "混沌", "穷奇", "项目", "官办通〔2030〕1号", "13912345678", "wang", "秘密路"]:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200, q  # no shortcut to a hidden record either
        assert_clean(response.content, hidden, f"/search/?q={q}", echo=q)
        assert_clean(body_of(client.get("/search/", {"q": q, "format": "csv"})), hidden, f"search CSV {q}")
    for record in hidden.values():
        for number in filter(None, [record.index_number, record.document_number]):
            response = client.get("/search/", {"q": number})
            assert response.status_code == 200
            assert "共找到 0 条结果" in response.content.decode()


@pytest.mark.django_db
def test_feeds(client, hidden):
    record = DisclosureRecord.objects.get(index_number="015117762-202306-707714")
    urls = [
        "/feeds/records.xml",
        "/feeds/records.atom",
        "/feeds/replies.xml",
        "/feeds/replies.atom",
        f"/feeds/publishers/{record.publisher_id}.xml",
        f"/feeds/topics/{record.topic_id}.atom",
    ]
    urls += [f"/feeds/publishers/{r.publisher_id}.xml" for r in hidden.values()]
    urls += [f"/feeds/topics/{r.topic_id}.atom" for r in hidden.values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.content, hidden, url)


@pytest.mark.django_db
def test_sitemap(client, hidden):
    from core.sitemaps import sitemaps

    for section in ["", *(f"-{name}" for name in sitemaps())]:
        response = client.get(f"/sitemap{section}.xml")
        assert response.status_code == 200
        assert_clean(response.content, hidden, f"sitemap{section}")


@pytest.mark.django_db
def test_api(client, hidden):
    urls = [
        "/api/v1/records?limit=100",
        "/api/v1/replies?limit=100",
        "/api/v1/facts?limit=100",
        "/api/v1/publishers",
        "/api/v1/topics",
        "/api/v1/search?q=项目",
        "/api/v1/search?q=穷奇",
        "/api/v1/records?q=饕餮",
        "/api/v1/replies?q=穷奇",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.content, hidden, url, echo=url.partition("q=")[2])
    for record in hidden.values():
        response = client.get(f"/api/v1/records/{record.index_number}")
        assert response.status_code == 404
        response = client.get("/api/v1/records", {"document_number": record.document_number})
        assert json.loads(response.content)["results"] == []


@pytest.mark.django_db
def test_csv_downloads(client, hidden):
    for url in ["/search/export/records.csv", "/communities/data.csv"]:
        response = client.get(url)
        assert response.status_code == 200
        assert_clean(body_of(response), hidden, url)


@pytest.mark.django_db
def test_member_contact_details_are_not_in_any_reply_surface(client, hidden):
    named = {
        "/api/v1/replies": True,
        "/api/v1/search?q=王丽芬": False,
        "/search/?q=王丽芬": True,
        "/feeds/replies.xml": False,
        "/search/?q=王丽芬&format=csv": False,
    }
    for url, shows_name in named.items():
        content = body_of(client.get(url)).decode("utf-8-sig")
        if shows_name:
            assert "王丽芬" in content.replace('value="王丽芬"', ""), url  # the name is public…
        assert "13912345678" not in content and "wang.lifen@example.com" not in content  # …contacts are not
        assert "秘密路" not in content
