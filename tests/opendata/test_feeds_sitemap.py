"""Feeds (RSS 2.0, Atom) and /sitemap.xml parse as XML, list what they should, with dates."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.disclosures.factories import published

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
pytestmark = pytest.mark.usefixtures("shared_seed")  # the seed, loaded once per module


def parse(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    return ET.fromstring(response.content)


@pytest.mark.django_db
class TestFeeds:
    def test_rss_lists_newest_public_records(self, client, seed):
        newer = published(title="关于新通知的公告", summary="内容概述：新通知。")
        root = parse(client.get("/feeds/records.xml"), "application/rss+xml")
        assert root.tag == "rss" and root.get("version") == "2.0"
        items = root.findall("./channel/item")
        assert [i.findtext("title") for i in items] == [newer.title, seed.title]
        first = items[0]
        assert first.findtext("link").endswith(newer.get_absolute_url())
        assert first.findtext("description") == "内容概述：新通知。"
        assert first.findtext("category") == newer.topic.name
        assert first.findtext("pubDate")  # RFC 822 date
        assert root.find("./channel/{http://www.w3.org/2005/Atom}link").get("rel") == "self"

    @pytest.mark.parametrize("path", ["/feeds/records.xml", "/feeds/records.atom"])
    def test_a_control_character_in_a_record_leaves_the_feed_standing(self, client, seed, path):
        """XML 1.0 cannot carry U+000B (Word's soft line break): one in a published title was a
        500 for every reader. The admin refuses it now; one stored before, or another way in,
        is left out of the feed."""
        record = published(title="软回车\x0b标题\x01", summary="概述\x1b。")
        root = ET.fromstring(client.get(path).content)
        texts = [element.text for element in root.iter() if element.text]
        assert "软回车标题" in texts and not any("\x0b" in text or "\x1b" in text for text in texts)
        assert record.get_absolute_url() in client.get(path).content.decode()

    def test_atom_is_valid_atom(self, client, seed):
        root = parse(client.get("/feeds/records.atom"), "application/atom+xml")
        assert root.tag == f"{ATOM}feed"
        entry = root.find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == seed.title
        assert entry.find(f"{ATOM}link").get("href").endswith(seed.get_absolute_url())
        for tag in ("id", "updated", "published"):
            assert entry.findtext(f"{ATOM}{tag}"), tag
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == seed.publisher.name

    def test_per_publisher_and_per_topic(self, client, seed):
        other = published(title="关于其他机构的通知")
        root = parse(client.get(f"/feeds/publishers/{other.publisher_id}.xml"), "application/rss+xml")
        assert [i.findtext("title") for i in root.findall("./channel/item")] == [other.title]
        assert other.publisher.name in root.findtext("./channel/title")
        root = parse(client.get(f"/feeds/topics/{seed.topic_id}.atom"), "application/atom+xml")
        assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == [seed.title]
        assert client.get("/feeds/publishers/999999.xml").status_code == 404
        assert client.get("/feeds/topics/99999999999999999999999999.atom").status_code == 404

    def test_reply_feed(self, client, seed):
        from proposals.models import Reply

        reply = Reply.objects.get()
        root = parse(client.get("/feeds/replies.xml"), "application/rss+xml")
        item = root.find("./channel/item")
        assert item.findtext("title") == f"{reply.proposal.reference}：{reply.proposal.title}"
        assert item.findtext("link").endswith(f"#reply-{reply.pk}-title")
        root = parse(client.get("/feeds/replies.atom"), "application/atom+xml")
        assert len(root.findall(f"{ATOM}entry")) == 1

    def test_pages_link_their_feeds(self, client, seed):
        html = client.get("/disclosures/").content.decode()
        assert 'type="application/rss+xml"' in html and "/feeds/records.xml" in html
        filtered = client.get("/disclosures/", {"publisher": seed.publisher_id}).content.decode()
        assert f"/feeds/publishers/{seed.publisher_id}.xml" in filtered
        filtered = client.get("/disclosures/", {"topic": seed.topic_id}).content.decode()
        assert f"/feeds/topics/{seed.topic_id}.xml" in filtered


def sitemap_entries(client):
    """{path: lastmod} over every section the /sitemap.xml index lists."""
    index = parse(client.get("/sitemap.xml"), "application/xml")
    assert index.tag == f"{SITEMAP}sitemapindex"
    entries = {}
    for section in index.findall(f"{SITEMAP}sitemap"):
        assert section.findtext(f"{SITEMAP}lastmod"), section.findtext(f"{SITEMAP}loc")
        root = parse(client.get(section.findtext(f"{SITEMAP}loc").split("testserver", 1)[1]), "application/xml")
        assert root.tag == f"{SITEMAP}urlset"
        for url in root.findall(f"{SITEMAP}url"):
            entries[url.findtext(f"{SITEMAP}loc").split("testserver", 1)[1]] = url.findtext(f"{SITEMAP}lastmod")
    return entries


def sitemap_index_lastmod(client, name):
    """The <lastmod> /sitemap.xml gives the section `name` (to the second)."""
    index = parse(client.get("/sitemap.xml"), "application/xml")
    for section in index.findall(f"{SITEMAP}sitemap"):
        if section.findtext(f"{SITEMAP}loc").endswith(f"/sitemap-{name}.xml"):
            return dt.datetime.fromisoformat(section.findtext(f"{SITEMAP}lastmod"))
    raise AssertionError(name)


@pytest.mark.django_db
class TestSitemap:
    def test_every_public_page_with_lastmod(self, client, seed):
        from communities.models import Metric
        from proposals.models import Proposal

        paths = sitemap_entries(client)
        for path in [
            "/",
            "/disclosures/",
            "/disclosures/guide/",
            "/disclosures/policy/",
            "/sitemap/",
            "/accessibility/",
            seed.get_absolute_url(),
            "/proposals/",
            Proposal.objects.get().get_absolute_url(),
            "/communities/",
            "/communities/data/",
            Metric.objects.filter(facts__isnull=False).first().get_absolute_url(),
        ]:
            assert path in paths, path
        assert all(paths.values()), [p for p, m in paths.items() if not m]
        # Sitemaps write lastmod in the site's time zone (Asia/Shanghai), so compare local dates.
        assert paths[seed.get_absolute_url()].startswith(timezone.localtime(seed.updated_at).strftime("%Y-%m-%d"))
        assert not any(p.startswith("/search/") for p in paths)
        # Each entry is a page, not a redirect (a crawler would report it).
        assert [p for p in paths if client.get(p).status_code != 200] == []

    def test_long_sections_are_paged_by_the_database(self, client, seed, monkeypatch):
        # At a million records a sitemap built in memory cost a worker seconds and tens of MiB.
        from django.db.models import QuerySet

        from disclosures.sitemaps import RecordSitemap
        from proposals.sitemaps import ProposalsSitemap

        monkeypatch.setattr(RecordSitemap, "limit", 1)
        monkeypatch.setattr(ProposalsSitemap, "limit", 1)
        extra = [published(title=f"关于分页第{n}批的通知") for n in range(3)]
        index = parse(client.get("/sitemap.xml"), "application/xml")
        locations = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
        # Records are paged by id range (one id per page here), up to the highest public id.
        assert sum("/sitemap-records.xml" in loc for loc in locations) == extra[-1].pk
        paths = sitemap_entries(client)
        assert all(record.get_absolute_url() in paths for record in [seed, *extra])
        assert isinstance(ProposalsSitemap().items(), QuerySet)
        # A deep page is a range of the primary key, never an OFFSET over the rows before it.
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/sitemap-records.xml?p={extra[-1].pk}")
        assert page.status_code == 200 and extra[-1].get_absolute_url() in page.content.decode()
        assert not any("OFFSET" in q["sql"].upper() or "COUNT(" in q["sql"].upper() for q in queries), queries
        assert client.get(f"/sitemap-records.xml?p={extra[-1].pk + 1}").status_code == 404
        assert client.get("/sitemap-records.xml?p=x").status_code == 404

    def test_a_record_keeps_its_sitemap_page_as_others_are_published(self, client, seed, monkeypatch):
        from disclosures.sitemaps import RecordSitemap

        monkeypatch.setattr(RecordSitemap, "limit", 2)
        first = published(title="关于较早发布的通知")
        where = client.get(f"/sitemap-records.xml?p={(first.pk + 1) // 2}").content.decode()
        assert first.get_absolute_url() in where
        [published(title=f"关于后来发布的第{n}份通知") for n in range(3)]
        assert first.get_absolute_url() in client.get(f"/sitemap-records.xml?p={(first.pk + 1) // 2}").content.decode()

    def test_lastmod_follows_edits(self, client, seed):
        record = published(title="关于更新的通知", published_at=timezone.now() - dt.timedelta(days=400))
        mine = sitemap_entries(client)[record.get_absolute_url()]
        assert mine.startswith(timezone.localdate().isoformat())

    def test_a_scheduled_record_moves_its_agency_pages_forward_when_its_time_comes(self, client, seed):
        """An agency's pages list the record from its 发布日期 on, with no save then: their
        lastmod (and the sitemap's Last-Modified) must move to that time, not stay at the
        record's last edit, or a crawler revalidating gets a 304 and misses the record."""
        from core import pagecache

        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
        with time_machine.travel(start, tick=False) as clock:
            due = start + dt.timedelta(minutes=5)
            published(title="关于定时公开事项的通知", publisher=seed.publisher, published_at=due)
            before = client.get("/sitemap-agencies.xml")["Last-Modified"]
            assert sitemap_index_lastmod(client, "agencies") < due
            clock.move_to(due + dt.timedelta(minutes=1))
            pagecache.reset_local()  # this process's copies last a second of real time
            assert sitemap_index_lastmod(client, "agencies") == due
            assert client.get("/sitemap-agencies.xml", HTTP_IF_MODIFIED_SINCE=before).status_code == 200

    def test_an_agency_renamed_moves_its_pages_and_the_list_of_agencies_forward(self, client, seed):
        """/gk/ and an agency's pages are headed by the agency: renaming it (or moving it under
        another 上级机构) changes them, with no record touched."""
        from django.urls import reverse

        from core import pagecache
        from disclosures.models import Organization

        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
        with time_machine.travel(start, tick=False) as clock:
            agency = Organization.objects.get(section_code="mzj")
            before = client.get("/sitemap-agencies.xml")["Last-Modified"]
            assert sitemap_index_lastmod(client, "agencies") < start
            clock.shift(60)
            agency.name = "昆明市官渡区民政局（更名）"
            agency.save()
            pagecache.reset_local()
            assert sitemap_index_lastmod(client, "agencies") == start + dt.timedelta(seconds=60)
            entries = sitemap_entries(client)  # dates: the day of the change, in Shanghai
            day = timezone.localdate(start + dt.timedelta(seconds=60)).isoformat()
            assert entries["/gk/"] == entries[reverse("agencies:home", args=["mzj"])] == day
            assert entries[reverse("agencies:home", args=["qzf"])] < day  # another agency's pages
            assert client.get("/sitemap-agencies.xml", HTTP_IF_MODIFIED_SINCE=before).status_code == 200

    def test_robots_txt(self, client, db):
        response = client.get("/robots.txt")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
        lines = response.content.decode().splitlines()
        assert lines[0] == "User-agent: *"
        assert "Disallow: /search/" in lines and "Disallow: /admin/" in lines
        assert "Sitemap: http://testserver/sitemap.xml" in lines


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["withdraw", "delete"])
def test_last_modified_never_goes_back_when_an_item_is_removed(client, seed, admin_user, removal):
    """A feed's or sitemap's Last-Modified is its newest item's: once that item is withdrawn or
    deleted, the next newest is older, and a client revalidating with If-Modified-Since alone
    got a 304 and kept showing the removed record."""
    from core.pagecache import HIT_HEADER
    from core.sitemaps import sitemaps
    from disclosures import services

    start = timezone.now() + dt.timedelta(days=1)  # after anything the seed or the templates hold
    with time_machine.travel(start, tick=False) as clock:
        older = published(title="关于较早公开事项的通知")
        clock.shift(10)
        newest = published(title="关于最新公开事项的通知", publisher=older.publisher, topic=older.topic)
        feeds = [
            "/feeds/records.xml",
            "/feeds/records.atom",
            f"/feeds/publishers/{older.publisher_id}.xml",
            f"/feeds/publishers/{older.publisher_id}.atom",
            f"/feeds/topics/{older.topic_id}.xml",
            f"/feeds/topics/{older.topic_id}.atom",
        ]
        maps = ["/sitemap.xml", *(f"/sitemap-{name}.xml" for name in sitemaps())]
        # The reply feeds lose nothing here, but every change starts a new generation.
        others = ["/feeds/replies.xml", "/feeds/replies.atom"]
        seen = {}
        for url in feeds + maps + others:
            response = client.get(url)
            assert response.status_code == 200 and response["Last-Modified"], url
            seen[url] = response["Last-Modified"]
        for url in feeds:
            assert newest.title in client.get(url).content.decode(), url
        assert newest.get_absolute_url() in client.get("/sitemap-records.xml").content.decode()

        clock.shift(10)
        if removal == "withdraw":
            services.record_withdraw(record=newest, user=admin_user, reason="测试撤回")
        else:
            newest.delete()
        for url in feeds + maps + others:
            for state in ("rendered", "from the page cache"):
                again = client.get(url, HTTP_IF_MODIFIED_SINCE=seen[url])
                assert again.status_code == 200, (url, state)
                assert newest.title not in again.content.decode(), (url, state)
                assert newest.get_absolute_url() not in again.content.decode(), (url, state)
            assert again.get(HIT_HEADER) == "hit", url


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["withdraw", "delete", "withdraw, then delete"])
def test_feed_and_sitemap_dates_move_forward_when_the_newest_item_is_removed(client, seed, admin_user, removal):
    """A feed's own date (RSS lastBuildDate, Atom updated) and a sitemap's lastmod in the index
    were their newest remaining item's: withdrawing or deleting the newest record took them
    back, so a reader or crawler going by them saw no change and kept the removed record. A
    withdrawn record deleted later keeps its withdrawal's date there."""
    from email.utils import parsedate_to_datetime

    from core import pagecache
    from disclosures import services
    from disclosures.models import DisclosureRecord

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        other = published(title="关于其他机构事项的通知")
        older = published(title="关于较早公开事项的通知", publisher=seed.publisher, topic=seed.topic)
        clock.shift(10)
        newest = published(title="关于最新公开事项的通知", publisher=seed.publisher, topic=seed.topic)
        clock.shift(10)
        if removal == "delete":
            newest.delete()
        else:
            services.record_withdraw(record=newest, user=admin_user, reason="测试撤回")
        removed_at = timezone.now()
        clock.shift(10)
        if removal == "withdraw, then delete":
            DisclosureRecord.objects.get(pk=newest.pk).delete()
            clock.shift(10)
        pagecache.reset_local()
        for url in ["/feeds/records.xml", f"/feeds/publishers/{older.publisher_id}.xml"]:
            channel = parse(client.get(url), "application/rss+xml").find("channel")
            assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == removed_at, url
        for url in ["/feeds/records.atom", f"/feeds/topics/{older.topic_id}.atom"]:
            feed = parse(client.get(url), "application/atom+xml")
            assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == removed_at, url
        assert sitemap_index_lastmod(client, "records") == removed_at
        assert sitemap_index_lastmod(client, "agencies") == removed_at
        # Another agency's feed is not moved by it.
        channel = parse(client.get(f"/feeds/publishers/{other.publisher_id}.xml"), "application/rss+xml")
        assert parsedate_to_datetime(channel.find("channel").findtext("lastBuildDate")) < removed_at


@pytest.mark.django_db
def test_the_reply_feeds_date_moves_forward_when_a_replys_record_is_withdrawn(client, seed, admin_user):
    """A reply leaves the reply feed when its record is withdrawn in the catalogue: the feed's
    own date must not go back to the reply left before it."""
    from email.utils import parsedate_to_datetime

    from core import pagecache
    from disclosures import services
    from proposals.models import Reply
    from proposals.services import reply_publish, reply_send
    from tests.proposals.factories import ReplyFactory, vocabularies

    vocabularies()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        reply = ReplyFactory()
        reply_send(reply=reply)
        reply_publish(reply=reply)
        reply.refresh_from_db()
        clock.shift(10)
        services.record_withdraw(record=reply.record, user=admin_user, reason="测试撤回")
        withdrawn_at = timezone.now()
        clock.shift(10)
        pagecache.reset_local()
        channel = parse(client.get("/feeds/replies.xml"), "application/rss+xml").find("channel")
        assert (
            [i.findtext("title") for i in channel.findall("item")]
            == [f"{r.proposal.reference}：{r.proposal.title}" for r in Reply.objects.public()]
            != []
        )
        assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == withdrawn_at
        feed = parse(client.get("/feeds/replies.atom"), "application/atom+xml")
        assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == withdrawn_at


@pytest.mark.django_db
def test_community_and_proposal_sitemap_dates_move_forward_when_a_quoted_record_is_withdrawn(client, seed, admin_user):
    """A 社区治理 page quoting a record, and a proposal whose reply is a record, lose it when
    the record is withdrawn: their lastmod went back to the newest item left (or the proposal's
    own edit), so a crawler going by it kept the withdrawn text."""
    from communities.sitemaps import CommunitiesSitemap
    from core import pagecache
    from disclosures import services
    from proposals.services import reply_publish, reply_send
    from proposals.sitemaps import ProposalPagesSitemap, ProposalsSitemap
    from tests.communities.factories import FactFactory
    from tests.proposals.factories import ReplyFactory, vocabularies

    vocabularies()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        fact = FactFactory()
        reply = ReplyFactory()
        reply_send(reply=reply)
        reply_publish(reply=reply)
        reply.refresh_from_db()
        clock.shift(10)
        for record in (fact.source_record, reply.record):
            services.record_withdraw(record=record, user=admin_user, reason="测试撤回")
        withdrawn_at = timezone.now()
        clock.shift(10)
        pagecache.reset_local()
        # A page's <lastmod> is written as a date: compare what the sitemaps give.
        pages = dict(CommunitiesSitemap().items() + ProposalPagesSitemap().items())
        for path in ["/communities/", "/communities/data/", fact.metric.get_absolute_url(), "/proposals/"]:
            assert pages[path] == withdrawn_at, path
        proposals = ProposalsSitemap()
        assert proposals.lastmod(proposals.items().get(pk=reply.proposal_id)) == withdrawn_at
        for name in ["communities", "proposals", "proposal-pages"]:
            assert sitemap_index_lastmod(client, name) == withdrawn_at, name


def _published_reply(admin_user):
    """(a client signed in as `admin_user`, a reply sent and published as a catalogue record)."""
    from django.test import Client

    from proposals.services import reply_publish, reply_send
    from tests.proposals.factories import ReplyFactory, vocabularies
    from tests.staff import sign_in_staff

    vocabularies()
    staff = sign_in_staff(Client(), admin_user)
    reply = ReplyFactory()
    reply_send(reply=reply)
    reply_publish(reply=reply)
    reply.refresh_from_db()
    return staff, reply


def _assert_proposal_dates(client, reply, when):
    """The reply's proposal's sitemap lastmod, the section's (in its sitemap and the index) and
    the reply feeds' dates are all `when`."""
    from email.utils import parsedate_to_datetime

    from proposals.sitemaps import ProposalPagesSitemap, ProposalsSitemap

    sitemap = ProposalsSitemap()
    assert sitemap.lastmod(sitemap.items().get(pk=reply.proposal_id)) == when
    assert dict(ProposalPagesSitemap().items())["/proposals/"] == when
    for name in ["proposals", "proposal-pages"]:
        assert sitemap_index_lastmod(client, name) == when, name
    channel = parse(client.get("/feeds/replies.xml"), "application/rss+xml").find("channel")
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == when
    feed = parse(client.get("/feeds/replies.atom"), "application/atom+xml")
    assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == when


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["delete", "delete from the list", "withdraw, then delete"])
def test_proposal_dates_move_forward_when_a_replys_record_is_deleted(client, seed, admin_user, removal):
    """Deleting the record a public reply is published as takes the reply off its proposal's
    page (and the reply feed): the reply's link to the record is cleared, so neither the public
    replies nor those withdrawn with their record counted it, and the proposal's lastmod, the
    section's and the reply feed's date went back to what was left. A record withdrawn first
    keeps its withdrawal's date, as the records' sitemap and feeds do."""

    from core import pagecache
    from disclosures import services

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        staff, reply = _published_reply(admin_user)
        record = reply.record
        url = reply.proposal.get_absolute_url()
        before = client.get(url)
        assert f">索引号 {record.index_number}</a>" in before.content.decode()
        clock.shift(10)
        if removal == "withdraw, then delete":
            services.record_withdraw(record=record, user=admin_user, reason="测试撤回")
            removed_at = timezone.now()
            clock.shift(10)
        # As staff delete a record: the admin's delete page, or the list's action, confirmed.
        if removal == "delete from the list":
            data = {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
            deleted = staff.post("/admin/disclosures/disclosurerecord/", data)
        else:
            deleted = staff.post(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/", {"post": "yes"})
        assert deleted.status_code == 302 and not type(record).objects.filter(pk=record.pk).exists()
        if removal != "withdraw, then delete":
            removed_at = timezone.now()
        clock.shift(10)
        pagecache.reset_local()

        after = client.get(url)
        assert record.index_number not in after.content.decode()
        # The page's own headers: its ETag is its content's; it gives no Last-Modified to go back.
        assert after["ETag"] != before["ETag"] and not after.has_header("Last-Modified")
        _assert_proposal_dates(client, reply, removed_at)


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["delete", "withdraw, then delete"])
def test_a_record_a_community_page_quotes_cannot_be_deleted_so_its_dates_stand(client, seed, admin_user, removal):
    """A fact or designation keeps its source record (PROTECT): staff are told it cannot be
    deleted, the page keeps quoting it (or, withdrawn, keeps the withdrawal's date), and no
    date has anything to move forward for."""
    from django.test import Client

    from communities.sitemaps import CommunitiesSitemap
    from core import pagecache
    from disclosures import services
    from disclosures.models import DisclosureRecord
    from tests.communities.factories import DesignationFactory, FactFactory
    from tests.staff import sign_in_staff

    staff = sign_in_staff(Client(), admin_user)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        fact, designation = FactFactory(), DesignationFactory()
        clock.shift(10)
        if removal == "withdraw, then delete":
            for record in (fact.source_record, designation.source_record):
                services.record_withdraw(record=record, user=admin_user, reason="测试撤回")
            clock.shift(10)
        pagecache.reset_local()
        dates = dict(CommunitiesSitemap().items())
        clock.shift(10)
        for record in (fact.source_record, designation.source_record):
            refused = staff.post(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/", {"post": "yes"})
            assert refused.status_code == 200 and "无法删除" in refused.content.decode()
            assert DisclosureRecord.objects.filter(pk=record.pk).exists()
        changelist = staff.post(
            "/admin/disclosures/disclosurerecord/",
            {"action": "delete_selected", "_selected_action": [fact.source_record.pk], "post": "yes"},
        )
        assert changelist.status_code == 200 and DisclosureRecord.objects.filter(pk=fact.source_record.pk).exists()
        clock.shift(10)
        pagecache.reset_local()
        assert dict(CommunitiesSitemap().items()) == dates
        page = client.get(fact.metric.get_absolute_url()).content.decode()
        assert (fact.source_record.get_absolute_url() in page) == (removal == "delete")


def _restore_as_staff(staff, record_pk):
    """As staff restore a deleted record: its row in the admin's 已删除 list, 恢复."""
    from disclosures.models import DisclosureRecord

    history_id = DisclosureRecord.history.get(id=record_pk, history_type="-").history_id
    return staff.post("/admin/disclosures/disclosurerecord/deleted/", {"history_id": history_id}, follow=True)


@pytest.mark.django_db
@pytest.mark.parametrize("removal", ["delete", "withdraw, then delete"])
def test_restoring_a_replys_deleted_record_links_the_reply_again_and_dates_move_forward(
    client, seed, admin_user, removal
):
    """Restoring the record a reply was published as links the reply again (the deletion had
    cleared the link): the reply is back on its proposal's page as before, republishing it
    updates that record instead of making a second one, and the proposal's lastmod, the
    section's and the reply feed's date are the restore's, not back at the publication."""

    from core import pagecache
    from disclosures import services
    from disclosures.models import DisclosureRecord
    from proposals.services import reply_publish

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        staff, reply = _published_reply(admin_user)
        record = reply.record
        url = reply.proposal.get_absolute_url()
        assert f">索引号 {record.index_number}</a>" in client.get(url).content.decode()
        clock.shift(10)
        if removal == "withdraw, then delete":
            services.record_withdraw(record=record, user=admin_user, reason="测试撤回")
            clock.shift(10)
        staff.post(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/", {"post": "yes"})
        reply.refresh_from_db()
        assert reply.record_id is None and reply.record_removed_at is not None
        clock.shift(10)

        restored = _restore_as_staff(staff, record.pk)
        assert "已恢复" in restored.content.decode()
        restored_at = timezone.now()
        reply.refresh_from_db()
        assert reply.record_id == record.pk and reply.record_removed_at is None
        clock.shift(10)
        pagecache.reset_local()

        page = client.get(url).content.decode()
        assert (f">索引号 {record.index_number}</a>" in page) == (removal == "delete")
        _assert_proposal_dates(client, reply, restored_at)

        # Published again (after its withdrawal, or as it is): the same record, no second one.
        records = DisclosureRecord.objects.count()
        assert reply_publish(reply=reply).record.pk == record.pk
        assert DisclosureRecord.objects.count() == records


@pytest.mark.django_db
def test_restoring_a_record_whose_reply_was_republished_leaves_the_reply_on_its_new_record(client, seed, admin_user):
    """A reply republished after its record's deletion is a new record: restoring the old one
    does not take the reply from it (the page would change its 索引号 under readers); staff
    are told on the restore which record carries the reply now."""
    from django.test import Client

    from disclosures.models import DisclosureRecord
    from proposals.services import reply_publish, reply_send
    from tests.proposals.factories import ReplyFactory, vocabularies
    from tests.staff import sign_in_staff

    vocabularies()
    staff = sign_in_staff(Client(), admin_user)
    reply = ReplyFactory()
    reply_send(reply=reply)
    old = reply_publish(reply=reply).record
    staff.post(f"/admin/disclosures/disclosurerecord/{old.pk}/delete/", {"post": "yes"})
    new = reply_publish(reply=reply).record
    assert new.pk != old.pk

    restored = _restore_as_staff(staff, old.pk).content.decode()
    assert "已恢复" in restored and f"已另行公开为目录记录“{new}”（索引号 {new.index_number}）" in restored
    assert DisclosureRecord.objects.filter(pk=old.pk).exists()
    reply.refresh_from_db()
    assert reply.record_id == new.pk
    page = client.get(reply.proposal.get_absolute_url()).content.decode()
    assert f">索引号 {new.index_number}</a>" in page and old.index_number not in page


@pytest.mark.django_db
def test_restoring_a_public_record_does_not_link_a_reply_decided_withheld_meanwhile(client, seed, admin_user):
    """A reply decided 不公开 after its record's deletion is not linked to the restored record
    (public, it would carry the withheld letter under the reply's name); staff are told."""
    from django.test import Client

    from proposals.models import Reply
    from proposals.services import reply_publish, reply_send
    from tests.proposals.factories import ReplyFactory, vocabularies
    from tests.staff import sign_in_staff

    vocabularies()
    staff = sign_in_staff(Client(), admin_user)
    reply = ReplyFactory()
    reply_send(reply=reply)
    record = reply_publish(reply=reply).record
    staff.post(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/", {"post": "yes"})
    reply.refresh_from_db()
    reply.publication_mode, reply.mode_reason = Reply.PublicationMode.WITHHELD, "涉及第三方合法权益"
    reply.save()
    reply_publish(reply=reply)

    restored = _restore_as_staff(staff, record.pk).content.decode()
    assert "已改为不公开，恢复的记录没有重新关联这份答复" in restored
    reply.refresh_from_db()
    assert reply.record_id is None
