"""纯文本 hides pictures; the server writes each one's alt text after it, so the text is there
without JavaScript and in every rich-text body (core.templatetags.components.rich_text)."""

import pytest
from django.template import Context, Template

from core.templatetags.components import described_pictures, rich_text
from tests.disclosures.factories import published


def described(alt):
    return f'<span class="alt-text">［图片：{alt}］</span>'


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<p><img src="/a/1/" alt="区政府大楼"></p>',
            f'<p><img src="/a/1/" alt="区政府大楼">{described("区政府大楼")}</p>',
        ),
        # a ">" inside a quoted value does not end the tag; entities are written once
        (
            '<img alt="a > b &amp; &quot;c&quot;" src="/x/">',
            '<img alt="a > b &amp; &quot;c&quot;" src="/x/">' + described("a &gt; b &amp; &quot;c&quot;"),
        ),
        ("<IMG SRC='/x/' ALT='单引号'>", "<IMG SRC='/x/' ALT='单引号'>" + described("单引号")),
        # no alt text, or only spaces: nothing to write (the editor asks for alt text before review)
        ('<img src="/x/">', '<img src="/x/">'),
        ('<img src="/x/" alt="  ">', '<img src="/x/" alt="  ">'),
        ('<p data-alt="x">没有图片</p>', '<p data-alt="x">没有图片</p>'),
        # the picture's own alt, not words that read like one inside another attribute's value
        (
            '<img src="/x/" title="图注 alt=\'旧图\'" alt="2024年预算表">',
            '<img src="/x/" title="图注 alt=\'旧图\'" alt="2024年预算表">' + described("2024年预算表"),
        ),
        ('<img title="x alt=\'y\'" src="/x/">', '<img title="x alt=\'y\'" src="/x/">'),
    ],
)
def test_each_picture_is_followed_by_its_alt_text(html, expected):
    assert str(described_pictures(html)) == expected


def test_rich_text_puts_tables_in_regions_and_describes_pictures():
    out = str(rich_text('<table><caption>表一</caption><tr><td><img src="/x/" alt="图表"></td></tr></table>'))
    assert out.startswith('<div class="table-scroll" role="region" aria-label="表一（表格，可横向滚动）"')
    assert f'alt="图表">{described("图表")}</td>' in out


def test_the_alt_text_tag_writes_nothing_for_no_text():
    template = Template('{% load components %}[{% alt_text "二维码" %}][{% alt_text "" %}]')
    assert template.render(Context()) == f"[{described('二维码')}][]"


@pytest.mark.django_db
def test_a_records_pictures_carry_their_alt_text_on_its_page(client):
    record = published(body='<p>见下图。</p><p><img src="/static/img/cursor-hand.svg" alt="办事流程图"></p>')
    html = client.get(record.get_absolute_url()).content.decode()
    assert f'alt="办事流程图">{described("办事流程图")}' in html
