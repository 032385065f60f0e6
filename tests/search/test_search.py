"""/search/: relevance, exact-number shortcuts, highlighting, facets, sorting, bad input.

The same assertions run on SQLite (FTS5) and PostgreSQL (tsvector + GIN), so passing on
both means both backends return the same hits."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosures.models import DisclosureRecord
from search import density
from search.models import SearchDocument
from search.query import parse_query
from search.selectors import SearchFilters, search
from tests.disclosures.factories import OrganizationFactory, TopicFactory, published

SEED_URL = "/disclosures/015117762-202306-707714/"
PROPOSAL_URL = "/proposals/{session}/102114/"


def hit_urls(client, q, **params):
    response = client.get(reverse("search:results"), {"q": q, **params})
    assert response.status_code == 200, response.content.decode()[:500]
    return [hit.document.url for hit in response.context["hits"]], response


def titles(q, **filters):
    return [d.title for d in search(query=parse_query(q), filters=SearchFilters(**filters)).queryset]


@pytest.mark.django_db
class TestRelevance:
    def test_shequ_is_one_result_for_the_letter_with_its_reply_and_facts(self, client, seed):
        urls, response = hit_urls(client, "社区")
        # The letter once: its reply page as a second link, the facts quoted from it folded under it.
        assert urls == [SEED_URL]
        (hit,) = response.context["hits"]
        assert [copy.document.source for copy in hit.copies] == ["reply"]
        facts = SearchDocument.objects.filter(source="fact", search_text__contains="社区")
        assert {item.document.pk for item in hit.related} == set(facts.values_list("pk", flat=True))
        html = response.content.decode()
        assert f"<summary>含 {facts.count()} 条相关数据</summary>" in html
        assert f'href="{hit.copies[0].document.url}"' in html
        assert (
            search(query=parse_query("社区")).count
            == SearchDocument.objects.filter(search_text__contains="社区").count()
        )

    def test_phrase_is_exact_not_just_both_words(self, client, seed):
        # Both words, but never the phrase: bigram AND alone would match, the verbatim check must not.
        scattered = published(title="关于治理工作的通知", body="<p>治理工作要点。另行开展试点。</p>")
        urls, _ = hit_urls(client, "治理试点")
        assert SEED_URL in urls
        assert scattered.get_absolute_url() not in urls

    @pytest.mark.parametrize(
        "q", ["〔2018〕49号", "[2018]49号", "(2018)49号", "（2018）49号", "［２０１８］４９号", "2018 49号"]
    )
    def test_document_number_bracket_forms_match_each_other(self, client, seed, q):
        other = published(title="关于2018年第49批项目的公示", body="<p>2018年度第49号项目。</p>")
        urls, response = hit_urls(client, q)
        assert SEED_URL in urls
        if q != "2018 49号":
            assert other.get_absolute_url() not in urls  # 201849号 is not in its text
        marks = re.findall(r"<mark>(.*?)</mark>", "".join(hit.excerpt for hit in response.context["hits"]))
        assert any("49号" in m for m in marks)

    def test_single_character_query(self, client, seed):
        without = published(title="关于测试事项的通知", body="<p>没有那个字。</p>")
        urls = [d.url for d in search(query=parse_query("区")).queryset]
        assert SEED_URL in urls
        assert without.get_absolute_url() not in urls
        _, response = hit_urls(client, "区")
        assert response.context["page"].paginator.count == len(search(query=parse_query("区")).groups)
        assert "<mark>区</mark>" in response.content.decode()

    def test_two_character_query(self, seed):
        assert "关于政协官渡区十届二次会议第102114号提案答复的函" in titles("条例") + titles("提案")

    def test_title_matches_rank_above_body_matches(self, seed):
        in_title = published(
            title="社区工作者管理办法解读",
            body="<p>无关内容。</p>",
            published_at=timezone.now() - dt.timedelta(days=3000),
        )
        urls = [d.url for d in search(query=parse_query("社区工作者")).queryset]
        # Older, and the word once against dozens of times in the seed letter, but in the title.
        assert urls.index(in_title.get_absolute_url()) < urls.index(SEED_URL)

    def test_document_number_field_counts_as_title(self, seed):
        numbered = published(
            title="关于印发管理办法的通知",
            document_number="官办通〔2020〕26号",
            published_at=timezone.now() - dt.timedelta(days=3000),
        )
        results = list(search(query=parse_query("官办通 26号")).queryset)
        assert results[0].url == numbered.get_absolute_url()

    def test_every_term_must_match(self, seed):
        assert titles("社区 不存在的词") == []
        assert "关于政协官渡区十届二次会议第102114号提案答复的函" in titles("社区 薪酬")

    def test_many_hits_rank_a_window_then_the_rest_by_date(self, db, monkeypatch):
        from search import selectors

        # Over the limit: the two newest matches and the two newest title hits are ranked,
        # the other matches follow newest first.
        monkeypatch.setattr(selectors, "RANK_LIMIT", 2)
        monkeypatch.setattr(selectors, "RANK_WINDOW", 2)
        monkeypatch.setattr(selectors, "TITLE_WINDOW", 2)
        now = timezone.now()
        old_title = published(title="社区旧规定", published_at=now - dt.timedelta(days=30))
        new_title = published(title="社区新规定", published_at=now - dt.timedelta(days=1))
        bodies = [
            published(
                title=f"通知{n}",
                body="<p>社区社区社区</p>" if n == 0 else "<p>社区</p>",
                published_at=now - dt.timedelta(days=10 + n),
            )
            for n in range(3)
        ]
        ranked = [d.title for d in search(query=parse_query("社区")).queryset]
        assert ranked == [new_title.title, old_title.title] + [b.title for b in bodies]
        results = search(query=parse_query("社区"))
        assert [group.document.title for group in results.groups[1:4]] == ranked[1:4] and len(results.groups) == 5
        assert [document.title for document in results.queryset[1:4]] == ranked[1:4]

    def test_counts_follow_new_publications(self, client, seed):
        before = client.get(reverse("search:results"), {"q": "社区", "sort": "date"}).context["page"].paginator.count
        published(title="社区新闻")
        after = client.get(reverse("search:results"), {"q": "社区", "sort": "date"})
        assert after.context["page"].paginator.count == before + 1
        assert after.context["hits"][0].document.title == "社区新闻"

    def test_sort_by_date(self, seed):
        newer = published(title="社区服务指南", body="<p>社区</p>")
        results = [d.title for d in search(query=parse_query("社区"), sort="date").queryset]
        assert results[0] == newer.title
        dates = [d.published_at for d in search(query=parse_query("社区"), sort="date").queryset]
        assert dates == sorted(dates, reverse=True)


@pytest.mark.django_db
class TestNumbers:
    def test_exact_index_number_goes_to_the_record(self, client, seed):
        response = client.get(reverse("search:results"), {"q": " 015117762-202306-707714 "})
        assert response.status_code == 302 and response["Location"] == SEED_URL

    @pytest.mark.parametrize("q", ["官办通〔2020〕26号", "官办通[2020]26号", "官办通（２０２０）26号"])
    def test_exact_document_number_goes_to_the_record(self, client, db, q):
        record = published(title="官渡区社区工作者管理办法", document_number="官办通〔2020〕26号")
        response = client.get(reverse("search:results"), {"q": q})
        assert response.status_code == 302 and response["Location"] == record.get_absolute_url()

    def test_proposal_number_goes_to_the_proposal(self, client, seed):
        from proposals.models import Proposal

        proposal = Proposal.objects.get(number="102114")
        for q in ("第102114号提案", "102114号提案", "第１０２１１４号提案"):
            response = client.get(reverse("search:results"), {"q": q})
            assert response.status_code == 302, q
            assert response["Location"] == proposal.get_absolute_url()

    def test_a_number_that_names_nothing_public_is_searched_instead(self, client, db):
        from tests.disclosures.factories import draft

        draft(title="草稿", document_number="官办通〔2021〕1号")
        response = client.get(reverse("search:results"), {"q": "官办通〔2021〕1号"})
        assert response.status_code == 200 and response.context["page"].paginator.count == 0

    def test_shared_document_number_lists_the_records(self, client, db):
        published(title="甲", document_number="官办通〔2022〕5号")
        published(title="乙", document_number="官办通〔2022〕5号")
        response = client.get(reverse("search:results"), {"q": "官办通〔2022〕5号"})
        assert response.status_code == 200 and response.context["page"].paginator.count == 2

    def test_filters_turn_the_shortcut_off(self, client, seed):
        response = client.get(reverse("search:results"), {"q": "015117762-202306-707714", "type": "record"})
        assert response.status_code == 200
        assert [h.document.url for h in response.context["hits"]] == [SEED_URL]


@pytest.mark.django_db
class TestPage:
    def test_highlighting_is_escaped(self, client, db):
        record = published(title="关于<社区>议事&协商的通知", body="<p>社区&lt;b&gt;协商&lt;/b&gt;</p>")
        response = client.get(reverse("search:results"), {"q": "社区"})
        html = response.content.decode()
        assert "关于&lt;<mark>社区</mark>&gt;议事&amp;协商的通知" in html
        assert "<mark>社区</mark>&lt;b&gt;协商&lt;/b&gt;" in html
        assert "<b>" not in html and record.get_absolute_url() in html

    def test_why_it_matched_is_shown(self, client, seed):
        _, response = hit_urls(client, "015117762", type="record")
        hit = response.context["hits"][0]
        assert hit.reasons == ["索引号"]
        assert "<mark>015117762</mark>-202306-707714" in dict(hit.fields)["索引号"]
        assert "匹配位置：索引号" in response.content.decode()

    def test_result_count_is_in_a_live_region(self, client, seed):
        urls, response = hit_urls(client, "社区")
        # The results as listed (the letter with its reply and the facts quoting it is one), and
        # the matching documents behind them: "36 results" over a list of 12 misled readers.
        documents = SearchDocument.objects.filter(search_text__contains="社区").count()
        assert len(urls) == 1 < documents
        assert response.context["count_label"] == "1"
        assert (
            f'<p class="result-count" role="status">“社区”共找到 1 条结果（含相关内容共 {documents} 条）。</p>'
            in response.content.decode()
        )

    def test_the_page_title_says_the_count_the_page_and_an_error(self, client, db):
        """The title is what a screen reader says first when a page loads (a live region already
        on the page is not announced): the count, the page after the first, or that the search
        needs correcting; before, every page of results and the error page had the same title."""
        for n in range(25):
            published(title=f"关于社区第{n}项工作的通知")

        def title(**params):
            html = client.get(reverse("search:results"), params).content.decode()
            return re.search(r"<title>(.*?)</title>", html).group(1)

        assert title(q="社区").startswith("社区（共 25 条结果） - 站内搜索")
        assert title(q="社区", page="2").startswith("社区（共 25 条结果，第 2 页） - 站内搜索")
        # Nothing found is a count too (an empty page of results is false in a template).
        assert title(q="量子纠缠").startswith("量子纠缠（共 0 条结果） - 站内搜索")
        assert title(q="社区", date_from="2001-01-01", date_to="2001-12-31").startswith("社区（共 0 条结果） - ")
        assert title(q="社区", year="abc").startswith("检索条件有误，请修改 - 站内搜索")
        assert title(q="%%").startswith("检索条件有误，请修改 - 站内搜索")
        assert title().startswith("站内搜索 - ")

    def test_one_h1_and_a_labelled_search_box(self, client, seed):
        html = hit_urls(client, "社区")[1].content.decode()
        assert html.count("<h1") == 1
        assert '<label for="id_q">' in html and 'id="id_q"' in html
        assert 'rel="alternate" type="application/rss+xml"' in html

    def test_pagination(self, client, db):
        for n in range(25):
            published(title=f"关于社区第{n}项工作的通知")
        _, first = hit_urls(client, "社区")
        assert first.context["page"].paginator.count == 25 and len(first.context["hits"]) == 20
        _, second = hit_urls(client, "社区", page="2")
        assert len(second.context["hits"]) == 5
        assert client.get(reverse("search:results"), {"q": "社区", "page": "3"}).status_code == 404
        assert client.get(reverse("search:results"), {"q": "社区", "page": "x"}).status_code == 404

    @pytest.mark.parametrize(
        "shares",
        [None, {"社区": 0.5, "": 0.001}, {"社区": 0.01, "": 0.001}],
        ids=["no statistics", "dense word", "rare word"],
    )
    def test_query_count_does_not_grow_with_results(self, client, db, monkeypatch, shares):
        """With PostgreSQL's lexeme shares pinned (read once an hour per process; which ones there
        are depends on when the table was last analyzed, in a full run by autovacuum), the same
        number of queries for 20 results as for 40, each way a search can read them."""
        import time

        for column in ("search_vector", "search_title_vector"):
            monkeypatch.setitem(density._kept, (connection.alias, column), (time.monotonic(), shares))
        counts = []
        for batch in range(2):
            for n in range(20):
                published(title=f"关于社区第{batch * 20 + n}项工作的通知")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("search:results"), {"q": "社区"}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 20, counts


@pytest.mark.django_db
class TestFacets:
    def test_facet_counts_and_narrowing(self, client, seed):
        org = OrganizationFactory(name="昆明市官渡区教育体育局")
        topic = TopicFactory(name="教育")
        published(title="社区学校建设方案", publisher=org, topic=topic, validity=DisclosureRecord.Validity.VALID)
        published(
            title="社区学校旧方案",
            publisher=org,
            topic=topic,
            validity=DisclosureRecord.Validity.EXPIRED,
            invalid_date=dt.date(2024, 1, 1),
        )
        _, response = hit_urls(client, "社区学校")
        facets = response.context["facets"]
        assert [(f.label, f.count) for f in facets["publisher"]] == [("昆明市官渡区教育体育局", 2)]
        assert {f.label: f.count for f in facets["validity"]} == {"有效": 1, "失效": 1}
        assert {f.label: f.count for f in facets["type"]} == {"政府信息": 2}
        expired = next(f for f in facets["validity"] if f.label == "失效")
        narrowed = client.get(reverse("search:results") + expired.url)
        assert narrowed.context["page"].paginator.count == 1
        # Within the chosen facet, the other values stay available (and the chosen one can be removed).
        again = {f.label: f for f in narrowed.context["facets"]["validity"]}
        assert again["失效"].selected and again["有效"].count == 1
        assert "validity" not in again["失效"].url

    def test_type_facet_spans_all_sources(self, client, seed):
        _, response = hit_urls(client, "社区")
        counts = {f.value: f.count for f in response.context["facets"]["type"]}
        assert counts == {
            source: SearchDocument.objects.filter(source=source, search_text__contains="社区").count()
            for source in ("record", "reply", "fact")
        }
        urls, narrowed = hit_urls(client, "社区", type="fact")
        assert {h.document.source for h in narrowed.context["hits"]} == {"fact"}

    def test_year_topic_and_date_range(self, client, seed):
        published(title="社区年度报告", published_at=timezone.make_aware(dt.datetime(2021, 3, 1, 9)))
        _, response = hit_urls(client, "社区", year="2021")
        assert [h.document.title for h in response.context["hits"]] == ["社区年度报告"]
        years = {f.value for f in response.context["facets"]["year"]}
        assert {"2021", "2023"} <= years
        _, ranged = hit_urls(client, "社区", date_from="2021-01-01", date_to="2021-12-31")
        assert [h.document.title for h in ranged.context["hits"]] == ["社区年度报告"]
        urls, ranged = hit_urls(client, "社区", date_from="2023-06-16", date_to="2023-06-16")
        assert urls == [SEED_URL] and ranged.context["hits"][0].related  # the seed letter, its facts under it

    def test_a_date_range_typed_with_an_input_method_is_read(self, client, seed):
        """A browser without a date picker shows a text box, where an input method types full width."""
        published(title="社区年度报告", published_at=timezone.make_aware(dt.datetime(2021, 3, 1, 9)))
        _, ranged = hit_urls(client, "社区", date_from="２０２１－０１－０１", date_to="2021年12月31日")
        assert not ranged.context["form"].errors
        assert [h.document.title for h in ranged.context["hits"]] == ["社区年度报告"]


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        "query_string, message",
        [
            ("q=%21%21%21%EF%BC%9F", "只有标点、符号或表情"),
            ("q=%00", "控制字符"),
            ("q=%E7%A4%BE%07", "控制字符"),
            ("q=%FF", "无法识别的字符"),
            ("q=%E7%A4%BE%FF%FE", "无法识别的字符"),
            ("q=" + "%E7%A4%BE" * 1000, "检索词过长"),
            ("q=%E7%A4%BE&year=abc", "没有这个选项"),
            ("q=%E7%A4%BE&year=1800", "没有这个选项"),
            ("q=%E7%A4%BE&year=99999", "没有这个选项"),
            ("q=%E7%A4%BE&publisher=999999999999999999999999", "没有这个选项"),
            ("q=%E7%A4%BE&date_from=2024-13-01", "日期"),
            ("q=%E7%A4%BE&date_from=2024-02-01&date_to=2024-01-01", "结束日期不能早于开始日期"),
            ("q=%E7%A4%BE&type=nope", "没有这个选项"),
            ("q=%E7%A4%BE&sort=random", "没有这个选项"),
        ],
    )
    def test_clear_message_never_a_500(self, client, db, query_string, message):
        response = client.get(f"{reverse('search:results')}?{query_string}")
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and 'class="error-summary"' in html
        assert html.count("<h1") == 1 and 'name="q"' in html  # the form is shown again to correct

    def test_the_date_fields_are_named_in_full(self, client, db):
        """“至” alone, read out of context by a screen reader, says nothing (WCAG 2.4.6)."""
        html = client.get(reverse("search:results"), {"q": "社区"}).content.decode()
        assert '<label for="id_date_from">发布日期从</label>' in html
        assert '<label for="id_date_to">发布日期至</label>' in html

    def test_the_search_box_is_described_by_its_hint_and_its_error(self, client, db):
        """Screen readers announce the examples of what can be searched, and an error beside the
        box (the box's aria-describedby named an error that was never on the page)."""
        html = client.get(reverse("search:results"), {"q": "社区"}).content.decode()
        assert 'aria-describedby="id_q_helptext" id="id_q"' in html
        assert '<span class="hint" id="id_q_helptext">可输入标题' in html
        html = client.get(reverse("search:results"), {"q": "\x07社区"}).content.decode()
        assert 'aria-describedby="id_q_helptext id_q_error"' in html
        assert re.search(r'<ul class="errorlist" id="id_q_error"><li>检索词含有', html)
        html = client.get(reverse("search:results"), {"q": "社区", "date_from": "2024-13-01"}).content.decode()
        assert 'aria-describedby="id_date_from_error"' in html and 'id="id_date_from_error"' in html

    def test_the_error_summary_links_the_fields_on_the_page_and_names_the_others(self, client, db):
        html = client.get(reverse("search:results"), {"q": "\x07社区", "year": "abc"}).content.decode()
        summary = html.split('class="error-summary"')[1].split("</div>")[0]
        assert re.search(r'<li><a href="#id_q">检索词含有', summary)
        assert "<li>年份：" in summary  # a filter from a facet link: no box on the page to link to

    def test_a_refused_filter_is_not_sent_again_with_the_next_search(self, client, db):
        """A filter from an old link (a year out of range, a publisher since removed) is not on
        the page as a field: carried in the form, every search typed into the box failed again."""
        publisher = OrganizationFactory()
        params = {"q": "社区", "year": "1800", "publisher": "999999", "topic": "abc", "validity": "valid"}
        html = client.get(reverse("search:results"), params).content.decode()
        form = html.split('class="search-form"')[1].split("</form>")[0]
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
        assert "year" not in hidden and "publisher" not in hidden and "topic" not in hidden
        assert hidden["validity"] == "valid"  # a filter that is fine is kept
        # The next search from the box, with what the form carries, is answered.
        response = client.get(reverse("search:results"), {"q": "治理", **hidden})
        assert response.status_code == 200
        html = client.get(
            reverse("search:results"), {"q": "社区", "year": "1800", "publisher": publisher.pk}
        ).content.decode()
        assert f'<input type="hidden" name="publisher" value="{publisher.pk}">' in html

    def test_invisible_marks_pasted_with_the_query_are_dropped(self, client, seed):
        """A 文号 or phrase copied from a web page or a chat may carry zero-width spaces, joiners
        or a byte-order mark: the reader cannot see them to delete them, as the refusal asked."""
        pasted = "\ufeff官办通\u200b〔2020〕\u200d26号\u00ad"
        urls, response = hit_urls(client, pasted, type="record")
        assert urls == hit_urls(client, "官办通〔2020〕26号", type="record")[0] and urls
        assert "“官办通〔2020〕26号”共找到" in response.content.decode()  # what was searched, said back
        for refused in ("\x00社区", "社区\u202e"):  # a control character; a direction override
            assert client.get(reverse("search:results"), {"q": refused}).status_code == 400

    @pytest.mark.parametrize("name", ["type", "validity", "sort", "publisher", "topic"])
    def test_a_refused_filter_value_is_not_written_on_the_page(self, client, db, name):
        """Django's message for a choice not on the list repeats it, so a crafted link had the
        site print any sentence in its error box (本网站已迁移，请访问…办理)."""
        planted = "本网站已迁移请访问example办理"
        response = client.get(reverse("search:results"), {"q": "社区", name: planted})
        assert response.status_code == 400
        html = response.content.decode()
        assert planted not in html  # only in the address, percent-encoded
        summary = html.split('class="error-summary"')[1].split("</div>")[0]
        assert "没有这个选项" in summary and "example" not in summary

    def test_empty_query_asks_for_a_term(self, client, db):
        for url in (reverse("search:results"), reverse("search:results") + "?q=++"):
            response = client.get(url)
            assert response.status_code == 200
            assert "请输入检索词" in response.content.decode()

    def test_long_query_is_kept_in_the_box(self, client, db):
        response = client.get(reverse("search:results"), {"q": "社区" * 60})
        assert response.status_code == 400
        assert 'value="' + "社区" * 60 + '"' in response.content.decode()

    def test_invalid_utf8_in_the_path_is_a_404_page(self, client, db):
        assert client.get("/search/%FF/").status_code == 404


@pytest.mark.django_db
class TestResultsBeforeFacets:
    """In one column (a phone, 长者模式) the results come first, not under every facet; a wide
    screen places the facets in the left column (tests/browser/test_search_layout.py)."""

    def test_the_results_come_before_the_facets_and_a_link_leads_to_them(self, client, seed):
        _, response = hit_urls(client, "社区")
        html = response.content.decode()
        assert html.index('id="results-heading"') < html.index('class="hit-list"') < html.index('id="facets-heading"')
        assert '<a href="#facets-heading">按类型、发布机构等筛选</a>' in html

    def test_nothing_found_under_a_filter_offers_to_drop_the_filters(self, client, seed):
        _, response = hit_urls(client, "社区", date_from="2001-01-01", date_to="2001-12-31", sort="date")
        assert not response.context["hits"]
        html = response.content.decode()
        # No facet lists what was chosen now (nothing matched): this link is the way back.
        assert (
            '<a href="?q=%E7%A4%BE%E5%8C%BA&amp;sort=date" rel="nofollow">取消已选的筛选条件，在全部内容中检索</a>'
            in html
        )
        _, response = hit_urls(client, "量子纠缠")  # nothing found, nothing chosen: no such link
        assert "取消已选的筛选条件" not in response.content.decode()
