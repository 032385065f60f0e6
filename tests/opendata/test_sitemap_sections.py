"""/sitemap.xml as a whole, with every section filled: each page once, at its one address (no
reader-preference or query-string variants), and 网站地图 (/sitemap/) showing the same sections."""

import re
import xml.etree.ElementTree as ET

import pytest
import time_machine

from tests.annualreports.test_index import report
from tests.inforequests.conftest import SATURDAY_NOON
from tests.inforequests.test_reanswer import answered
from tests.inforequests.test_reanswer_published import published

from .test_feeds_sitemap import SITEMAP, parse

pytestmark = pytest.mark.django_db


def sitemap_locations(client) -> list[str]:
    """Every <loc> of every section, in order, duplicates kept."""
    index = parse(client.get("/sitemap.xml"), "application/xml")
    found = []
    for section in index.findall(f"{SITEMAP}sitemap"):
        root = ET.fromstring(client.get(section.findtext(f"{SITEMAP}loc").split("testserver", 1)[1]).content)
        found += [url.findtext(f"{SITEMAP}loc").split("testserver", 1)[1] for url in root.findall(f"{SITEMAP}url")]
    return found


def test_each_page_is_listed_once_at_its_one_address(client, seed):
    from disclosures.models import Organization

    with time_machine.travel(SATURDAY_NOON, tick=False):
        case = published(answered()[0])
        shown = report(Organization.objects.exclude(section_code=None).first(), 2025)
        # As a reader in 长者模式 asks: the sitemap is the same for every reader.
        client.cookies["reader"] = "elder=1&font_step=2"
        locations = sitemap_locations(client)
    assert f"/disclosures/apply/published/{case.number}/" in locations and shown.get_absolute_url() in locations
    assert len(locations) == len(set(locations)), sorted(p for p in set(locations) if locations.count(p) > 1)
    assert [p for p in locations if "?" in p or "#" in p or p.startswith("/preferences/")] == []


def test_the_html_sitemap_shows_the_request_and_annual_report_sections(client, db):
    html = client.get("/sitemap/").content.decode()
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html.split("<h1>网站地图</h1>", 1)[1])
    for link in [
        ("/annual-reports/", "政府信息公开年报"),
        ("/disclosures/apply/", "依申请公开"),
        ("/disclosures/apply/", "在线申请"),
        ("/disclosures/apply/status/", "办理进度查询"),
        ("/disclosures/apply/statistics/", "办理情况统计"),
    ]:
        assert link in links, link


def test_the_column_list_of_agencies_and_each_statutory_column_are_listed(client, seed):
    """/gk/ and each agency's 法定主动公开内容 columns are public pages a crawler should find."""
    from agencies.models import StatutoryColumn
    from disclosures.models import Organization

    code = Organization.objects.exclude(section_code=None).values_list("section_code", flat=True).first()
    columns = list(StatutoryColumn.objects.values_list("pk", flat=True))
    assert columns, "the seed holds the 条例's columns"
    locations = sitemap_locations(client)
    wanted = ["/gk/", *[f"/gk/{code}/statutory/{pk}/" for pk in columns]]
    assert [path for path in wanted if path not in locations] == []
    assert [path for path in wanted[:3] if client.get(path).status_code != 200] == []
