"""Rich text: one definition of what staff can write, from which both the admin's editor
(django-prose-editor, disclosures/editor.py) and the sanitizer (nh3) are configured.

Each editor extension is listed with the markup it writes. The editor is built from exactly
these extensions and the sanitizer keeps exactly their markup, so staff cannot make anything
the sanitizer would drop, and the sanitizer keeps nothing the editor could not show and edit
(tests/disclosures/test_rich_text.py and tests/browser/test_editor.py hold both to it)."""

import difflib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.http.request import validate_host


@dataclass(frozen=True)
class Extension:
    name: str  # the editor's extension, which disclosures/rich-text.js looks up by this name
    config: object = True  # passed to the extension's configure() when a dict
    markup: dict = field(default_factory=dict)  # {tag: attributes} the extension writes
    classes: dict = field(default_factory=dict)  # {tag: classes} it writes


HEADING_LEVELS = (2, 3, 4)  # the page's title is its <h1>
URL_SCHEMES = ("http", "https", "mailto", "tel")
# A header cell's scope: whom it heads (HTML's four keywords; anything else is dropped).
TABLE_SCOPES = ("col", "row", "colgroup", "rowgroup")
# How far a cell may span (HTML's limits): any other value is dropped and the cell spans one.
CELL_SPANS = {"colspan": 1000, "rowspan": 65534}
# Buttons only, no drop-downs: each control is reachable with Tab and has its own label.
MENU_GROUPS = [
    {"group": "blockType -lists"},
    {"group": "lists"},
    {"group": "signature"},
    {"group": "marks"},
    {"group": "link"},
    {"group": "nodes -blockType -lists"},
    {"group": "table"},
    {"group": "history"},
]

EDITOR_EXTENSIONS = (
    Extension("Document"),
    Extension("Text"),
    Extension("Dropcursor"),
    Extension("Gapcursor"),
    Extension("History"),
    Extension("LeaveWithEscape"),  # keyboard: Escape leaves the editor (WCAG 2.1.2)
    Extension("Menu", {"groups": MENU_GROUPS}),
    Extension("Paragraph", markup={"p": ()}),
    # 落款 (the issuing body and date): right-aligned, styled by .record-body p.signature.
    Extension("Signature", classes={"p": {"signature"}}),
    Extension("HardBreak", markup={"br": ()}),
    Extension("Heading", {"levels": list(HEADING_LEVELS)}, {f"h{level}": () for level in HEADING_LEVELS}),
    Extension("Bold", markup={"strong": ()}),
    Extension("Italic", markup={"em": ()}),
    Extension("Subscript", markup={"sub": ()}),
    Extension("Superscript", markup={"sup": ()}),
    Extension("BulletList", markup={"ul": ()}),
    Extension("OrderedList", markup={"ol": {"start"}}),
    Extension("ListItem", markup={"li": ()}),
    Extension("Link", {"schemes": list(URL_SCHEMES)}, {"a": {"href", "title"}}),
    # Leading rows of header cells are the table's <thead>, each of their cells a column header
    # (scope="col" unless it says otherwise): a screen reader announces them (WCAG 1.3.1).
    Extension("Table", markup={"table": (), "caption": (), "thead": (), "tbody": ()}),
    Extension("TableRow", markup={"tr": ()}),
    Extension("TableHeader", {"scopes": list(TABLE_SCOPES), "spans": CELL_SPANS}, {"th": {*CELL_SPANS, "scope"}}),
    Extension("TableCell", {"spans": CELL_SPANS}, {"td": {*CELL_SPANS}}),
    Extension("Figure", markup={"figure": ()}),
    Extension("Image", {"schemes": list(URL_SCHEMES)}, {"img": {"src", "alt", "title", "width", "height"}}),
    Extension("Caption", markup={"figcaption": ()}),
)


def _merged(what):
    merged = {}
    for extension in EDITOR_EXTENSIONS:
        for tag, values in getattr(extension, what).items():
            merged.setdefault(tag, set()).update(values)
    return merged


ALLOWED_TAGS = set(_merged("markup")) | set(_merged("classes"))
ALLOWED_ATTRIBUTES = {tag: attributes for tag, attributes in _merged("markup").items() if attributes}
# No `id` (staff markup could shadow the page's own anchors and landmarks) and only classes the
# editor writes: any other class would let staff markup borrow the site's controls' look.
ALLOWED_CLASSES = _merged("classes")
EDITOR_CONFIG = {"extensions": {extension.name: extension.config for extension in EDITOR_EXTENSIONS}}


def _attribute_value(tag, attribute, value):
    """A table cell's scope and spans as the editor reads them (rich-text.js), else dropped."""
    if attribute == "scope":
        value = value.strip().lower()
        return value if value in TABLE_SCOPES else None
    if attribute in CELL_SPANS:
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or not 1 < int(value) <= CELL_SPANS[attribute]:
            return None  # a span of one is every cell's, which the editor does not write
        return str(int(value))
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attribute_filter=_attribute_value,
    # "*": none on every element (ammonia's default would keep lang and title everywhere).
    attributes={**ALLOWED_ATTRIBUTES, "*": set()},
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(URL_SCHEMES),
    link_rel=None,  # the editor writes no rel; no link opens a new window, so none needs one
    strip_comments=True,
)


def sanitize_html(value: str) -> str:
    """Return `value` with scripts, event handlers, styles, unsafe URLs and anything the editor
    cannot write removed; markup pasted from Word or WPS is first turned into plain structure."""
    if not value:
        return ""
    cleaned = _headed_tables(_cleaner.clean(_prepared(value)))
    return _EMPTY_CLASS.sub(r"\1", cleaned).translate(_NOT_SHOWN)


def _headed_tables(html):
    """Each table's header rows as its <thead>, the rest as one <tbody>, as the editor writes
    them (rich-text.js captionedTable): a <thead>'s rows are header rows (their cells become
    <th>), and so are the leading rows whose cells are all <th>, as far as none of their cells
    spans a row below them; a header row's cell without a scope heads its column
    (scope="col"). A table without header rows nor <thead> is left as it is. The rows keep
    the order they are written in (the editor's), so no text changes places."""
    if "<th" not in html:  # <th> and <thead>: only tables with header cells are rebuilt
        return html
    from bs4 import BeautifulSoup  # only saves of a table with header cells need the tree

    soup = BeautifulSoup(html, "html.parser")
    changed = False
    for table in soup.find_all("table"):
        sections = table.find_all(["thead", "tbody", "tr"], recursive=False)
        # The rows in the order they are written, as the editor reads them: a <thead> written
        # after body rows is not moved above them (its text would change places).
        rows = []
        for section in sections:
            rows.extend([section] if section.name == "tr" else section.find_all("tr", recursive=False))
            if section.name == "thead":
                for row in section.find_all("tr", recursive=False):
                    for cell in row.find_all("td", recursive=False):
                        cell.name = "th"
        cells = [row.find_all(["td", "th"], recursive=False) for row in rows]
        count = 0
        while count < len(rows) and cells[count] and all(cell.name == "th" for cell in cells[count]):
            count += 1
        count = _head_size(cells, count, len(rows))
        if not count and not any(section.name == "thead" for section in sections):
            continue  # a <thead> without header rows becomes body rows, where they are written
        changed = True
        for index, row_cells in enumerate(cells):
            for cell in row_cells:  # a span past the last row ends there, as the editor writes it
                if int(cell.get("rowspan", 1)) > len(rows) - index:
                    if len(rows) - index > 1:
                        cell["rowspan"] = str(len(rows) - index)
                    else:
                        del cell["rowspan"]
        for section in sections:
            section.extract()
        for child in [child for child in table.children if isinstance(child, str)]:
            child.extract()  # the layout between rows, which the new sections leave out
        if count:
            head = soup.new_tag("thead")
            for row in rows[:count]:
                for cell in row.find_all("th", recursive=False):
                    cell["scope"] = cell.get("scope") or "col"
                head.append(row)
            table.append(head)
        if rows[count:]:
            body = soup.new_tag("tbody")
            body.extend(rows[count:])
            table.append(body)
    # Through the cleaner again: its serialization (and no other) is what every save stores.
    return _cleaner.clean(soup.decode(formatter=_attributes_as_written())) if changed else html


def _head_size(cells, count, total):
    """How many of the first `count` rows (of header cells) may be the head: a row group ends
    its cells' rows, so no header cell may span past the head. A span past the table's last
    row ends there (as browsers and the editor take it). In one pass over the cells (a table of
    thousands of rows is checked in linear time)."""
    reach, fits = 0, 0  # the furthest row the cells so far reach; the largest head that holds them
    for index in range(count):
        reach = max([reach, *(min(index + int(cell.get("rowspan", 1)), total) for cell in cells[index])])
        if reach <= index + 1:
            fits = index + 1
    return fits


def _attributes_as_written():
    from bs4.formatter import HTMLFormatter

    class AsWritten(HTMLFormatter):
        def attributes(self, tag):  # BeautifulSoup's own sorts them by name
            return tag.attrs.items()

    return AsWritten()


# Direction overrides and isolates reorder how the text reads (a sentence that shows backwards on
# the public page); a Chinese government document has no use for them. Control characters
# (Word's soft line break U+000B, pasted) are no text a reader sees, and XML cannot carry them:
# one in a record broke the RSS feeds.
_NOT_SHOWN = dict.fromkeys(
    [
        *map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
        *(code for code in [*range(0x20), *range(0x7F, 0xA0)] if chr(code) not in "\t\n\r"),
    ]
)


# ammonia leaves class="" where it took every class away; the editor never writes one. (In its
# output "<" only starts a tag: text has it escaped.)
_EMPTY_CLASS = re.compile(rf'(<(?:{"|".join(ALLOWED_CLASSES)})\b[^>]*?) class=""')


@dataclass(frozen=True)
class Image:
    src: str
    alt: str


class _ImageFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            self.images.append(Image(src=attributes.get("src") or "", alt=(attributes.get("alt") or "").strip()))


def images_in(value: str) -> list[Image]:
    """The <img> elements of `value`, in document order."""
    if not value or "<img" not in value.lower():
        return []
    finder = _ImageFinder()
    finder.feed(value)
    finder.close()
    return finder.images


def image_name(position: int, image: Image, names=None) -> str:
    """How staff are told which image: 第2张图片（图表.png）."""
    known = (names or {}).get(image.src)
    tail = known or image.src.rstrip("/").rsplit("/", 1)[-1][:60] or "无地址"
    return f"第{position}张图片（{tail}）"


def alt_text_errors(instance, *fields, names=None) -> dict:
    """For a model's clean(): {field: message} for each rich-text field with an image that has
    no alternative text (ATAG B.2.3: content with such an image is not published). `names`
    maps an image's address to what staff call it (an attachment's title), or is a callable
    returning that map (asked only when an image lacks alt text)."""
    errors = {}
    for name in fields:
        images = images_in(getattr(instance, name))
        if all(image.alt for image in images):
            continue
        names = names() if callable(names) else names
        missing = [
            image_name(position, image, names) for position, image in enumerate(images, start=1) if not image.alt
        ]
        errors[name] = (
            f"{'、'.join(missing)}没有替代文字，不能发布：请用一句话说明图片的内容（读屏软件会读出），"
            "填在本栏下方的“图片替代文字”中，或在编辑器中选中图片后点“图片”按钮填写。"
        )
    return errors


def _prepared(value):
    # Imported here: only markup from Office needs the HTML tree (and its import cost).
    from .office import clean_office_html, is_office_html

    return clean_office_html(value).html if is_office_html(value) else value


# The text a person typing the markup meant readers to see: closed comments and the content of
# closed <script>/<style> are not text; any other tag ends at its first ">" (so a missing quote
# ends the tag, as the author thought it did) and is not text either. Applied to both the input
# and nh3's output, this shows what sanitizing would drop or turn into visible markup.
_INVISIBLE = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<[!?][^<>]*>")
_SPACE = re.compile(r"\s+")


def visible_text(value: str) -> str:
    # Control characters are no text (the sanitizer drops them; a NUL, its parser too).
    text = html.unescape(_TAG.sub(" ", _INVISIBLE.sub(" ", (value or "").translate(_NOT_SHOWN))))
    return _SPACE.sub(" ", text).strip()


def text_loss(value: str) -> str | None:
    """A message naming the text that sanitizing `value` would drop or mangle, else None.
    Word's list numbers ("1.", "·") become the list's own numbering: that is not a loss."""
    prepared = _prepared(value or "")
    before, after = visible_text(prepared), visible_text(_cleaner.clean(prepared))
    if before.replace(" ", "") == after.replace(" ", ""):
        return None
    # Only the part between what the two share at each end is compared: a diff is quadratic,
    # and a long 正文 with one slip near its end took minutes (a save timed out).
    start = _common_prefix_length(before, after)
    end = _common_prefix_length(before[start:][::-1], after[start:][::-1])
    lost, shown = before[start : len(before) - end], after[start : len(after) - end]
    if len(lost) + len(shown) > DIFF_LIMIT:
        opcodes = [("delete" if len(lost) >= len(shown) else "insert", 0, len(lost), 0, len(shown))]
    else:
        opcodes = difflib.SequenceMatcher(None, lost, shown, autojunk=False).get_opcodes()
    for tag, b1, b2, a1, a2 in opcodes:
        if tag in ("delete", "replace"):
            return (
                f"保存会丢失正文中的文字“{_excerpt(lost[b1:b2])}”，请检查它前面的标记："
                "引号是否成对，<style>、<script>、<!-- 是否闭合，"
                "不要使用 <textarea>、<title>、<iframe> 等标记。"
            )
        if tag == "insert" and shown[a1:a2].strip():
            return (
                f"保存会把正文中的标记显示成文字“{_excerpt(shown[a1:a2])}”，请检查它前面的标记："
                "不要使用 <textarea>、<title>、<iframe> 等标记，引号和尖括号是否成对。"
            )
    return None


DIFF_LIMIT = 20_000


def _common_prefix_length(a: str, b: str) -> int:
    """How many leading characters a and b share (slices compared in C, halving the range)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


# Beyond any document's text (a long regulation with its tables is a few hundred thousand
# characters); a body past it is a pasted data dump. Sent from a form, a Chinese character
# takes up to nine bytes: half a million stays under what a request may hold
# (DATA_UPLOAD_MAX_MEMORY_SIZE, 10 MB), so the message is shown instead of a lost edit.
RICH_TEXT_MAX_CHARACTERS = 500_000


def length_error(value: str) -> str | None:
    if len(value or "") <= RICH_TEXT_MAX_CHARACTERS:
        return None
    return (
        f"内容过长（{len(value):,} 个字符，上限 {RICH_TEXT_MAX_CHARACTERS:,}）："
        "请把大篇幅的数据表作为附件（如 XLSX）上传，正文中写明要点。"
    )


def rich_text_errors(instance, *fields) -> dict:
    """For a model's clean(): {field: message} for each rich-text field that is too long,
    would lose text, or shows an image from another site."""
    errors = {}
    for name in fields:
        value = getattr(instance, name)
        message = length_error(value) or text_loss(value) or outside_image_error(value)
        if message:
            errors[name] = message
    return errors


def outside_image_error(value: str) -> str:
    """Images another site serves: the pages' Content-Security-Policy shows only this site's
    (img-src 'self'; no reader is tracked by a third party), so readers got an empty frame and
    staff no word of it. An address of this site is written as a path (/media/…) or with one of
    its own host names (ALLOWED_HOSTS, patterns aside)."""
    outside = [
        (position, image, host)
        for position, image in enumerate(images_in(value), start=1)
        if (host := _other_site(image.src))
    ]
    if not outside:
        return ""
    named = "、".join(f"{image_name(position, image)}来自 {host}" for position, image, host in outside)
    return (
        f"{named}：本站网页只显示本站的图片，其他网站的图片在公开页面上是一片空白。"
        "请把图片下载后作为附件上传，再用附件的地址插入。"
    )


def _other_site(src: str) -> str:
    """The host of another site `src` points to, else "". Read as browsers read it: a backslash
    is a slash, and two or more slashes (or an http: scheme with any number) begin a host
    (///host/…, /\\host/…, http:host/…)."""
    match = _NETWORK_ADDRESS.match(src.strip().replace("\\", "/"))
    if match is None:
        return ""
    host = urlsplit("//" + match.group("rest")).hostname or ""
    own = [pattern for pattern in settings.ALLOWED_HOSTS if "*" not in pattern and not pattern.startswith(".")]
    return "" if not host or validate_host(host, own) else host


_NETWORK_ADDRESS = re.compile(r"(?:(?i:https?):/*|//+)(?P<rest>.*)", re.DOTALL)


def _excerpt(text, limit=40):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "……"
