"""The public pages: every figure with a link to its sentence, derived rates that show their
working, charts with the numbers they draw, downloads, and nothing from unpublished sources."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Designation, Fact, Metric, Street
from disclosures.models import DisclosureRecord
from disclosures.services import record_withdraw
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory

from .factories import CommunityFactory, DesignationFactory, FactFactory, SourcedRecordFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
INDEX = "/communities/"
HEADLINES = [
    "street-count",
    "community-count",
    "consultation-activities",
    "consultation-matters",
    "consultation-carried-out",
    "workers-recruited",
    "exam-passes",
    "pay-min",
    "pay-max",
]


def html_of(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


def fact(slug, category=""):
    return Fact.objects.select_related("source_record", "metric").get(metric__slug=slug, category=category)


def test_overview_shows_each_headline_figure_with_a_link_to_its_sentence(reader_client, seed):
    html = html_of(reader_client, INDEX)
    assert html.count("<h1") == 1
    for slug in HEADLINES:
        item = fact(slug)
        link = f'href="{item.source_url}"'
        assert link in html, slug
        card = html[html.index(item.metric.get_absolute_url()) :]
        assert item.display_value in card[: card.index(link)], slug
    for expected in [
        "8个",
        "99个",
        "473次",
        "556项",
        "522项",
        "124名",
        "739人",
        "初级 622人",
        "中级 117人",
        "4300元/月",
        "6800元/月",
    ]:
        assert expected in html, expected
    assert f"/disclosures/{seed.index_number}/?cite=fact-" in html


def test_a_source_link_opens_the_record_with_the_sentence_marked(reader_client, seed):
    item = fact("consultation-carried-out")
    url, anchor = item.source_url.split("#")
    html = html_of(reader_client, url)
    marked = re.search(rf'<mark id="{anchor}" class="cited-sentence">(.*?)</mark>', html)
    assert marked, "the sentence is wrapped in <mark id=…>"
    assert re.sub(r"</?strong>", "", marked.group(1)) == item.sentence
    assert "<strong>落实数量522项</strong>" in marked.group(1)
    assert html.count("<mark") == 1
    designation = Designation.objects.filter(program__slug="provincial-pilot").first()
    html = html_of(reader_client, designation.source_url.split("#")[0])
    assert f'<mark id="{designation.anchor}" class="cited-sentence">2020年以来,确定太和街道和平路社区' in html
    # Without a citation, or with one that is junk or quotes another record, the body is untouched.
    for query in ["", "?cite=fact-abc", "?cite=fact-99999999", "?cite=nothing", "?cite=" + "9" * 40]:
        assert "<mark" not in html_of(reader_client, seed.get_absolute_url() + query), query
    elsewhere = FactFactory()
    assert "<mark" not in html_of(reader_client, f"{seed.get_absolute_url()}?cite={elsewhere.anchor}")


def test_the_record_page_points_back_to_the_data(reader_client, seed):
    html = html_of(reader_client, seed.get_absolute_url())
    assert "本文中的社区治理数据" in html
    assert 'href="/communities/metrics/consultation-matters/"' in html


def test_derived_rates_are_computed_from_the_quoted_figures_and_say_how(reader_client, seed):
    html = html_of(reader_client, INDEX)
    assert "社区协商事项落实率" in html and "93.9%" in html  # 522 / 556 = 0.93884…
    assert "协商事项落实数 522项 ÷ 社区协商事项数 556项 × 100% = 93.9%" in html
    assert "四舍五入保留一位小数" in html
    assert "84.2%" in html and "15.8%" in html  # 622 / 739 and 117 / 739
    assert f'href="{fact("consultation-matters").source_url}"' in html


def test_a_rate_is_not_computed_from_figures_of_different_sources(reader_client, seed):
    later = "截至2024年底,社区协商事项600项。"
    FactFactory(
        metric=Metric.objects.get(slug="consultation-matters"),
        value=Decimal(600),
        unit="项",
        figure_text="600项",
        statement=later,
        period="截至2024年底",
        period_end=dt.date(2024, 12, 31),
    )
    html = html_of(reader_client, INDEX)
    assert "社区协商事项落实率" not in html  # 522 (2022) over 600 (2024) would be meaningless
    assert "600项" in html


def chart_blocks(html):
    return re.findall(r'<div class="chart-with-table">(.*?)</table>\s*</div>', html, flags=re.S)


def test_charts_contain_the_numbers_they_draw_and_a_table_with_the_same(reader_client, seed):
    html = html_of(reader_client, INDEX)
    blocks = chart_blocks(html)
    assert len(blocks) == 4
    for block in blocks:
        svg = re.search(r"<svg.*?</svg>", block, flags=re.S).group(0)
        assert re.search(r'<title id="[^"]+">[^<]+</title>', svg) and re.search(r'<desc id="[^"]+">[^<]+</desc>', svg)
        assert 'role="img"' in svg and "<script" not in svg and "style=" not in svg
        drawn = re.findall(r'<text class="bar-value"[^>]*>([^<]+)</text>', svg)
        tabled = re.findall(r'<td class="number">([^<]+)</td>', block)
        assert drawn and drawn == tabled
        desc = re.search(r"<desc[^>]*>([^<]+)</desc>", svg).group(1)
        assert all(value in desc for value in drawn)
    consultation = blocks[0]
    assert "556项" in consultation and "522项" in consultation
    widths = [float(w) for w in re.findall(r'<rect class="bar-rect"[^>]*width="([\d.]+)"', consultation)]
    assert widths[0] == 360 and widths[1] == pytest.approx(360 * 522 / 556, abs=0.1)
    exam = blocks[1]
    assert "622人" in exam and "117人" in exam


def test_charts_render_the_same_in_elder_and_high_contrast_mode(reader_client, seed):
    reader_client.cookies["reader"] = "elder=1&contrast=yb"
    html = html_of(reader_client, INDEX)
    assert re.search(r'<html lang="zh-CN" class="[^"]*\belder\b[^"]*\bcontrast-yb\b', html)
    assert len(chart_blocks(html)) == 4
    # Colours come from the stylesheet (CSS variables per scheme), never inline.
    assert not re.search(r'\sstyle="', html) and not re.search(r'\sfill="#', html)


def test_street_page_lists_its_communities_and_their_designations(reader_client, seed):
    street = Street.objects.get(name="矣六街道")
    html = html_of(reader_client, street.get_absolute_url())
    assert "<h1>矣六街道</h1>" in html
    assert "云翔社区" in html and "新亚洲体育城社区" in html
    assert "省级城乡社区治理试点" in html and "（第1—2批，2020年以来）" in html
    assert "省级城乡社区治理现代化试点" in html and "（第3批，2023年）" in html
    taihe = html_of(reader_client, Street.objects.get(name="太和街道").get_absolute_url())
    assert "社区协商优秀点位" in taihe
    assert reader_client.get("/communities/streets/999999/").status_code == 404


def test_program_page_groups_communities_by_batch(reader_client, seed):
    html = html_of(reader_client, "/communities/programs/provincial-pilot/")
    first, third = html.index("第1—2批（4 个社区）"), html.index("第3批（2 个社区）")
    assert first < third
    for name in ["太和街道和平路社区", "矣六街道云翔社区", "小板桥街道林岸馨宸社区", "关上街道石虎关社区"]:
        assert first < html.index(name) < third
    for name in ["矣六街道新亚洲体育城社区", "金马街道凤凰山社区"]:
        assert html.index(name) > third
    listing = html_of(reader_client, "/communities/programs/")
    assert "省级城乡社区治理（现代化）试点" in listing and "6 个社区" in listing and "2 个社区" in listing
    assert reader_client.get("/communities/programs/no-such/").status_code == 404


def test_metric_page_shows_the_series_over_time(reader_client, seed):
    metric = Metric.objects.get(slug="consultation-matters")
    later = "截至2024年底,社区协商事项600项。"
    FactFactory(
        metric=metric,
        value=Decimal(600),
        unit="项",
        figure_text="600项",
        statement=later,
        period="截至2024年底",
        period_end=dt.date(2024, 12, 31),
    )
    html = html_of(reader_client, metric.get_absolute_url())
    assert html.index("556项") < html.index("600项")  # oldest first, neither overwritten
    svg = re.search(r"<svg.*?</svg>", html, flags=re.S).group(0)
    assert "截至2022年底" in svg and "截至2024年底" in svg and "556项" in svg and "600项" in svg
    assert "/communities/data.csv?metric=consultation-matters" in html
    assert reader_client.get("/communities/metrics/no-such/").status_code == 404
    exam = html_of(reader_client, "/communities/metrics/exam-passes/")
    assert "84.2%" in exam and "合计" in exam and "初级" in exam


def test_every_fact_is_listed_with_its_sentence_and_source(reader_client, seed):
    html = html_of(reader_client, "/communities/data/")
    for item in Fact.objects.select_related("source_record"):
        assert f'href="{item.source_url}"' in html
        assert item.sentence.replace("<", "&lt;").replace(">", "&gt;") in html
        assert item.display_value in html


def read_csv(response):
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_download_has_every_public_fact_with_its_source(reader_client, seed):
    response = reader_client.get("/communities/data.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 28
    row = next(r for r in rows if r["指标标识"] == "salary-funding")
    assert (row["数值"], row["单位"], row["约数"], row["显示值"], row["时期"]) == (
        "8000",
        "万元",
        "近",
        "近8000万元",
        "2023年",
    )
    assert row["来源索引号"] == seed.index_number
    assert row["来源链接（定位到原文语句）"].startswith(
        f"http://testserver/disclosures/{seed.index_number}/?cite=fact-"
    )
    assert row["原文语句"] == "2023年区级财政共投入经费近8000万元,用于保障社区工作者队伍薪酬待遇。"
    only = read_csv(reader_client.get("/communities/data.csv?metric=exam-passes"))
    assert [(r["分项"], r["数值"]) for r in only] == [("", "739"), ("初级", "622"), ("中级", "117")]


def test_json_download_matches_the_csv(reader_client, seed):
    data = json.loads(reader_client.get("/communities/data.json").content)
    assert data["count"] == len(data["facts"]) == 28
    consultation = next(f for f in data["facts"] if f["metric"] == "consultation-carried-out")
    assert consultation["value"] == 522 and consultation["unit"] == "项" and consultation["period"] == "截至2022年底"
    assert consultation["period_end"] == "2022-12-31" and consultation["scope"] == "全区"
    assert consultation["sentence"] in seed.body
    assert consultation["source_url"].endswith(f"#{fact('consultation-carried-out').anchor}")
    assert {f["value"] for f in data["facts"] if f["metric"] == "title-subsidy"} == {200, 400, 600}


def test_bad_download_filters_get_a_clear_message(reader_client, seed):
    response = reader_client.get("/communities/data.csv?metric=<nope>")
    assert response.status_code == 400
    assert "没有标识为“&lt;nope&gt;”的指标" in response.content.decode()
    response = reader_client.get("/communities/data.json?metric=nope")
    assert response.status_code == 400 and "没有标识为“nope”的指标" in response.json()["error"]


PUBLIC_URLS = [
    "/communities/",
    "/communities/data/",
    "/communities/metrics/consultation-activities/",
    "/communities/programs/",
    "/communities/programs/provincial-pilot/",
    "/communities/data.csv",
    "/communities/data.json",
]


def hidden_sources():
    later = timezone.now() + dt.timedelta(days=3)
    withdrawn = SourcedRecordFactory(sentence="截至2030年底,官渡区共开展社区协商各类活动98765次。")
    record_withdraw(record=withdrawn)
    return [
        RecordFactory(body="<p>截至2030年底,官渡区共开展社区协商各类活动98765次。</p>"),  # draft
        PublishedRecordFactory(published_at=later, body="<p>截至2030年底,官渡区共开展社区协商各类活动98765次。</p>"),
        DisclosureRecord.objects.get(pk=withdrawn.pk),
    ]


def test_no_fact_or_designation_is_shown_whose_source_is_not_published(reader_client, seed):
    metric = Metric.objects.get(slug="consultation-activities")
    statement = "截至2030年底,官渡区共开展社区协商各类活动98765次。"
    street = Street.objects.get(name="金马街道")
    for record in hidden_sources():
        assert not record.is_public
        Fact.objects.create(
            metric=metric,
            value=Decimal(98765),
            unit="次",
            figure_text="98765次",
            period="截至2030年底",
            period_end=dt.date(2030, 12, 31),
            source_record=record,
            sentence=statement,
        )
        community = CommunityFactory(street=street, name=f"隐藏{record.pk}社区")
        Designation.objects.create(
            program_id=Designation.objects.first().program_id,
            community=community,
            source_record=record,
            sentence=statement,
            batch_first=9,
            batch_last=9,
        )
    assert Fact.objects.filter(value=98765).count() == 3
    for url in PUBLIC_URLS + [street.get_absolute_url()]:
        content = reader_client.get(url).content.decode("utf-8-sig")
        assert "98765" not in content, url
        assert "第9批" not in content, url
    assert "473次" in html_of(reader_client, INDEX)  # the published seed still shows


def test_withdrawing_the_source_removes_its_figures_everywhere(reader_client, seed):
    record_withdraw(record=seed)
    html = html_of(reader_client, INDEX)
    assert "473次" not in html and "93.9%" not in html and "cite=" not in html
    assert json.loads(reader_client.get("/communities/data.json").content)["count"] == 0
    assert len(read_csv(reader_client.get("/communities/data.csv"))) == 0
    assert "石虎关社区：" not in html_of(reader_client, "/communities/programs/provincial-pilot/")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


PAGES = PUBLIC_URLS + ["street"]


def test_query_counts_are_bounded_and_do_not_grow_with_the_data(reader_client, seed, settings):
    settings.PAGE_CACHE_ENABLED = False  # measure the views themselves, not a cached copy
    street = Street.objects.get(name="矣六街道")
    urls = [street.get_absolute_url() if url == "street" else url for url in PAGES]
    count_queries(reader_client, INDEX)  # warm what every page shares (site settings, chrome)
    before = {url: count_queries(reader_client, url) for url in urls}
    for url, count in before.items():
        assert count <= 6, (url, count)
    for n in range(12):
        statement = f"截至2024年底,官渡区共开展社区协商各类活动{700 + n}次。"
        FactFactory(
            metric=Metric.objects.get(slug="consultation-activities"),
            value=Decimal(700 + n),
            figure_text=f"{700 + n}次",
            statement=statement,
            period=f"截至2024年底（{n}）",
            period_end=dt.date(2024, 12, 31),
        )
        community = CommunityFactory(street=street, name=f"新录入{n}社区")
        DesignationFactory(community=community, program=Designation.objects.first().program)
    count_queries(reader_client, INDEX)  # the saves above started a new cache generation
    after = {url: count_queries(reader_client, url) for url in urls}
    assert after == before


def test_pages_carry_the_column_tags_and_the_navigation_entry(reader_client, seed):
    for url in [
        "/communities/",
        "/communities/data/",
        "/communities/programs/provincial-pilot/",
        "/communities/metrics/pay-min/",
        Street.objects.first().get_absolute_url(),
    ]:
        html = html_of(reader_client, url)
        assert '<meta name="ColumnType" content="数据发布">' in html, url
        assert html.count("<h1") == 1, url
        assert 'href="/communities/"' in html and ">社区治理<" in html
    assert '<meta name="ColumnName" content="社区工作者薪酬标准下限">' in html_of(
        reader_client, "/communities/metrics/pay-min/"
    )
    sitemap = html_of(reader_client, "/sitemap/")
    assert "城乡社区治理试点与协商点位" in sitemap and "全部社区治理数据" in sitemap
