"""The site's 政府信息公开 column has the sub-columns 国办公开办函〔2019〕61号 names — 指南, 制度,
法定主动公开内容, 年报 — and 依申请公开, in the main navigation, on the home page and in 网站地图."""

import re

import pytest

from tests.disclosures.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

ENTRIES = [
    ("政府信息公开指南", "/disclosures/guide/"),
    ("政府信息公开制度", "/disclosures/policy/"),
    ("法定主动公开内容", "/disclosures/statutory/"),
    ("政府信息公开年报", "/annual-reports/"),
    ("依申请公开", "/disclosures/apply/"),
    ("政府信息公开目录", "/disclosures/"),
]


def links(html):
    return [(text, href) for href, text in re.findall(r'<a [^>]*?href="([^"]+)"[^>]*>([^<]+)</a>', html)]


def test_home_page_offers_every_entry_of_the_column_in_order(reader_client, seed):
    html = reader_client.get("/").content.decode()
    entries = re.search(r'<ul class="entry-points">(.*?)</ul>', html, re.S).group(1)
    assert links(entries) == ENTRIES


def test_main_navigation_has_the_statutory_content_and_the_annual_reports(reader_client, seed):
    html = reader_client.get("/").content.decode()
    nav = links(re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0))
    titles = [text for text, _ in nav]
    assert titles.index("政府信息公开制度") < titles.index("法定主动公开内容") < titles.index("政府信息公开年报")
    assert ("法定主动公开内容", "/disclosures/statutory/") in nav
    assert ("政府信息公开年报", "/annual-reports/") in nav


def test_site_map_lists_them_under_the_column(reader_client, seed):
    html = reader_client.get("/sitemap/").content.decode()
    column = re.search(r'<li><a href="/disclosures/">政府信息公开</a>\s*<ul>(.*?)</ul>', html, re.S).group(1)
    assert links(column) == ENTRIES


def test_statutory_content_of_the_column_is_the_district_governments(client):
    district = OrganizationFactory(name="某区人民政府", section_code="qzf")
    OrganizationFactory(name="某区民政局", section_code="mzj", parent=district)
    response = client.get("/disclosures/statutory/")
    assert response.status_code == 302 and response["Location"] == "/gk/qzf/statutory/"
    assert client.get(response["Location"]).status_code == 200


def test_statutory_content_without_a_district_section_is_not_found(client):
    OrganizationFactory(name="没有专栏的机构")
    assert client.get("/disclosures/statutory/").status_code == 404
