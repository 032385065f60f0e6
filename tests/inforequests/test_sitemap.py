"""依申请公开 in /sitemap.xml: the form, the status lookup, the statistics and each published
case, dated by their last change; never a case that is not published."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import pagecache
from inforequests import services
from inforequests.models import Case
from inforequests.selectors import agencies_with_counts
from inforequests.sitemaps import PublishedCasesSitemap
from tests.opendata.test_feeds_sitemap import SITEMAP, parse, sitemap_entries, sitemap_index_lastmod

from .conftest import SATURDAY_NOON
from .factories import AgencyFactory, make_case
from .test_reanswer import answered, reopen
from .test_reanswer_published import published

pytestmark = pytest.mark.django_db
APPLY, STATUS, STATISTICS = "/disclosures/apply/", "/disclosures/apply/status/", "/disclosures/apply/statistics/"


def page_of(case):
    return f"/disclosures/apply/published/{case.number}/"


def test_the_public_pages_and_the_published_cases_are_listed_and_no_other_case(client, seed):
    with time_machine.travel(SATURDAY_NOON, tick=False):
        agency = AgencyFactory().organization
        shown = published(answered(agency)[0])
        unpublished = [answered(agency)[0], make_case(agency=agency)]  # answered; still open
        refused = answered(agency)[0]
        Case.objects.filter(pk=refused.pk).update(consents_publication=False)
        with pytest.raises(ValidationError):
            services.case_publish(case=Case.objects.get(pk=refused.pk), request_text="a", reply_text="b")
        paths = sitemap_entries(client)
        sections = "".join(
            client.get(f"/sitemap-{name}.xml").content.decode() for name in ("inforequests-pages", "inforequests")
        )
    for path in [APPLY, STATUS, STATISTICS, f"{STATISTICS}{agency.pk}/", page_of(shown)]:
        assert path in paths, path
    assert paths[page_of(shown)] == timezone.localtime(shown.published_at).date().isoformat()
    # Every agency the statistics page links to (the seed's desk too), and nothing more.
    agencies = [f"{STATISTICS}{row['pk']}/" for row in agencies_with_counts()]
    mine = [path for path in paths if path.startswith(APPLY)]
    assert sorted(mine) == sorted([APPLY, STATUS, STATISTICS, *agencies, page_of(shown)])
    for case in [*unpublished, refused]:
        assert case.number not in sections, case.number
    assert [path for path in mine if client.get(path).status_code != 200] == []


def test_a_published_case_is_dated_by_its_new_answer_and_leaves_at_once(client):
    """Its page shows a 重新答复 from the moment the round opens: its date moves then. A case
    whose publication is taken back leaves the (cached) sitemap with that save."""
    with time_machine.travel(SATURDAY_NOON, tick=False) as clock:
        case = published(answered()[0])
        sitemap = PublishedCasesSitemap()
        assert sitemap.lastmod(sitemap.items().get(pk=case.pk)) == case.published_at
        clock.shift(dt.timedelta(hours=1))
        case = reopen(case)
        opened = timezone.now()
        pagecache.reset_local()
        assert sitemap.lastmod(sitemap.items().get(pk=case.pk)) == opened
        assert sitemap_index_lastmod(client, "inforequests") == opened

        assert page_of(case) in client.get("/sitemap-inforequests.xml").content.decode()
        assert client.get("/sitemap-inforequests.xml").get(pagecache.HIT_HEADER) == "hit"
        case.published_at = None
        case.save(update_fields=["published_at"])
        assert page_of(case) not in client.get("/sitemap-inforequests.xml").content.decode()


def test_published_cases_are_paged_by_key_range(client, monkeypatch):
    monkeypatch.setattr(PublishedCasesSitemap, "limit", 1)
    with time_machine.travel(SATURDAY_NOON, tick=False):
        agency = AgencyFactory().organization
        cases = [published(answered(agency)[0]) for _ in range(3)]
        index = parse(client.get("/sitemap.xml"), "application/xml")
        locations = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
        assert (
            sum(loc.endswith("/sitemap-inforequests.xml") or "/sitemap-inforequests.xml?" in loc for loc in locations)
            == cases[-1].pk
        )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/sitemap-inforequests.xml?p={cases[-1].pk}")
        assert page.status_code == 200 and page_of(cases[-1]) in page.content.decode()
        assert not any("OFFSET" in q["sql"].upper() or "COUNT(" in q["sql"].upper() for q in queries), queries
        assert client.get(f"/sitemap-inforequests.xml?p={cases[-1].pk + 1}").status_code == 404


def _queries(client, url):
    pagecache.reset_local()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_each_sitemap_page_reads_a_bounded_number_of_queries(client):
    """As many cases and agencies as there are: the same few queries (no query per entry)."""
    counts = []
    with time_machine.travel(SATURDAY_NOON, tick=False):
        for agencies in (1, 3):
            for _ in range(agencies):
                agency = AgencyFactory().organization
                published(answered(agency)[0])
                published(answered(agency)[0])
            counts.append(
                [
                    _queries(client, url)
                    for url in ("/sitemap-inforequests-pages.xml", "/sitemap-inforequests.xml", "/sitemap.xml")
                ]
            )
    assert counts[0] == counts[1], counts
    # The pages: desks, events, counts and agencies (two kept values), the page cache's bound on
    # scheduled publications (two) and the site's settings; the cases: the top id and a range.
    assert counts[1][:2] <= [7, 2], counts
