"""/annual-reports/: the 政府信息公开年报 column lists every published report, by year."""

import re

import pytest

from annualreports.models import AnnualReport
from disclosures.models import DisclosureRecord
from tests.annualreports.test_reports import orgs  # noqa: F401 (fixture)
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db


def report(organization, year, *, consolidated=False, status="published", record_status="published"):
    record = published(title=f"{organization.name}{year}年年报记录", publisher=organization)
    DisclosureRecord.objects.filter(pk=record.pk).update(status=record_status)
    return AnnualReport.objects.create(
        organization=organization, year=year, consolidated=consolidated, status=status, record=record
    )


def test_index_lists_published_reports_newest_year_first(client, orgs):  # noqa: F811
    district, civil = orgs
    shown = [report(civil, 2023), report(district, 2023, consolidated=True), report(civil, 2022)]
    report(district, 2022, status="draft")
    report(district, 2021, record_status="withdrawn")
    response = client.get("/annual-reports/")
    assert response.status_code == 200
    html = response.content.decode()
    listed = re.findall(r'<li><a href="(/annual-reports/[^"]+)">', html)
    assert listed == [shown[1].get_absolute_url(), shown[0].get_absolute_url(), shown[2].get_absolute_url()]
    assert re.findall(r"<h2 [^>]*>(\d{4})年度</h2>", html) == ["2023", "2022"]
    assert '<li><a href="/disclosures/">政府信息公开</a></li>' in html  # breadcrumbs: in the column


def test_index_without_reports_says_so(client):
    html = client.get("/annual-reports/").content.decode()
    assert "暂无已公布的年报" in html
