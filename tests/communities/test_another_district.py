"""Another district adopting the platform without the Guandu seed: a figure for the whole district
and the 社区治理 pages name the district of the site's own settings (网站设置 › 本区名称), never
官渡区, which the code printed before (fixed in the model and the page description)."""

import datetime as dt
from decimal import Decimal

import pytest

from portal.models import SiteSettings

from .factories import FactFactory, MetricFactory, SourcedRecordFactory

pytestmark = pytest.mark.django_db
SENTENCE = "截至2024年底,全区共开展社区协商各类活动700次。"


def xishan(**fields):
    return SiteSettings.objects.create(
        site_name="昆明市西山区人民政府",
        site_domain="www.ynxs.gov.cn",
        site_id_code="5301120001",
        sponsor="昆明市西山区人民政府办公室",
        icp_number="滇ICP备00000001号",
        police_record_number="滇公网安备53011202000001号",
        **fields,
    )


def district_fact():
    return FactFactory(
        metric=MetricFactory(slug="consultations", name="社区协商活动", unit="次"),
        value=Decimal(700),
        figure_text="700次",
        period="截至2024年底",
        period_end=dt.date(2024, 12, 31),
        source_record=SourcedRecordFactory(sentence=SENTENCE),
        statement=SENTENCE,
    )


PAGES = ["/communities/", "/communities/data/", "/communities/metrics/consultations/", "/api/v1/facts"]


def test_a_figure_for_the_whole_district_is_named_after_the_sites_district(client):
    xishan(district_name="西山区")
    fact = district_fact()
    assert fact.scope_label == "西山区（全区）"
    for url in PAGES:
        text = client.get(url).content.decode()
        assert "官渡" not in text, url
    assert "<td>西山区（全区）</td>" in client.get("/communities/data/").content.decode()
    assert client.get("/api/v1/facts").json()["results"][0]["place"] == "西山区（全区）"


def test_the_page_description_names_the_sites_district(client):
    xishan(district_name="西山区")
    html = client.get("/communities/").content.decode()
    assert '<meta name="ColumnDescription" content="西山区社区治理数据：' in html


def test_without_a_district_name_the_pages_say_only_the_whole_district(client):
    xishan()
    district_fact()
    assert '<meta name="ColumnDescription" content="社区治理数据：' in client.get("/communities/").content.decode()
    html = client.get("/communities/data/").content.decode()
    assert "<td>全区</td>" in html and "官渡" not in html


def test_a_name_filled_in_later_is_shown_at_once(client):
    site = xishan()
    district_fact()
    assert "<td>全区</td>" in client.get("/communities/data/").content.decode()
    site.district_name = "西山区"
    site.save()
    assert "<td>西山区（全区）</td>" in client.get("/communities/data/").content.decode()


def test_the_seed_keeps_its_own_district(seed):
    assert SiteSettings.objects.get().district_name == "官渡区"


def test_upgrading_names_only_the_site_the_seed_made():
    """A Guandu site from before the field keeps printing 官渡区（全区）; no other district's does."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("portal.migrations.0003_district_name")
    site = xishan()
    migration.name_the_seeded_district(apps, None)
    site.refresh_from_db()
    assert site.district_name == ""
    SiteSettings.objects.filter(pk=site.pk).update(site_domain="www.kmgd.gov.cn")
    migration.name_the_seeded_district(apps, None)
    site.refresh_from_db()
    assert site.district_name == "官渡区"
