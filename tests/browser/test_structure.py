"""Page structure on every public page type, read from the HTML the server sends: language,
skip link, landmarks, one h1 and ordered headings, tables with captions and header scopes."""

from html.parser import HTMLParser

from django.test import Client

from .public_urls import BROWSER_UA

FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.first_focusable = None
        self.headings = []
        self.landmarks = []
        self.main_ids = []
        self.tables = []  # [has caption, [th scopes]]
        self._table = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if self.first_focusable is None and tag in FOCUSABLE and attrs.get("type") != "hidden":
            self.first_focusable = (tag, attrs.get("class"), attrs.get("href"))
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.append((tag, attrs.get("aria-label")))
        if tag == "main":
            self.main_ids.append(attrs.get("id"))
        if tag == "table":
            self._table = [False, []]
            self.tables.append(self._table)
        if tag == "caption" and self._table is not None:
            self._table[0] = True
        if tag == "th" and self._table is not None:
            self._table[1].append(attrs.get("scope"))

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None


def outline_of(html):
    parser = Outline()
    parser.feed(html)
    return parser


def test_every_public_page_has_a_sound_structure(site):
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    problems = []
    for item in site.pages:
        page = outline_of(client.get(item.url).content.decode())
        checks = {
            "lang is zh-CN": page.html_lang == "zh-CN",
            "skip link comes first": page.first_focusable == ("a", "skip-link", "#main"),
            "one <main id=main>": page.main_ids == ["main"],
            "one banner and one footer": [t for t, _ in page.landmarks].count("header") >= 1
            and [t for t, _ in page.landmarks].count("footer") >= 1,
            "every nav is labelled": all(label for tag, label in page.landmarks if tag == "nav"),
            "exactly one h1, first": page.headings.count(1) == 1 and page.headings[0] == 1,
            "no skipped heading levels": all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:])),
            "every table has a caption": all(caption for caption, _ in page.tables),
            "every th has a scope": all(
                scope in ("row", "col", "rowgroup", "colgroup") for _, scopes in page.tables for scope in scopes
            ),
        }
        problems += [f"{item}: {name} (headings {page.headings})" for name, ok in checks.items() if not ok]
    assert not problems, "\n".join(problems)


def test_record_metadata_is_a_real_table_and_counts_and_errors_are_announced(site):
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    record = client.get(site.seed.get_absolute_url()).content.decode()
    meta = record.split('<table class="record-meta">', 1)[1].split("</table>", 1)[0]
    assert "<caption" in meta and meta.count('<th scope="row">') >= 7  # 索引号 … 关键字
    catalogue = client.get("/disclosures/").content.decode()
    assert 'class="result-count" role="status"' in catalogue
    errors = client.get("/disclosures/?year=abc").content.decode()
    assert '<div class="error-summary" role="alert" tabindex="-1">' in errors
