"""法定主动公开内容 column pages, and the 网站自查 figures on a fixture with known empty and
stale columns, a late record and dead internal links."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from agencies import selectors
from agencies.models import StatutoryColumn
from disclosures.models import Genre
from tests.disclosures.factories import OrganizationFactory, TopicFactory, published
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=SHANGHAI)


def at(y, m, d):
    return dt.datetime(y, m, d, 9, 0, tzinfo=SHANGHAI)


def test_the_seeded_tree_has_article_20_and_21_items():
    roots = StatutoryColumn.objects.filter(parent=None)
    assert [r.basis for r in roots] == ["条例第二十条", "条例第二十一条"]
    assert roots[0].children.count() == 15 and roots[1].children.count() == 7
    first = roots[0].children.first()
    assert first.basis == "条例第二十条第（一）项" and set(first.genres.values_list("name", flat=True)) == {
        "规章",
        "规范性文件",
    }
    assert roots[0].children.last().basis == "条例第二十条第（十五）项"


@pytest.fixture
def world():
    StatutoryColumn.objects.exclude(parent=None).delete()
    StatutoryColumn.objects.all().delete()
    civil = OrganizationFactory(name="某区民政局", section_code="mzj")
    other = OrganizationFactory(name="某区财政局", section_code="czj")
    rules = Genre.objects.get_or_create(name="规范性文件")[0]
    topic = TopicFactory(name="民政动态")
    root = StatutoryColumn.objects.create(name="第二十条", position=1)
    policy = StatutoryColumn.objects.create(name="规范性文件", parent=root, kind="policy", position=1)
    policy.genres.add(rules)
    dynamic = StatutoryColumn.objects.create(name="工作动态", parent=root, kind="dynamic", position=2)
    dynamic.topics.add(topic)
    notice = StatutoryColumn.objects.create(name="通知公告", parent=root, kind="notice", position=3)
    empties = [StatutoryColumn.objects.create(name=f"空白栏目{n}", parent=root, position=10 + n) for n in range(5)]
    r1 = published(
        "规范性文件一", publisher=civil, genre=rules, written_date=dt.date(2026, 4, 1), published_at=at(2026, 6, 20)
    )
    r2 = published(
        "动态一",
        publisher=civil,
        topic=topic,
        written_date=dt.date(2026, 5, 28),
        published_at=at(2026, 6, 1),
        body=(
            f'<p><a href="{r1.get_absolute_url()}">有效</a> <a href="/disclosures/">目录</a> <a href="https://www.gov.cn/">外站</a>'
            ' <a href="/disclosures/000000000-209901-999999/">错链一</a> <a href="/gk/nosuch/">错链二</a>'
            ' <a href="/no/such/page/">错链三</a> <a href="/disclosures">补斜杠</a> <a href="#top">锚点</a></p>'
        ),
    )
    r3 = published("通知一", publisher=other, published_at=at(2025, 10, 1), written_date=None)
    notice.records.add(r3)
    return {
        "civil": civil,
        "other": other,
        "policy": policy,
        "dynamic": dynamic,
        "notice": notice,
        "empties": empties,
        "r1": r1,
        "r2": r2,
        "r3": r3,
    }


def test_self_check_figures(world):
    check = selectors.self_check(now=NOW)
    assert check.columns == 8  # the leaves; 第二十条 is a heading
    assert [c.name for c in check.empty] == [f"空白栏目{n}" for n in range(5)]
    assert check.empty_fails  # five empty columns: more than the four allowed
    assert {(c.name, days) for c, _, days in check.stale} == {("工作动态", 14), ("通知公告", 183)}
    assert not check.home_stale and check.latest_publication == at(2026, 6, 20)
    assert [(r.title, days > 20) for r, days in check.late] == [("规范性文件一", True)]
    assert sorted(href for _, href in check.dead_links) == [
        "/disclosures/000000000-209901-999999/",
        "/gk/nosuch/",
        "/no/such/page/",
    ]


def test_a_mistyped_written_date_is_late_without_counting_two_thousand_years(world):
    """A row kept before 成文日期 had bounds (0001-01-01): listed as over a year late, at once."""
    from disclosures.models import DisclosureRecord

    DisclosureRecord.objects.filter(title="规范性文件一").update(written_date=dt.date(1, 1, 1))
    assert [(r.title, days) for r, days in selectors.self_check(now=NOW).late] == [("规范性文件一", None)]


def test_self_check_thresholds_move_with_the_data_and_settings(world, settings):
    world["empties"][0].records.add(world["r3"])
    check = selectors.self_check(now=NOW)
    assert len(check.empty) == 4 and not check.empty_fails
    settings.SELF_CHECK_UPDATE_DAYS = {"dynamic": 30, "notice": 365}
    assert {c.name for c, _, _ in selectors.self_check(now=NOW).stale} == set()
    assert selectors.self_check(now=NOW + dt.timedelta(days=11)).home_stale  # 21 days without a publication


def test_the_self_check_page_is_for_staff(client, world):
    response = client.get("/admin/self-check/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    sign_in_staff(client, User.objects.create_user("staff", password="pw-123456789", is_staff=True))
    html = client.get("/admin/self-check/").content.decode()
    assert "网站自查" in html and "空白栏目4" in html and "/gk/nosuch/" in html


def test_the_column_tree_counts_the_agencys_records(client, world):
    html = client.get("/gk/mzj/statutory/").content.decode()
    policy_url = f"/gk/mzj/statutory/{world['policy'].pk}/"
    assert re.search(rf'<a href="{policy_url}">规范性文件</a>（1）', html)
    assert re.search(rf'<a href="/gk/mzj/statutory/{world["notice"].pk}/">通知公告</a>（0）', html)  # r3 is 财政局's
    assert (
        "第二十条" in html
        and 'href="/gk/mzj/statutory/%d/"' % StatutoryColumn.objects.get(name="第二十条").pk not in html
    )
    # A group is a heading screen readers can jump to, not a bare span.
    assert '<h2 class="column-heading">第二十条</h2>' in html


def test_a_column_page_names_its_agency_in_its_title(client, world):
    """/gk/qzf/statutory/2/ and /gk/mzj/statutory/2/ had the same <title> (WCAG 2.4.2)."""
    world["policy"].basis = "条例第二十条第（二）项"
    world["policy"].save()
    html = client.get(f"/gk/mzj/statutory/{world['policy'].pk}/").content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith(f"规范性文件 - {world['civil'].name} - "), title
    # Its legal basis too: the page's PageMeta, passed as `column`, hid the column's own fields.
    assert "<p>依据：条例第二十条第（二）项</p>" in html


def test_a_column_page_lists_and_pages_the_agencys_records(client, world):
    for n in range(20):
        published(
            f"规范性文件补{n:02d}",
            publisher=world["civil"],
            genre=world["policy"].genres.first(),
            published_at=at(2026, 6, 19) - dt.timedelta(minutes=n),
        )
    published("财政局的规范性文件", publisher=world["other"], genre=world["policy"].genres.first())
    url = f"/gk/mzj/statutory/{world['policy'].pk}/"
    html = client.get(url).content.decode()
    assert "共 21 条" in html and "规范性文件一" in html and "财政局的规范性文件" not in html
    assert '<meta name="ColumnName" content="规范性文件"' in html
    assert '<meta name="ColumnType" content="信息公开目录"' in html
    second = client.get(url, {"page": 2}).content.decode()
    assert "规范性文件补19" in second and "规范性文件一" not in second
    # Page 2 says so in its title, as the catalogue's pages do; page 1 did and does not.
    assert f"<title>规范性文件 - {world['civil'].name} - " in html
    assert f"<title>规范性文件（第 2 页，共 2 页） - {world['civil'].name} - " in second
    assert client.get(url, {"page": 3}).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 404
    assert client.get("/gk/mzj/statutory/999999/").status_code == 404
    assert client.get("/gk/mzj/statutory/99999999999999999999/").status_code == 404


def test_self_check_lists_interpretations_published_over_3_working_days_after_their_document(client, world):
    """国办发〔2016〕19号: a 解读 within 3 working days of its document, counted in local dates."""
    from tests.disclosures.factories import draft

    document = published("政策文件", publisher=world["civil"], published_at=at(2026, 6, 1))  # a Monday
    published("按时的解读", interprets=document, published_at=at(2026, 6, 4))  # 2, 3 and 4 June
    published("迟到的解读", interprets=document, published_at=at(2026, 6, 8))
    # 00:30 on Friday 5 June in Asia/Shanghai, still the 4th in UTC: the 4th working day.
    published("半夜发布的解读", interprets=document, published_at=dt.datetime(2026, 6, 5, 0, 30, tzinfo=SHANGHAI))
    unpublished = draft("草稿中的政策文件", publisher=world["civil"], published_at=at(2026, 1, 5))
    published("草稿文件的解读", interprets=unpublished, published_at=at(2026, 6, 8))
    late = selectors.self_check(now=NOW).late_interpretations
    assert [(record.title, days) for record, days in late] == [("迟到的解读", 5), ("半夜发布的解读", 4)]
    sign_in_staff(client, User.objects.create_user("staff", password="pw-123456789", is_staff=True))
    html = client.get("/admin/self-check/").content.decode()
    assert "解读晚于文件3个工作日以上" in html and "迟到的解读" in html and "按时的解读" not in html
