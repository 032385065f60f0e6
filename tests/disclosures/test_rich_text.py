"""One definition of rich text (disclosures/sanitize.py EDITOR_EXTENSIONS) configures both the
admin's editor and the sanitizer: the sanitizer keeps exactly the markup the editor writes and
drops everything else; every rich-text field is edited with that editor, which degrades to the
textarea without JavaScript; an image without alt text cannot be published.
(tests/browser/test_editor.py checks the editor's side in a browser.)"""

import json
import re

import pytest
from bs4.element import Tag
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from core.concurrency import current_version
from core.roles import ENTRY_CLERK, REVIEW_GROUPS
from disclosures import services
from disclosures.editor import RichTextWidget, alt_input_name, with_alt_texts
from disclosures.models import DisclosureRecord, Page
from disclosures.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    EDITOR_CONFIG,
    EDITOR_EXTENSIONS,
    alt_text_errors,
    images_in,
    sanitize_html,
)
from tests.disclosures.factories import RecordFactory
from tests.disclosures.test_admin import form_data, staff
from tests.staff import sign_in_staff

# Every element of the HTML Living Standard (and a few obsolete ones Office writes).
HTML_ELEMENTS = """a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr i iframe img input ins kbd label legend li link
main map mark menu meta meter nav noscript object ol optgroup option output p picture pre progress q rp rt
ruby s samp script search section select slot small source span strong style sub summary sup table tbody td
template textarea tfoot th thead time title tr track u ul var video wbr font center big tt strike""".split()
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FOREIGN_ATTRIBUTES = ["style", "class", "id", "lang", "dir", "align", "onclick", "data-x", "hidden", "tabindex"]


def tags_and_attributes(html):
    """{(tag, attribute or None)} of `html`, with the classes as ("p", "class=signature")."""
    found = set()
    for tag, attributes in re.findall(r"<([a-z0-9]+)([^>]*)>", html):
        found.add((tag, None))
        for name, value in re.findall(r'([a-z-]+)="([^"]*)"', attributes):
            found.add((tag, f"class={value}" if name == "class" else name))
    return found


def every_allowed_construct():
    """One element per allowed tag carrying every attribute and class allowed on it, nested
    the way the editor nests them."""
    return (
        '<h2>二级</h2><h3>三级</h3><h4>四级</h4><p class="signature">落款</p>'
        "<p>正文<strong>粗</strong><em>斜</em>H<sub>2</sub>O m<sup>2</sup><br>"
        '<a href="https://www.example.gov.cn/a" title="说明">链接</a></p>'
        '<ul><li><p>甲</p></li></ul><ol start="3"><li><p>乙</p></li></ol>'
        '<table><caption>表一</caption><thead><tr><th colspan="2" scope="col"><p>表头</p></th>'
        '<th scope="col"><p>列</p></th></tr></thead><tbody>'
        '<tr><th rowspan="2" scope="row"><p>行</p></th><td colspan="2"><p>丙</p></td></tr>'
        '<tr><td rowspan="2"><p>格</p></td><td><p>甲</p></td></tr>'
        "<tr><td><p>丁</p></td><td><p>戊</p></td></tr></tbody></table>"
        '<figure><img src="/disclosures/attachments/1/" alt="示意图" title="图" width="300" height="200">'
        "<figcaption>图一</figcaption></figure>"
    )


def test_the_allow_list_is_the_union_of_the_editor_extensions_markup():
    written = {tag for extension in EDITOR_EXTENSIONS for tag in {*extension.markup, *extension.classes}}
    assert ALLOWED_TAGS == written
    assert ALLOWED_CLASSES == {"p": {"signature"}}
    assert set(EDITOR_CONFIG["extensions"]) == {extension.name for extension in EDITOR_EXTENSIONS}
    # What the issue asks staff can write: headings, paragraphs, lists, tables, links, images, bold/italic.
    assert {"h2", "p", "ul", "ol", "li", "table", "td", "th", "a", "img", "strong", "em"} <= ALLOWED_TAGS


def test_everything_the_editor_writes_survives_sanitizing():
    html = every_allowed_construct()
    expected = {(tag, None) for tag in ALLOWED_TAGS}
    expected |= {(tag, name) for tag, names in ALLOWED_ATTRIBUTES.items() for name in names}
    expected |= {(tag, f"class={value}") for tag, values in ALLOWED_CLASSES.items() for value in values}
    assert tags_and_attributes(html) == expected  # the sample covers the whole definition
    assert tags_and_attributes(sanitize_html(html)) == expected
    assert sanitize_html(html) == html


@pytest.mark.parametrize("tag", sorted(set(HTML_ELEMENTS) - ALLOWED_TAGS))
def test_every_other_element_is_dropped(tag):
    markup = f"<{tag}>" if tag in VOID else f"<{tag}>内容</{tag}>"
    cleaned = sanitize_html(f"<p>前</p>{markup}<p>后</p>")
    assert f"<{tag}" not in cleaned and "<p>前</p>" in cleaned and "<p>后</p>" in cleaned


@pytest.mark.parametrize("tag", sorted(ALLOWED_TAGS))
def test_every_other_attribute_and_class_is_dropped(tag):
    attributes = " ".join(f'{name}="{"x" if name != "class" else "button"}"' for name in FOREIGN_ATTRIBUTES)
    markup = f"<{tag} {attributes}>" if tag in VOID else f"<{tag} {attributes}>内容</{tag}>"
    cleaned = sanitize_html(markup)
    for name in FOREIGN_ATTRIBUTES:
        assert f" {name}=" not in cleaned, (tag, name, cleaned)


@pytest.mark.parametrize(
    "markup, expected",
    [
        # The editor's header row (insertTable withHeaderRow, 设为表头单元格): the table's head.
        (
            "<table><tbody><tr><th><p>姓名</p></th><th><p>职务</p></th></tr><tr><td><p>张明</p></td><td><p>主任</p></td></tr></tbody></table>",
            '<table><thead><tr><th scope="col"><p>姓名</p></th><th scope="col"><p>职务</p></th></tr></thead>'
            "<tbody><tr><td><p>张明</p></td><td><p>主任</p></td></tr></tbody></table>",
        ),
        # A web page's <thead> of <td>: its header row; a <tfoot>'s row joins the body.
        (
            "<table>\n<caption>表一</caption>\n<thead><tr><td>年份</td><td>件数</td></tr></thead>\n"
            "<tbody><tr><td>2023</td><td>12</td></tr></tbody><tfoot><tr><td>合计</td><td>12</td></tr></tfoot></table>",
            '<table><caption>表一</caption><thead><tr><th scope="col">年份</th><th scope="col">件数</th></tr></thead>'
            "<tbody><tr><td>2023</td><td>12</td></tr><tr><td>合计</td><td>12</td></tr></tbody></table>",
        ),
        # Two header rows, a scope of its own kept; a row header in the body stays where it is.
        (
            '<table><tr><th colspan="2" scope="colgroup">人数</th></tr><tr><th>男</th><th>女</th></tr>'
            '<tr><td>3</td><th scope="row">合计</th></tr></table>',
            '<table><thead><tr><th colspan="2" scope="colgroup">人数</th></tr><tr><th scope="col">男</th>'
            '<th scope="col">女</th></tr></thead><tbody><tr><td>3</td><th scope="row">合计</th></tr></tbody></table>',
        ),
        # A header cell spanning into the next (ordinary) row: no head, which would cut it off.
        (
            '<table><tbody><tr><th rowspan="2">序号</th><th>姓名</th></tr><tr><td>张明</td></tr></tbody></table>',
            '<table><tbody><tr><th rowspan="2">序号</th><th>姓名</th></tr><tr><td>张明</td></tr></tbody></table>',
        ),
        (
            '<table><thead><tr><th rowspan="2">序号</th><th>基本情况</th></tr><tr><th>姓名</th></tr></thead>'
            "<tbody><tr><td>1</td><td>张明</td></tr></tbody></table>",
            '<table><thead><tr><th rowspan="2" scope="col">序号</th><th scope="col">基本情况</th></tr>'
            '<tr><th scope="col">姓名</th></tr></thead><tbody><tr><td>1</td><td>张明</td></tr></tbody></table>',
        ),
        # Row headers only, or no header cells: as it was.
        (
            '<table><tbody><tr><th scope="row">地址</th><td>太和街道</td></tr></tbody></table>',
            '<table><tbody><tr><th scope="row">地址</th><td>太和街道</td></tr></tbody></table>',
        ),
        (
            "<table><tbody><tr><td><strong>街道</strong></td></tr><tr><td>太和</td></tr></tbody></table>",
            "<table><tbody><tr><td><strong>街道</strong></td></tr><tr><td>太和</td></tr></tbody></table>",
        ),
        # A table in a cell has a head of its own.
        (
            "<table><tbody><tr><td><table><tbody><tr><th>内</th></tr><tr><td>格</td></tr></tbody></table></td></tr></tbody></table>",
            '<table><tbody><tr><td><table><thead><tr><th scope="col">内</th></tr></thead><tbody><tr><td>格</td></tr>'
            "</tbody></table></td></tr></tbody></table>",
        ),
        # A <thead> written after body rows stays where it is written (the editor reads the rows
        # in that order): its row is not moved above the rows before it.
        (
            "<table><thead><tr><th>项目</th></tr></thead><tbody><tr><td>甲</td></tr></tbody>"
            "<thead><tr><td>乙</td></tr></thead></table>",
            '<table><thead><tr><th scope="col">项目</th></tr></thead><tbody><tr><td>甲</td></tr>'
            "<tr><th>乙</th></tr></tbody></table>",
        ),
        (
            "<table><tbody><tr><td>甲</td></tr></tbody><thead><tr><th>项目</th></tr></thead></table>",
            "<table><tbody><tr><td>甲</td></tr><tr><th>项目</th></tr></tbody></table>",
        ),
        # A header cell spanning past the table's last row: the span ends there (as browsers and
        # the editor take it), and the rows are the table's head.
        (
            '<table><tbody><tr><th rowspan="3">甲</th><th>乙</th></tr><tr><th>丙</th></tr></tbody></table>',
            '<table><thead><tr><th rowspan="2" scope="col">甲</th><th scope="col">乙</th></tr>'
            '<tr><th scope="col">丙</th></tr></thead></table>',
        ),
    ],
    ids=[
        "editor",
        "web-thead",
        "two-rows",
        "span-out",
        "span-within",
        "row-headers",
        "no-headers",
        "nested",
        "second-thead",
        "late-thead",
        "span-past-end",
    ],
)
def test_a_tables_header_rows_are_its_head_of_column_headers(markup, expected):
    assert sanitize_html(markup) == expected
    assert sanitize_html(expected) == expected


def test_a_long_table_of_header_cells_is_sanitized_in_linear_time(monkeypatch):
    # Each header row's cell spans into the next: the head ends before the last of them. The
    # check went over the head again for every row it gave up (minutes for a table within
    # RICH_TEXT_MAX_CHARACTERS, and a save ran it more than once). Counted, not timed: how
    # many times a cell's rowspan is read, for a table and one twice as long.
    reads = []
    get = Tag.get

    def counted(tag, key, *args, **kwargs):
        if key == "rowspan":
            reads.append(1)
        return get(tag, key, *args, **kwargs)

    monkeypatch.setattr(Tag, "get", counted)
    counts = []
    for rows in (1000, 2000):
        reads.clear()
        markup = "<table>" + '<tr><th rowspan="2">表</th></tr>' * rows + "<tr><td>值</td></tr></table>"
        cleaned = sanitize_html(markup)
        assert cleaned.count("<th") == rows and "<thead>" not in cleaned
        counts.append(len(reads))
    assert counts[0] >= 1000 and counts[1] <= 2.1 * counts[0], counts  # quadratic: 4×


@pytest.mark.parametrize(
    "cell, expected",
    [
        ('<th scope="COL ">甲</th>', '<th scope="col">甲</th>'),
        ('<th scope="rowgroup">甲</th>', '<th scope="rowgroup">甲</th>'),
        ('<th scope="all">甲</th>', "<th>甲</th>"),
        ('<th scope="row" colspan=" 02" rowspan="3">甲</th>', '<th scope="row" colspan="2" rowspan="3">甲</th>'),
        ('<td colspan="0" rowspan="-1">甲</td>', "<td>甲</td>"),
        ('<td colspan="1" rowspan="01">甲</td>', "<td>甲</td>"),
        ('<td colspan="1001" rowspan="65535">甲</td>', "<td>甲</td>"),
        ('<td colspan="1000" rowspan="65534">甲</td>', '<td colspan="1000" rowspan="65534">甲</td>'),
        ('<td colspan="2.5" rowspan="3x">甲</td>', "<td>甲</td>"),
        ('<td colspan="２">甲</td>', "<td>甲</td>"),
    ],
)
def test_a_cells_scope_and_spans_keep_only_values_the_editor_reads(cell, expected):
    # A row header before a data cell: the row is not a header row, so nothing else changes.
    row = f"<table><tbody><tr>{cell}<td>乙</td></tr></tbody></table>"
    assert sanitize_html(row) == f"<table><tbody><tr>{expected}<td>乙</td></tr></tbody></table>"


def test_unsafe_urls_are_dropped_and_links_get_no_rel():
    cleaned = sanitize_html(
        '<p><a href="javascript:alert(1)">甲</a><a href="https://x.gov.cn/">乙</a></p><img src="file:///C:/a.png" alt="图">'
    )
    assert "javascript" not in cleaned and "file:" not in cleaned and " rel=" not in cleaned
    assert '<a href="https://x.gov.cn/">乙</a>' in cleaned


def test_the_widget_carries_the_definition_and_degrades_to_a_textarea():
    rendered = RichTextWidget().render("body", "<p>正文</p>", {"id": "id_body"})
    textarea = re.search(r"<textarea[^>]*>", rendered).group(0)
    assert 'name="body"' in textarea and 'id="id_body"' in textarea
    config = json.loads(re.search(r"data-rich-text=\"([^\"]*)\"", rendered).group(1).replace("&quot;", '"'))
    assert config["extensions"] == json.loads(json.dumps(EDITOR_CONFIG["extensions"]))
    assert config["editor"].endswith("django_prose_editor/editor.js") and config["clean"] == "/admin/rich-text/clean/"
    assert "&lt;p&gt;正文&lt;/p&gt;" in rendered  # the HTML, for anyone without JavaScript
    media = str(RichTextWidget().media)
    assert '<script src="/static/disclosures/rich-text.js" type="module"></script>' in media
    assert "importmap" not in media and "<style" not in media  # nothing inline: the CSP allows none


@pytest.fixture
def superuser(client, db):
    user = User.objects.create_superuser("admin", "admin@example.com", "pw-123456789")
    return sign_in_staff(client, user)


@pytest.mark.parametrize(
    "url, fields",
    [
        ("/admin/disclosures/disclosurerecord/add/", ["body"]),
        ("/admin/disclosures/page/add/", ["body"]),
        ("/admin/proposals/reply/add/", ["letter", "summary"]),
        ("/admin/annualreports/annualreport/add/", ["overview", "problems", "other_matters"]),
    ],
)
def test_every_rich_text_field_is_edited_with_the_editor(superuser, url, fields):
    response = superuser.get(url)
    html = response.content.decode()
    for field in fields:
        assert re.search(
            rf'<textarea[^>]*name="{field}"[^>]*data-rich-text=|<textarea[^>]*data-rich-text=[^>]*name="{field}"', html
        )
    assert html.count('src="/static/disclosures/rich-text.js"') == 1
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert '<script type="importmap"' not in html


def test_images_are_found_with_their_alt_text():
    images = images_in('<p>甲<img src="/a/1/" alt=" 示意图 "></p><img src="/a/2/">')
    assert [(image.src, image.alt) for image in images] == [("/a/1/", "示意图"), ("/a/2/", "")]


def test_alt_texts_typed_beside_the_editor_are_written_into_the_images_only():
    body = '<p>“引号” &amp; <b>原样</b></p><img src="/a/1/"><img alt="旧" src="/a/2/" width="10">'
    changed = with_alt_texts(body, {"/a/1/": "新图", "/a/2/": "旧"})
    assert changed == '<p>“引号” &amp; <b>原样</b></p><img src="/a/1/" alt="新图"><img alt="旧" src="/a/2/" width="10">'


@pytest.mark.django_db
def test_the_message_names_the_image_by_its_attachment():
    record = RecordFactory(body='<p>甲</p><img src="/x/1/" alt="有"><img src="/disclosures/attachments/9/">')
    errors = alt_text_errors(record, "body", names={"/disclosures/attachments/9/": "正文图片2.png"})
    assert "第2张图片（正文图片2.png）" in errors["body"] and "第1张" not in errors["body"]


ADD = "/admin/disclosures/disclosurerecord/add/"


@pytest.mark.django_db
def test_a_draft_may_wait_for_alt_text_but_review_waits_for_it_beside_the_body(client):
    sign_in_staff(client, staff("clerk", ENTRY_CLERK))
    body = '<p>正文</p><img src="/static/img/chart.png">'
    response = client.post(ADD, form_data(body=body, _review="submit"))
    assert response.status_code == 200
    assert not DisclosureRecord.objects.exists()
    assert "第1张图片（chart.png）没有替代文字" in response.context["adminform"].form.errors["body"][0]
    html = response.content.decode()
    assert "关于开展社区协商工作的通知" in html  # what was typed is still there
    # The form asks for it beside the editor: one input per image, also without JavaScript.
    name = alt_input_name("body", "/static/img/chart.png")
    assert f'name="{name}"' in html

    response = client.post(ADD, form_data(body=body))  # a draft may be saved without it
    assert response.status_code == 302
    record = DisclosureRecord.objects.get()
    assert record.status == "draft"

    data = form_data(
        body=body, _review="submit", edit_version=current_version(record), **{name: "各街道协商次数柱状图"}
    )
    data.update(publisher=record.publisher_id, topic=record.topic_id, genre=record.genre_id)
    response = client.post(f"/admin/disclosures/disclosurerecord/{record.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record.refresh_from_db()
    assert record.status == "pending"
    assert '<img src="/static/img/chart.png" alt="各街道协商次数柱状图">' in record.body


@pytest.mark.django_db
def test_the_final_review_refuses_an_image_without_alt_text_beside_the_body_never_a_500(client):
    record = RecordFactory(body='<p>甲</p><img src="/static/img/map.png" alt="地图">')
    record.publisher.review_levels = 1
    record.publisher.save()
    services.record_submit(record=record, user=staff("clerk", ENTRY_CLERK))
    # Changed behind the form's back (a shell, an import): the service still refuses to publish.
    DisclosureRecord.objects.filter(pk=record.pk).update(body='<p>甲</p><img src="/static/img/map.png" alt="">')
    final = staff("final", REVIEW_GROUPS["final"])
    with pytest.raises(ValidationError) as refused:
        services.record_approve(record=DisclosureRecord.objects.get(pk=record.pk), user=final)
    assert "第1张图片（map.png）没有替代文字" in refused.value.message_dict["body"][0]
    assert DisclosureRecord.objects.get(pk=record.pk).status == "pending"

    sign_in_staff(client, final)
    record.refresh_from_db()
    data = form_data(body=record.body, status="pending", _review="approve", edit_version=current_version(record))
    data.update(publisher=record.publisher_id, topic=record.topic_id, genre=record.genre_id, title=record.title)
    response = client.post(f"/admin/disclosures/disclosurerecord/{record.pk}/change/", data)
    assert response.status_code == 200
    assert "第1张图片（map.png）没有替代文字" in response.context["adminform"].form.errors["body"][0]
    record.refresh_from_db()
    assert record.status == "pending"


@pytest.mark.django_db
def test_a_page_is_public_at_once_so_its_images_need_alt_text_to_be_saved(superuser):
    page = Page.objects.create(slug="guide", title="政府信息公开指南", body="<p>旧</p>")
    data = {
        "slug": "guide",
        "title": "政府信息公开指南",
        "body": '<p>新</p><img src="/static/img/flow.png">',
        "office": "",
    }
    data["edit_version"] = str(page.history.latest().history_id)
    response = superuser.post(f"/admin/disclosures/page/{page.pk}/change/", data)
    assert response.status_code == 200
    assert "第1张图片（flow.png）没有替代文字" in response.context["adminform"].form.errors["body"][0]
    page.refresh_from_db()
    assert page.body == "<p>旧</p>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "src",
    [
        "https://example.com/x.png",
        "//cdn.example.com/x.png",
        "HTTP://example.com/x.png",
        # As browsers read them (a tester's find): slashes and backslashes begin a host.
        "///example.com/x.png",
        "/\\\\example.com/x.png",
        "https:example.com/x.png",
    ],
)
def test_an_image_from_another_site_is_refused_beside_the_body(superuser, src):
    """The pages allow only this site's images (CSP img-src 'self'): one from another site was
    published as an empty frame without a word to staff (a tester's find)."""
    page = Page.objects.create(slug="guide", title="政府信息公开指南", body="<p>旧</p>")
    data = {
        "slug": "guide",
        "title": "政府信息公开指南",
        "office": "",
        "body": f'<p>新</p><img src="{src}" alt="流程图">',
    }
    data["edit_version"] = str(page.history.latest().history_id)
    response = superuser.post(f"/admin/disclosures/page/{page.pk}/change/", data)
    assert response.status_code == 200
    message = response.context["adminform"].form.errors["body"][0]
    assert message.startswith("第1张图片（x.png）来自 ") and "example.com" in message
    assert "本站网页只显示本站的图片" in message
    page.refresh_from_db()
    assert page.body == "<p>旧</p>"
    # The same image uploaded here, inserted by its path, is saved.
    data["body"] = '<p>新</p><img src="/media/attachments/x.png" alt="流程图">'
    assert superuser.post(f"/admin/disclosures/page/{page.pk}/change/", data).status_code == 302
