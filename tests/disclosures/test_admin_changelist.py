"""The records changelist as it must behave at a million records (ADR 0052): a fixed number of
queries whatever the table holds, no COUNT over the table, exact 索引号/文号 first, word
searches from an index, filters without facet counts or a date hierarchy's DISTINCT."""

import datetime as dt

import pytest
from django.contrib.admin.templatetags.admin_list import admin_list_filter, result_headers, results
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.changelists import result_rows
from core.roles import REVIEWER
from core.templatetags.changelists import _FILTERS, list_filter
from disclosures import selectors
from disclosures.admin import DisclosureRecordAdmin
from disclosures.models import AgencyMembership, DisclosureRecord
from tests.disclosures.factories import OrganizationFactory, TopicFactory, draft, published, withdrawn
from tests.disclosures.test_admin import staff
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db

URL = "/admin/disclosures/disclosurerecord/"


@pytest.fixture
def reviewer(client):
    return sign_in_staff(client, staff("reviewer", REVIEWER))


def records(n, start=0, **kwargs):
    now = timezone.now()
    return [
        published(
            title=f"关于第{start + i}项工作的通知",
            index_number=f"200000000-202401-{start + i:06d}",
            published_at=now - dt.timedelta(hours=start + i + 1),
            **kwargs,
        )
        for i in range(n)
    ]


def get(client, url=URL, data=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response, [q["sql"] for q in queries.captured_queries]


def counts(statements):
    return [sql for sql in statements if "COUNT(" in sql.upper()]


def test_queries_stay_the_same_however_many_records_and_no_count_reads_the_whole_table(reviewer):
    TopicFactory.create_batch(3)
    records(3)
    # Steady states: the first page after signing in also writes the time of activity, the
    # first after a change reads the filters' choices again.
    get(reviewer)
    _, few = get(reviewer)
    records(60, start=3, publisher=OrganizationFactory(), topic=TopicFactory())
    get(reviewer)
    response, many = get(reviewer)
    assert len(many) == len(few)
    assert len(many) <= 9, many  # session, user, device, permissions, the page and its bound
    # The one count stops after the page following the shown one; no "N 条，共 M 条" total.
    assert len(counts(many)) == 1 and "LIMIT 101" in counts(many)[0]
    # No date hierarchy: its year list is a DISTINCT over every record.
    assert not any("DISTINCT" in sql.upper() and "published_at" in sql for sql in many)
    # One query for the page, its publishers joined in (list_select_related).
    page = [sql for sql in many if '"disclosures_disclosurerecord"."title"' in sql]
    assert len(page) == 1 and 'JOIN "disclosures_organization"' in page[0]
    assert response.context["cl"].result_count == 63 and len(response.context["cl"].result_list) == 50


def test_the_count_says_more_than_past_the_next_page(reviewer, monkeypatch):
    monkeypatch.setattr(DisclosureRecordAdmin, "list_per_page", 2)
    records(7)
    response, _ = get(reviewer)
    text = response.content.decode()
    assert str(response.context["cl"].result_count) == "4+"
    assert "4+ 政府信息公开记录" in text and "?p=3" in text  # the page after the next is offered
    assert 'class="showall"' not in text  # never "show all" of an uncounted list
    response, _ = get(reviewer, f"{URL}?p=3")
    assert response.context["cl"].result_count == 7  # counted to the end from there
    assert [r.title for r in response.context["cl"].result_list] == ["关于第4项工作的通知", "关于第5项工作的通知"]


def test_exact_index_number_and_document_number_come_first(reviewer):
    first, second = records(2)
    first.document_number = "官办通〔2020〕26号"
    first.save()
    second.title = f"引用{first.index_number}和官办通〔2020〕26号的通知"  # contains both, yet not an exact hit
    second.save()
    for term in (first.index_number, f" {first.index_number} ", "官办通[2020]26号", "官办通〔2020〕26号"):
        response, _ = get(reviewer, data={"q": term})
        assert list(response.context["cl"].result_list) == [first], term


def test_words_find_drafts_and_withdrawn_records_too(reviewer):
    records(2)
    wanted = [
        draft("关于社区治理的通知（草稿）"),
        withdrawn("关于社区治理的意见"),
        published(title="关于社区治理的报告"),
        published(title="其他", document_number="社区治理〔2024〕3号"),
    ]
    response, _ = get(reviewer, data={"q": "社区治理"})
    assert set(response.context["cl"].result_list) == set(wanted)
    response, _ = get(reviewer, data={"q": "治理 草稿"})
    assert list(response.context["cl"].result_list) == [wanted[0]]
    latin = published(title="关于PM2.5监测的通知")
    response, _ = get(reviewer, data={"q": "pm2.5"})  # Latin letters in any case
    assert list(response.context["cl"].result_list) == [latin]


def test_many_matches_are_read_along_the_index_with_the_same_results(reviewer, monkeypatch):
    monkeypatch.setattr(DisclosureRecordAdmin, "list_per_page", 4)
    records(5)
    for n in range(6):
        published(title=f"社区治理通知（{n}）", published_at=timezone.now() - dt.timedelta(minutes=n))

    def pages():
        shown, statements = [], []
        for number in (1, 2):
            response, queries = get(reviewer, data={"q": "社区治理", "p": number})
            shown += [record.title for record in response.context["cl"].result_list]
            statements += queries
        return shown, statements

    few, statements = pages()
    assert not any("set_config('enable_seqscan', 'off', true)" in sql for sql in statements)
    walks = 0
    for setting, value in (("ADMIN_SEARCH_SPARSE", 3), ("ADMIN_SEARCH_DENSE", 3)):  # by id, then common
        with monkeypatch.context() as patched:
            patched.setattr(selectors, setting, value)
            many, statements = pages()
        assert many == few == [f"社区治理通知（{n}）" for n in range(6)], setting
        walks += sum("set_config('enable_seqscan', 'off', true)" in sql for sql in statements)
    if connection.vendor == "postgresql":  # one walk along the date index per page shown
        assert walks == 4


def test_one_character_is_not_searched_and_staff_are_told_why(reviewer):
    records(2)
    response, _ = get(reviewer, data={"q": "通"})
    assert list(response.context["cl"].result_list) == []
    assert "至少输入两个字" in response.content.decode()


def test_year_filter_offers_the_years_between_first_and_last_and_filters_by_local_year(reviewer):
    tz = timezone.get_current_timezone()
    # 1 January 00:30 in Shanghai is still 31 December in UTC: counted in the local year.
    new_year = published(title="新年通知", published_at=dt.datetime(2024, 1, 1, 0, 30, tzinfo=tz))
    published(title="旧通知", published_at=dt.datetime(2021, 6, 1, 12, tzinfo=tz))
    response, statements = get(reviewer)
    text = response.content.decode()
    for year in (2021, 2022, 2023, 2024):
        assert f"?published_at_year={year}" in text
    response, _ = get(reviewer, f"{URL}?published_at_year=2024")
    assert list(response.context["cl"].result_list) == [new_year]
    assert reviewer.get(f"{URL}?published_at_year=20x4").url == f"{URL}?e=1"  # never a 500


def test_filters_list_choices_without_counting_them(reviewer):
    records(3)
    response, statements = get(reviewer, f"{URL}?_facets=1&status__exact=published")
    assert len(counts(statements)) == 1  # the page's bound only: facets are off
    assert "status__exact=draft" in response.content.decode()


def test_agency_staff_filter_by_their_own_agencies_only(client):
    mine, also_mine, other = (OrganizationFactory(name=name) for name in ("民政局", "教育局", "财政局"))
    user = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_disclosurerecord"))
    for organization in (mine, also_mine):
        AgencyMembership.objects.create(user=user, organization=organization)
    records(2, publisher=mine)
    records(2, start=2, publisher=other)
    sign_in_staff(client, user)
    response, _ = get(client)
    text = response.content.decode()
    assert f"publisher__id__exact={mine.pk}" in text and f"publisher__id__exact={also_mine.pk}" in text
    assert f"publisher__id__exact={other.pk}" not in text
    assert {r.publisher for r in response.context["cl"].result_list} == {mine}


def test_columns_sort_only_along_an_index(reviewer):
    records(3)
    response, _ = get(reviewer)
    headers = {header["text"]: header["sortable"] for header in result_headers(response.context["cl"])}
    assert headers["索引号"] and headers["发布日期"]
    assert not headers["名称"] and not headers["浏览次数"]


@pytest.mark.postgres_only
def test_word_candidates_come_from_the_gin_index():
    records(3)
    queryset = DisclosureRecord.objects.all()
    candidates = queryset.alias(words=selectors.RecordWords()).filter(
        words__contains=selectors.character_pairs(["社区治理"])
    )
    with connection.cursor() as cursor:  # a few rows: a scan would win, but the index must be usable
        # Neither a table scan nor a walk along another (ordered) index may stand in for it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    assert "record_admin_words" in candidates.explain()


def test_the_superseded_by_box_searches_the_same_way_without_leaving_messages(reviewer, monkeypatch):
    records(2)
    for n in range(4):
        published(title=f"社区治理通知（{n}）", published_at=timezone.now() - dt.timedelta(minutes=n))
    params = {"app_label": "disclosures", "model_name": "disclosurerecord", "field_name": "superseded_by"}
    for dense in (20, 2):  # listed by id, then read along the index
        monkeypatch.setattr(selectors, "ADMIN_SEARCH_DENSE", dense)
        response = reviewer.get("/admin/autocomplete/", {**params, "term": "社区治理"})
        assert [r["text"] for r in response.json()["results"]] == [f"社区治理通知（{n}）" for n in range(4)]
    assert reviewer.get("/admin/autocomplete/", {**params, "term": "通"}).json()["results"] == []
    response, _ = get(reviewer)
    assert "至少输入两个字" not in response.content.decode()  # the note is for the changelist only


def _django_rows(cl):
    return "".join("".join(str(cell) for cell in row) for row in results(cl))


def test_rows_have_django_markup_with_the_change_url_reversed_once_a_page(reviewer, monkeypatch):
    organization = OrganizationFactory(name="民政局")
    records(3, publisher=organization)
    draft("关于<草稿>的通知", document_number="")  # escaped; an empty 文号 shows the empty value
    calls = []
    monkeypatch.setattr(ChangeList, "url_for_result", lambda cl, result: calls.append(result))
    query = {"status__exact": "published", "q": "工作"}  # links keep the list's filters
    for data in (None, query):
        response, _ = get(reviewer, data=data)
        cl = response.context["cl"]
        rows = "".join("".join(row) for row in result_rows(cl))
        assert calls == []  # not once per row
        monkeypatch.undo()
        assert rows == _django_rows(cl)
        assert rows in response.content.decode().replace("<tr>", "").replace("</tr>", "").replace("\n", "")
        monkeypatch.setattr(ChangeList, "url_for_result", lambda cl, result: calls.append(result))
    assert "/change/?_changelist_filters=status__exact%3Dpublished%26q%3D%25E5%25B7%25A5" in rows


def test_filter_choices_are_read_once_until_content_changes(reviewer):
    records(2, topic=TopicFactory(name="教育"))
    get(reviewer)
    _, statements = get(reviewer)
    choices = ("disclosures_topic", "disclosures_genre", 'FROM "disclosures_organization"', 'MIN("disclosures_')
    assert not [sql for sql in statements if any(table in sql for table in choices)]
    TopicFactory(name="卫生健康")  # a change: a new generation
    published(title="旧通知", published_at=dt.datetime(2019, 6, 1, 12, tzinfo=timezone.get_current_timezone()))
    response, statements = get(reviewer)
    text = response.content.decode()
    assert "卫生健康" in text and "?published_at_year=2019" in text


def test_filters_have_django_markup_and_are_rendered_once_per_choices(reviewer):
    records(2, topic=TopicFactory(name="教育"))
    _FILTERS.clear()  # renderings kept by earlier tests in this process
    response, _ = get(reviewer)
    cl = response.context["cl"]
    for spec in cl.filter_specs:
        assert list_filter(cl, spec) == admin_list_filter(cl, spec)
    assert [t.name for t in response.templates].count("admin/filter.html") == len(cl.filter_specs)
    response, _ = get(reviewer)
    assert "admin/filter.html" not in [t.name for t in response.templates]  # kept
    response, _ = get(reviewer, data={"status__exact": "draft"})  # other links: rendered again
    assert [t.name for t in response.templates].count("admin/filter.html") == len(cl.filter_specs)
    assert '<li class="selected">\n    <a href="?status__exact=draft">' in response.content.decode()
