"""文号, 索引号 and 第N号提案 in a body link to the public item carrying the number."""

import re

import pytest

from search.crossref import link_references
from tests.disclosures.factories import draft, published, scheduled


def links(html):
    return re.findall(r'<a class="xref" href="([^"]+)">([^<]+)</a>', html)


@pytest.mark.django_db
class TestLinking:
    def test_document_number_in_the_seed_letter_links_to_its_record(self, reader_client, seed):
        target = published(title="官渡区社区工作者管理办法（修订）", document_number="官办通〔2020〕26号")
        html = reader_client.get(seed.get_absolute_url()).content.decode()
        found = links(html)
        # Mentioned twice in the letter, inside "(官办通〔2020〕26号)".
        assert found.count((target.get_absolute_url(), "官办通〔2020〕26号")) == 2
        # The other numbers name no public record: they stay text.
        assert "(昆办通〔2018〕49号)" in html and "(云政发〔2018〕23号)" in html

    def test_issuer_is_found_inside_running_text(self, db):
        target = published(title="实施意见", document_number="昆办通〔2018〕49号")
        html = link_references("<p>根据昆办通[2018]49号文件精神</p>")
        assert links(html) == [(target.get_absolute_url(), "昆办通[2018]49号")]
        assert html.startswith("<p>根据<a")

    def test_index_number_and_proposal_number(self, seed):
        from proposals.models import Proposal

        proposal = Proposal.objects.get(number="102114")
        html = link_references("<p>见索引号015117762-202306-707714及第102114号提案。</p>")
        assert links(html) == [
            (seed.get_absolute_url(), "015117762-202306-707714"),
            (proposal.get_absolute_url(), "第102114号提案"),
        ]

    def test_a_record_does_not_link_to_itself(self, db):
        record = published(
            title="自引用",
            document_number="官办通〔2020〕7号",
            body="<p>本办法（官办通〔2020〕7号）自发布之日起施行。</p>",
        )
        from disclosures.registry import transform_body

        assert links(transform_body(record, {})) == []

    def test_drafts_scheduled_and_unknown_numbers_stay_text(self, db):
        draft("草稿", document_number="官办通〔2020〕1号")
        scheduled("定时", document_number="官办通〔2020〕2号")
        html = "<p>官办通〔2020〕1号、官办通〔2020〕2号、官办通〔2020〕3号</p>"
        assert link_references(html) == html

    def test_existing_links_and_attributes_are_left_alone(self, db):
        published(title="目标", document_number="官办通〔2020〕26号")
        html = (
            '<p><a href="https://example.gov.cn/" title="官办通〔2020〕26号">官办通〔2020〕26号</a>'
            " 和 <strong>官办通〔2020〕26号</strong></p>"
        )
        result = link_references(html)
        assert result.count('class="xref"') == 1
        assert '<a href="https://example.gov.cn/" title="官办通〔2020〕26号">官办通〔2020〕26号</a>' in result
        assert '<strong><a class="xref"' in result

    def test_text_is_escaped_again(self, db):
        published(title="目标", document_number="官办通〔2020〕26号")
        result = link_references("<p>&lt;script&gt;alert(1)&lt;/script&gt; 官办通〔2020〕26号 &amp; 更多</p>")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result and "&amp; 更多" in result
        assert "<script>" not in result

    def test_ambiguous_number_stays_text(self, db):
        published(title="甲", document_number="官办通〔2022〕5号")
        published(title="乙", document_number="官办通〔2022〕5号")
        assert links(link_references("<p>官办通〔2022〕5号</p>")) == []

    def test_one_query_per_kind_of_number(self, db, django_assert_max_num_queries):
        for n in range(1, 6):
            published(title=f"文件{n}", document_number=f"官办通〔2020〕{n}号")
        body = "<p>" + "、".join(f"官办通〔2020〕{n}号" for n in range(1, 6)) + "</p>"
        with django_assert_max_num_queries(1):
            assert len(links(link_references(body))) == 5
