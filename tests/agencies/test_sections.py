"""Every 公开单位 has its own 政府信息公开 section at /gk/<code>/ with the five 61号 entries; the
district's section lists its departments and streets; the old URLs keep working."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from disclosures.models import Genre, Organization, Page
from tests.disclosures.factories import OrganizationFactory, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies():
    district = OrganizationFactory(name="某区人民政府", section_code="qzf")
    civil = OrganizationFactory(
        name="某区民政局",
        section_code="mzj",
        parent=district,
        address="某路1号",
        office_hours="工作日 9:00-17:00",
        phone="0871-1234567",
        fax="0871-7654321",
        online_contact="mzj@example.gov.cn",
    )
    street = OrganizationFactory(name="某某街道办事处", section_code="jd", parent=district)
    hidden = OrganizationFactory(name="没有专栏的机构", parent=district)  # no section_code: no section
    return {"district": district, "civil": civil, "street": street, "hidden": hidden}


def test_the_index_lists_agencies_as_a_tree(client, agencies):
    html = client.get("/gk/").content.decode()
    district_at = html.index("某区人民政府")
    assert district_at < html.index("某区民政局") and district_at < html.index("某某街道办事处")
    assert re.search(r"某区人民政府</a>\s*<ul>.*某区民政局.*</ul>", html, re.S)
    assert "没有专栏的机构" not in html


def test_the_district_section_lists_its_departments_and_streets(client, agencies):
    html = client.get("/gk/qzf/").content.decode()
    assert 'href="/gk/mzj/"' in html and 'href="/gk/jd/"' in html
    assert "没有专栏的机构" not in html
    for entry in ["政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]:
        assert entry in html
    assert 'href="/gk/qzf/"' not in html.split('id="main"')[1].split("所属部门和街道")[1]  # lists children, not itself


def test_a_departments_section_links_up_and_has_no_subunits(client, agencies):
    html = client.get("/gk/mzj/").content.decode()
    assert "所属部门和街道" not in html
    assert 'href="/gk/qzf/"' in html


def test_the_guide_shows_the_agencys_own_office(client, agencies):
    html = client.get("/gk/mzj/guide/").content.decode()
    for value in ["某路1号", "工作日 9:00-17:00", "0871-1234567", "0871-7654321", "mzj@example.gov.cn"]:
        assert value in html
    assert '<meta name="ColumnName" content="某区民政局政府信息公开指南"' in html
    assert '<meta name="ColumnType" content="信息公开指南"' in html
    # Missing contact details say so rather than leaving a blank cell.
    assert "未提供" in client.get("/gk/jd/guide/").content.decode()


def test_each_agencys_guide_gives_the_article_12_items(client, agencies):
    """条例 Art. 12 asks every agency's 指南 for its 分类、编排体系 and 获取方式, not only the
    district's: its own topics lead to its own catalogue."""
    record = published("民政局的一条信息", publisher=agencies["civil"])
    html = client.get("/gk/mzj/guide/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    for item in ["信息分类", "编排体系", "索引号、名称、发布机构、成文日期", "获取方式", "主动公开", "依申请公开"]:
        assert item in text, item
    assert f'<a href="/gk/mzj/catalogue/?topic={record.topic_id}">{record.topic.name}</a>' in html
    assert "民政局的一条信息" in client.get(f"/gk/mzj/catalogue/?topic={record.topic_id}").content.decode()
    assert 'id="guide-apply"' in html  # the section's 依申请公开 entry still lands on it
    # An agency with nothing published yet says so.
    assert re.search(r'id="guide-categories".*?<li>暂无</li>', client.get("/gk/jd/guide/").content.decode(), re.S)


def test_the_guide_carries_the_agencys_own_text_when_written(client, agencies):
    Page.objects.create(slug="guide-mzj", title="某区民政局政府信息公开指南", body="<p>民政局自己的指南正文。</p>")
    assert "民政局自己的指南正文" in client.get("/gk/mzj/guide/").content.decode()
    assert "民政局自己的指南正文" not in client.get("/gk/jd/guide/").content.decode()


def test_policy_falls_back_to_the_districts(client, agencies):
    Page.objects.create(slug="policy", title="政府信息公开制度", body="<p>全区制度正文。</p>")
    html = client.get("/gk/jd/policy/").content.decode()
    assert "全区制度正文" in html and "执行全区统一的" in html
    Page.objects.create(slug="policy-mzj", title="某区民政局政府信息公开制度", body="<p>民政局制度正文。</p>")
    html = client.get("/gk/mzj/policy/").content.decode()
    assert "民政局制度正文" in html and "执行全区统一的" not in html


def test_a_table_in_a_guide_or_policy_scrolls_in_its_own_region(client, agencies):
    table = "<table><caption>办理时限</caption><tr><th>环节</th><th>时限</th></tr><tr><td>答复</td><td>20个工作日</td></tr></table>"
    for slug in ("policy", "guide", "policy-mzj", "guide-mzj"):
        Page.objects.create(slug=slug, title="政府信息公开", body=f"<p>正文。</p>{table}")
    for url in ("/disclosures/policy/", "/disclosures/guide/", "/gk/mzj/policy/", "/gk/mzj/guide/"):
        html = client.get(url).content.decode()
        region = '<div class="table-scroll" role="region" aria-label="办理时限（表格，可横向滚动）" tabindex="0">'
        assert f"{region}<table><caption>办理时限</caption><thead>" in html, url


def test_the_catalogue_lists_only_the_agencys_records_and_pages(client, agencies):
    base = timezone.now() - dt.timedelta(days=1)
    for n in range(21):
        published(f"民政局通知{n:02d}", publisher=agencies["civil"], published_at=base - dt.timedelta(minutes=n))
    published("区政府通知", publisher=agencies["district"])
    html = client.get("/gk/mzj/catalogue/").content.decode()
    assert "共 21 条" in html and "民政局通知00" in html and "民政局通知20" not in html
    assert "区政府通知" not in html
    next_link = re.search(r'href="\?([^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    second = client.get(f"/gk/mzj/catalogue/?{next_link}").content.decode()
    title = lambda page: page.split("<title>", 1)[1].split("</title>", 1)[0]  # noqa: E731
    assert title(html).startswith("某区民政局政府信息公开目录 - ")
    assert title(second).startswith("某区民政局政府信息公开目录（发布日期 "), title(second)  # not page 1's
    assert "民政局通知20" in second and "民政局通知00" not in second and "区政府通知" not in second
    # The publisher cannot be swapped through the query string.
    assert "区政府通知" not in client.get(f"/gk/mzj/catalogue/?publisher={agencies['district'].pk}").content.decode()
    assert '<meta name="ColumnType" content="信息公开目录"' in html


def test_the_catalogue_is_named_as_it_is_and_offers_only_the_agencys_years_and_topics(client, agencies):
    """Its crumbs said 法定主动公开内容 (another page), and its choices were the whole site's:
    a year or topic only another agency has led to an empty list."""
    from tests.disclosures.factories import TopicFactory

    mine, others = TopicFactory(name="本局主题"), TopicFactory(name="他局主题")
    published(
        "民政局通知", publisher=agencies["civil"], topic=mine, published_at=dt.datetime(2024, 5, 6, tzinfo=dt.UTC)
    )
    published(
        "区政府通知", publisher=agencies["district"], topic=others, published_at=dt.datetime(2025, 5, 6, tzinfo=dt.UTC)
    )
    html = client.get("/gk/mzj/catalogue/").content.decode()
    assert '<option value="2024">2024年</option>' in html and "2025年" not in html
    assert "本局主题" in html and "他局主题" not in html
    crumbs = html[html.index('aria-label="当前位置"') :].split("</nav>")[0]
    assert "政府信息公开目录" in crumbs and "法定主动公开内容" not in crumbs
    assert "2025年" in client.get("/disclosures/").content.decode()  # the site's catalogue: every year


def test_a_chosen_year_or_topic_the_agency_has_nothing_for_stays_chosen(client, agencies):
    """A link with a year (or topic) only another agency has listed nothing while its select
    showed 全部: the reader could not tell what had been chosen."""
    from tests.disclosures.factories import TopicFactory

    others = TopicFactory(name="他局主题")
    published("民政局通知", publisher=agencies["civil"], published_at=dt.datetime(2024, 5, 6, tzinfo=dt.UTC))
    published(
        "区政府通知", publisher=agencies["district"], topic=others, published_at=dt.datetime(2025, 5, 6, tzinfo=dt.UTC)
    )
    html = client.get(f"/gk/mzj/catalogue/?year=2025&topic={others.pk}").content.decode()
    assert '<option value="2025" selected>2025年（无信息）</option>' in html
    assert f'<option value="{others.pk}" selected>他局主题（无信息）</option>' in html
    assert "共 0 条" in html
    html = client.get("/gk/mzj/catalogue/?year=2024").content.decode()
    assert '<option value="2024" selected>2024年</option>' in html and "无信息" not in html
    # The district's catalogue, by a publisher with nothing public (the street here).
    html = client.get(f"/disclosures/?publisher={agencies['street'].pk}").content.decode()
    assert f'<option value="{agencies["street"].pk}" selected>某某街道办事处（无信息）</option>' in html


def test_bad_filters_and_unknown_agencies(client, agencies):
    response = client.get("/gk/mzj/catalogue/?year=abc")
    assert response.status_code == 400
    # The title says what was wrong and on which agency's catalogue, not 请求无效 as on every list.
    title = response.content.decode().split("<title>", 1)[1]
    assert title.startswith(f"筛选条件无效 - {agencies['civil'].name}政府信息公开目录 - "), title[:80]
    assert client.get("/gk/nosuch/").status_code == 404
    assert client.get("/gk/nosuch/guide/").status_code == 404
    assert client.get(f"/gk/{agencies['hidden'].pk}/").status_code == 404


def test_annual_reports_list_the_agencys_reports(client, agencies):
    genre = Genre.objects.get_or_create(name="政府信息公开年报")[0]
    published("某区民政局2025年政府信息公开工作年度报告", publisher=agencies["civil"], genre=genre)
    published("某区民政局的其他通知", publisher=agencies["civil"])
    html = client.get("/gk/mzj/annual-reports/").content.decode()
    assert "2025年政府信息公开工作年度报告" in html and "其他通知" not in html


def test_the_apply_entry_opens_the_form_for_this_agency_when_it_takes_applications_online(client, agencies):
    from inforequests.models import Agency

    Agency.objects.create(organization=agencies["civil"])
    html = client.get("/gk/mzj/").content.decode()
    link = f"/disclosures/apply/?agency={agencies['civil'].pk}"
    assert f'href="{link}">依申请公开' in html
    assert f'href="{link}">在线提出申请' in client.get("/gk/mzj/guide/").content.decode()
    form = client.get(link).content.decode()
    assert re.search(rf'<option value="{agencies["civil"].pk}" selected>某区民政局</option>', form)


def test_an_agency_without_online_applications_points_to_its_guides_offices(client, agencies):
    """A link to the form would leave the applicant with their agency missing from its list."""
    from inforequests.models import Agency

    Agency.objects.create(organization=agencies["street"], accepts_requests=False)
    for code in ("mzj", "jd"):
        assert f'href="/gk/{code}/guide/#guide-apply">依申请公开' in client.get(f"/gk/{code}/").content.decode()
        assert "在线提出申请" not in client.get(f"/gk/{code}/guide/").content.decode()


def test_existing_urls_keep_working(client, seed):
    for url in ["/disclosures/", "/disclosures/guide/", "/disclosures/policy/", seed.get_absolute_url()]:
        assert client.get(url).status_code == 200
    codes = set(Organization.objects.exclude(section_code=None).values_list("section_code", flat=True))
    assert {"qzf", "mzj"} <= codes
    assert client.get("/gk/qzf/").status_code == 200
