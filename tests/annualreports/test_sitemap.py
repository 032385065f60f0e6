"""政府信息公开年报 in /sitemap.xml: /annual-reports/ and each report the public may read, never
a draft or a report whose record is not public; the column's date never goes back."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annualreports import services
from annualreports.models import AnnualReport
from core import pagecache
from core.roles import REVIEWER
from disclosures.models import DisclosureRecord
from disclosures.services import record_withdraw
from tests.annualreports.test_index import report
from tests.annualreports.test_reports import complete, member, orgs  # noqa: F401 (fixture)
from tests.opendata.test_feeds_sitemap import sitemap_entries, sitemap_index_lastmod

pytestmark = pytest.mark.django_db
SECTION = "/sitemap-annual-reports.xml"


def test_the_column_and_its_public_reports_are_listed_and_no_other(client, orgs):  # noqa: F811
    district, civil = orgs
    shown = [report(civil, 2023), report(district, 2023, consolidated=True)]
    hidden = [
        report(civil, 2022, status=AnnualReport.Status.DRAFT),
        report(district, 2022, record_status=DisclosureRecord.Status.WITHDRAWN),
        report(civil, 2021, record_status=DisclosureRecord.Status.PENDING),
        report(district, 2021),
    ]
    # Scheduled: public from its record's 发布日期 on.
    DisclosureRecord.objects.filter(pk=hidden[-1].record_id).update(published_at=timezone.now() + dt.timedelta(days=1))
    paths = sitemap_entries(client)
    mine = [path for path in paths if path.startswith("/annual-reports/")]
    assert sorted(mine) == sorted(["/annual-reports/", *(r.get_absolute_url() for r in shown)])
    body = client.get(SECTION).content.decode()
    assert not any(r.get_absolute_url() in body for r in hidden)
    assert [path for path in mine if client.get(path).status_code != 200] == []


def test_a_withdrawn_report_leaves_at_once_and_the_columns_date_moves_forward(client, orgs):  # noqa: F811
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    with time_machine.travel(start, tick=False) as clock:
        older, newest = (
            services.report_publish(
                report=complete(AnnualReport.objects.create(organization=civil, year=year)), user=reviewer
            ).report
            for year in (2022, 2023)
        )
        assert newest.get_absolute_url() in client.get(SECTION).content.decode()
        assert client.get(SECTION).get(pagecache.HIT_HEADER) == "hit"
        clock.shift(10)
        record_withdraw(record=newest.record, user=reviewer, reason="核对")
        withdrawn_at = timezone.now()
        clock.shift(10)
        pagecache.reset_local()
        body = client.get(SECTION).content.decode()
        assert newest.get_absolute_url() not in body and older.get_absolute_url() in body
        assert sitemap_index_lastmod(client, "annual-reports") == withdrawn_at


def _queries(url, client):
    pagecache.reset_local()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_sitemap_reads_a_bounded_number_of_queries(client, orgs):  # noqa: F811
    district, civil = orgs
    counts = []
    for years in ((2023,), (2022, 2021, 2020)):
        for year in years:
            report(civil, year)
            report(district, year, consolidated=True)
        counts.append(_queries(SECTION, client))
    # The reports with their organizations, their records' dates, the records' removals, the
    # page cache's bound on scheduled publications (two) and the site's settings.
    assert counts[0] == counts[1] <= 6, counts
