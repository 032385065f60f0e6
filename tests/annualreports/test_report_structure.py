"""A report's parts 二、三 and 四 are headings, on the report page and in its catalogue record, and
every table sits in a region that scrolls sideways (WCAG 1.3.1, 2.4.6, 1.4.10)."""

import re

import pytest
from django.utils.html import strip_tags

from annualreports import services
from annualreports.models import AnnualReport, ReviewCase
from core.roles import REVIEWER
from tests.annualreports.test_reports import complete, member, orgs  # noqa: F401 (fixture)
from tests.disclosures.factories import published

pytestmark = pytest.mark.django_db

PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def headings(html):
    return [strip_tags(h).strip() for h in re.findall(r"<h2\b[^>]*>(.*?)</h2>", html, re.S)]


def tables_outside_regions(html):
    """Tables not directly inside a div.table-scroll region."""
    wrapped = re.findall(r'<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*<table\b', html)
    return len(re.findall(r"<table\b", html)) - len(wrapped)


@pytest.fixture
def report(orgs):  # noqa: F811
    _, civil = orgs
    reviewer = member("reviewer", REVIEWER, civil)
    report = complete(
        AnnualReport.objects.create(
            organization=civil,
            year=2023,
            overview="<p>总体情况。</p><table><tr><th>事项</th><th>件数</th></tr><tr><td>主动公开</td><td>12</td></tr></table>",
            problems="<p>问题。</p>",
            other_matters="<p>其他。</p>",
        )
    )
    ReviewCase.objects.create(report=report, kind="reconsideration", result="upheld")
    services.report_publish(report=report, user=reviewer)
    report.refresh_from_db()
    return report


def test_report_page_has_a_heading_for_every_part(client, report):
    html = client.get(report.get_absolute_url()).content.decode()
    found = headings(html)
    assert [h for h in found if h in PARTS] == PARTS
    assert tables_outside_regions(html) == 0


def test_report_record_has_a_heading_for_every_part_and_scrolling_tables(client, report):
    html = client.get(report.record.get_absolute_url()).content.decode()
    assert [h for h in headings(html) if h in PARTS] == PARTS
    assert html.count('<div class="table-scroll"') >= 3
    assert tables_outside_regions(html) == 1  # the page's own 信息公开要素 table only
    assert '<div class="table-scroll" role="region" aria-label="四、政府信息公开行政复议、行政诉讼情况（表格' in html


def test_any_record_body_table_scrolls_in_a_region_named_by_its_caption(client):
    record = published(
        body="<p>正文。</p><table><caption>收费标准</caption><tbody><tr><td>1</td></tr></tbody></table>"
        "<table><tbody><tr><td>2</td></tr></tbody></table>"
    )
    html = client.get(record.get_absolute_url()).content.decode()
    assert 'aria-label="收费标准（表格，可横向滚动）" tabindex="0"><table><caption>收费标准' in html
    assert 'aria-label="表格（可横向滚动）" tabindex="0"><table><tbody>' in html


def cell_headers(html, table_id):
    """Each data cell of a table as (the texts of the cells its `headers` attribute names, in
    order; its own text): what a screen reader announces with it (WCAG 1.3.1, H43)."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(html)
    table = page.get_element_by_id(table_id)
    text = {element.get("id"): element.text_content().strip() for element in table.iter() if element.get("id")}
    return [
        ([text.get(i) for i in (td.get("headers") or "").split()], td.text_content().strip()) for td in table.iter("td")
    ]


def test_every_data_cell_of_the_report_tables_names_both_header_levels_its_groups_and_its_row(client, report):
    html = client.get(report.get_absolute_url()).content.decode()
    three = cell_headers(html, "table-three")
    assert len(three) == 25 * 7
    assert all(None not in names and len(names) >= 2 for names, _ in three)
    by_row = {names[-1]: names for names, _ in three}  # each row's last cell: its 总计 column
    # The second column of 法人或其他组织 under a nested group: both header levels, both groups, the row.
    leaf = [names for names, _ in three if names[-1] == "4.保护第三方合法权益"]
    assert leaf[1] == ["法人或其他组织", "商业企业", "三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"]
    assert leaf[0] == ["自然人", "三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"]
    # A group ends where the national table says: not at the next group, not at the end of the table.
    assert by_row["1.本机关不掌握相关政府信息"] == [
        "总计",
        "三、本年度办理结果",
        "（四）无法提供",
        "1.本机关不掌握相关政府信息",
    ]
    assert by_row["（七）总计"] == ["总计", "三、本年度办理结果", "（七）总计"]
    assert by_row["四、结转下年度继续办理"] == ["总计", "四、结转下年度继续办理"]
    four = cell_headers(html, "table-four")
    assert four[0][0] == ["行政复议", "结果维持", "案件数"]
    assert four[6][0] == ["行政诉讼", "未经复议直接起诉", "结果纠正", "案件数"]
    assert four[14][0] == ["行政诉讼", "复议后起诉", "总计", "案件数"]
    two = cell_headers(html, "table-two-decisions")
    assert two[1] == (["数量或金额", "行政许可"], "3")


def test_the_catalogue_record_names_every_data_cells_headers_as_the_report_page_does(client, report):
    """The record keeps a sanitized copy (no ids); its page puts the report's tables back."""
    assert 'headers="' not in report.record.body
    page = client.get(report.get_absolute_url()).content.decode()
    record_page = client.get(report.record.get_absolute_url()).content.decode()
    for table in ("table-two-regulations", "table-two-decisions", "table-three", "table-four"):
        assert cell_headers(record_page, table) == cell_headers(page, table)
    assert record_page.count("<tbody>") == page.count("<tbody>") + 1  # and the page's 信息公开要素 table
    assert "总体情况" in record_page


def test_a_table_changed_in_the_record_since_publication_is_shown_as_the_record_has_it(client, report):
    record = report.record
    record.body = record.body.replace('<th scope="row">规章</th><td>0</td>', '<th scope="row">规章</th><td>7</td>')
    record.save()
    html = client.get(record.get_absolute_url()).content.decode()
    assert '<th scope="row">规章</th><td>7</td>' in html
    assert 'id="table-two-regulations"' not in html
    assert len(cell_headers(html, "table-three")) == 25 * 7  # the others still come from the report


def test_a_record_quoting_the_captions_is_not_taken_for_a_report(client, report):
    record = published(body=report.record.body)
    html = client.get(record.get_absolute_url()).content.decode()
    assert 'id="table-three"' not in html and "（七）总计" in html
