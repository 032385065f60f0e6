"""The public pages: the seed page as on the Guandu portal, visibility, bad input."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from disclosures.models import DisclosureRecord
from tests.conftest import SEED_INDEX_NUMBER
from tests.disclosures.factories import PublishedRecordFactory, RecordFactory

pytestmark = pytest.mark.django_db
SEED_URL = f"/disclosures/{SEED_INDEX_NUMBER}/"


def text_of(response):
    """Visible text with tags stripped and whitespace folded."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_seed_page_shows_every_metadata_field(reader_client, seed):
    response = reader_client.get(SEED_URL)
    assert response.status_code == 200
    page = text_of(response)
    for label, value in [
        ("索引号:", "015117762-202306-707714"),
        ("主题分类:", "2023年"),
        ("发布机构:", "昆明市官渡区人民政府"),
        ("发布日期:", "2023-06-16 17:19"),
        ("名 称:", "关于政协官渡区十届二次会议第102114号提案答复的函"),
    ]:
        assert f"{label} {value}" in page
    # 文号 and 关键字 are empty on the seed and shown empty.
    html = response.content.decode()
    assert re.search(r"<th scope=\"row\">文号:</th><td></td>", html)
    assert re.search(r"<th scope=\"row\">关键字:</th><td></td>", html)
    assert "发布时间: 2023-06-16 17:19" in page
    assert "浏览次数:64" in page  # 63 on the seed, plus this view
    assert "字号:[ 大 中 小 ]" in page
    assert html.count("<h1") == 1


def test_seed_body_is_the_restored_text_verbatim(reader_client, seed):
    html = reader_client.get(SEED_URL).content.decode()
    fixture = json.loads((Path(settings.BASE_DIR) / "fixtures" / "010_disclosures.json").read_text(encoding="utf-8"))
    body = next(o for o in fixture if o["model"] == "disclosures.disclosurerecord")["fields"]["body"]
    assert body in html
    for restored in [
        "现代化建设。2023年,矣六街道",
        "(昆办通〔2018〕49号)",
        "(官办通〔2018〕39号)",
        "(云政发〔2018〕23号)",
        "证明材料6项,",
        "2020年9月在区政府常务会上",
        "(昆社区治理通〔2020〕3号)",
        "2022年6月",
        "截至2022年底",
        "落实数量522项;",
        "(官办通〔2020〕26号)",
        "社区工作者124名,充实",
        "(官政发〔2018〕20号)",
        "4300—6800元/月/人(含五险)",
        "每月补贴600元。",
        "2023年5月31日",
    ]:
        assert restored in html, restored
    assert html.count("<p>") >= 20  # the paragraph structure survives


def test_every_page_carries_the_government_page_tags_and_footer(reader_client, seed):
    for url in ["/", "/disclosures/", SEED_URL, "/disclosures/guide/", "/disclosures/policy/", "/sitemap/"]:
        html = reader_client.get(url).content.decode()
        for tag in ["SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType"]:
            assert f'<meta name="{tag}"' in html, (url, tag)
        for value in [
            "昆明市官渡区人民政府",
            "www.kmgd.gov.cn",
            "5301110005",
            "滇ICP备19011957号-1",
            "滇公网安备 53011102000502号",
            "昆明市官渡区人民政府办公室",
            "昆明信息港",
            "0871—12345",
            "昆明市官渡区云秀路2898号官渡区国投大厦1号楼6楼",
            "网站地图",
            "长者模式",
            "无障碍浏览",
        ]:
            assert value in html, (url, value)
    html = reader_client.get(SEED_URL).content.decode()
    assert '<meta name="ArticleTitle" content="关于政协官渡区十届二次会议第102114号提案答复的函">' in html
    assert '<meta name="PubDate" content="2023-06-16 17:19">' in html
    assert '<meta name="ContentSource" content="昆明市官渡区民政局">' in html


def test_font_size_links_work_without_javascript(reader_client, seed):
    html = reader_client.get(SEED_URL + "?size=large").content.decode()
    assert 'class="record font-large"' in html
    assert 'href="?size=small"' in html
    assert reader_client.get(SEED_URL + "?size=<script>").status_code == 200


def test_drafts_scheduled_and_withdrawn_never_show(reader_client):
    visible = PublishedRecordFactory(title="已公开的记录")
    draft = RecordFactory(title="草稿记录", index_number="100000000-202401-900001")
    scheduled = PublishedRecordFactory(title="定时发布的记录", published_at=timezone.now() + dt.timedelta(days=1))
    withdrawn = PublishedRecordFactory(title="已撤回的记录", status=DisclosureRecord.Status.WITHDRAWN)
    for url in ["/", "/disclosures/"]:
        page = reader_client.get(url).content.decode()
        assert visible.title in page
        for hidden in (draft, scheduled, withdrawn):
            assert hidden.title not in page
    assert reader_client.get(visible.get_absolute_url()).status_code == 200
    for hidden in (draft, scheduled, withdrawn):
        assert reader_client.get(f"/disclosures/{hidden.index_number}/").status_code == 404


def test_scheduled_record_appears_once_its_time_comes(reader_client):
    record = PublishedRecordFactory(published_at=timezone.now() + dt.timedelta(minutes=5))
    assert reader_client.get(record.get_absolute_url()).status_code == 404
    DisclosureRecord.objects.filter(pk=record.pk).update(published_at=timezone.now() - dt.timedelta(seconds=1))
    assert reader_client.get(record.get_absolute_url()).status_code == 200


def test_catalogue_browses_by_topic_publisher_and_year(reader_client):
    a = PublishedRecordFactory(title="甲分类记录", published_at=timezone.make_aware(dt.datetime(2023, 6, 15, 10)))
    b = PublishedRecordFactory(title="乙分类记录")
    page = reader_client.get(f"/disclosures/?topic={a.topic.pk}").content.decode()
    assert a.title in page and b.title not in page
    page = reader_client.get(f"/disclosures/?publisher={b.publisher.pk}").content.decode()
    assert b.title in page and a.title not in page
    page = reader_client.get("/disclosures/?year=2023").content.decode()
    assert a.title in page and b.title not in page


def test_catalogue_pages_have_stable_urls(reader_client):
    records = PublishedRecordFactory.create_batch(25)
    first = reader_client.get("/disclosures/").content.decode()
    assert "共 25 条" in first
    # Keyset links: the next page is addressed by the record it follows (no OFFSET).
    next_link = re.search(r'href="\?(after=\d+)" rel="next"', first).group(1)
    second = reader_client.get(f"/disclosures/?{next_link}").content.decode()
    newest_first = sorted(records, key=lambda r: (r.published_at, r.pk), reverse=True)
    assert newest_first[0].title in first and newest_first[-1].title in second
    # Stable: publishing a new record does not shift what that URL shows.
    PublishedRecordFactory(title="后来发布的记录")
    again = reader_client.get(f"/disclosures/?{next_link}").content.decode()
    assert newest_first[-1].title in again and newest_first[19].title not in again


@pytest.mark.parametrize(
    "url, status",
    [
        ("/disclosures/000000000-000000-000000/", 404),
        ("/disclosures/?page=abc", 404),
        ("/disclosures/?page=-1", 404),
        ("/disclosures/?page=0", 404),
        ("/disclosures/?page=99999999999999999999", 404),
        ("/disclosures/?page=999", 404),
        ("/disclosures/?topic=abc", 400),
        ("/disclosures/?publisher=999999", 400),
        ("/disclosures/?year=abc", 400),
        ("/disclosures/?year=2026.5", 400),
        ("/disclosures/?year=1e3", 400),
        ("/disclosures/?year=99999999999999999999", 400),
        ("/no-such-page/", 404),
    ],
)
def test_bad_input_gets_a_helpful_page_in_the_site_look(reader_client, seed, url, status):
    response = reader_client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert "昆明市官渡区人民政府" in html and "网站地图" in html  # the site's header and footer
    assert "Traceback" not in html


def test_a_refused_filter_says_what_was_wrong_and_on_which_list_in_the_title(reader_client, seed):
    """The title is what a screen reader says first and what a tab shows: every list's refused
    filter was titled 请求无效 alike, neither the page's heading nor the list it was on."""
    from tests.html import page_title

    for url, title in [
        ("/disclosures/?year=abc", "筛选条件无效 - 政府信息公开目录 - "),
        ("/disclosures/?topic=abc", "筛选条件无效 - 政府信息公开目录 - "),
        ("/proposals/?year=abc", "筛选条件无效 - 建议提案办理 - "),
    ]:
        response = reader_client.get(url)
        assert response.status_code == 400, url
        assert page_title(response).startswith(title), (url, page_title(response))


def test_guide_lists_the_article_12_items(reader_client, seed):
    page = text_of(reader_client.get("/disclosures/guide/"))
    for item in [
        "信息分类",
        "编排体系",
        "获取方式",
        "政府信息公开工作机构",
        "办公地址",
        "办公时间",
        "联系电话",
        "传真号码",
        "互联网联系方式",
        "昆明市官渡区人民政府办公室",
    ]:
        assert item in page


def test_expired_record_shows_a_banner_linking_to_its_successor(reader_client):
    successor = PublishedRecordFactory(title="新版管理办法")
    old = PublishedRecordFactory(
        title="旧版管理办法",
        validity=DisclosureRecord.Validity.REPEALED,
        invalid_date=dt.date(2024, 1, 1),
        superseded_by=successor,
    )
    html = reader_client.get(old.get_absolute_url()).content.decode()
    assert "本文件已废止" in html and successor.get_absolute_url() in html


def test_a_record_pages_validators_change_when_its_scheduled_successor_goes_public(db):
    """The banner links the successor from its publication time on, with no save then (no new
    generation): the record page's ETag and Last-Modified stayed as they were, so a crawler
    revalidating got a 304 and never saw the link."""
    import time_machine
    from django.test import Client
    from django.utils.http import http_date

    from core import pagecache

    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)  # after anything saved
    with time_machine.travel(start, tick=False) as clock:
        due = start + dt.timedelta(hours=2)
        successor = PublishedRecordFactory(title="新版管理办法", published_at=due)
        old = PublishedRecordFactory(
            title="旧版管理办法", validity=DisclosureRecord.Validity.REPEALED, superseded_by=successor
        )
        crawler = Client(HTTP_USER_AGENT="Baiduspider", HTTP_COOKIE="bench=1")  # past the page cache
        before = crawler.get(old.get_absolute_url())
        assert before.status_code == 200 and successor.get_absolute_url() not in before.content.decode()
        headers = {"HTTP_IF_NONE_MATCH": before["ETag"], "HTTP_IF_MODIFIED_SINCE": before["Last-Modified"]}
        assert crawler.get(old.get_absolute_url(), **headers).status_code == 304
        clock.move_to(due + dt.timedelta(minutes=1))
        pagecache.reset_local()  # this process's copies last a second of real time
        after = crawler.get(old.get_absolute_url(), **headers)
        assert after.status_code == 200 and successor.get_absolute_url() in after.content.decode()
        assert after["ETag"] != before["ETag"] and after["Last-Modified"] == http_date(due.timestamp())
        assert crawler.get(old.get_absolute_url(), HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_the_years_to_browse_by_are_local_years_with_public_records_read_a_step_a_year(
    db, django_assert_max_num_queries
):
    """Read one step down the date index per year (grouping every record's date took 1.6 s at a
    million records, again after each publish); years are Asia/Shanghai's."""
    import datetime as dt

    from disclosures.models import DisclosureRecord
    from disclosures.selectors import _public_years
    from tests.disclosures.factories import draft, published, scheduled, withdrawn

    DisclosureRecord.objects.all().delete()
    utc = dt.UTC
    published("二〇二〇年第一条", published_at=dt.datetime(2019, 12, 31, 16, 10, tzinfo=utc))  # 00:10 1 Jan 2020 local
    published("二〇一八年", published_at=dt.datetime(2018, 6, 1, tzinfo=utc))
    published("二〇二三年", published_at=dt.datetime(2023, 3, 1, tzinfo=utc))
    published("二〇二三年又一条", published_at=dt.datetime(2023, 9, 1, tzinfo=utc))
    withdrawn("撤回的二〇二一年", published_at=dt.datetime(2021, 5, 1, tzinfo=utc))
    draft("草稿")
    scheduled("定时发布")
    with django_assert_max_num_queries(4):  # the newest, then one per year found
        assert _public_years(DisclosureRecord.objects.published()) == [2023, 2020, 2018]
