"""Captured legacy pages → rows: an HTML page as a browser saved it, or its plain-text
capture (like the seed), from any CMS (TRS WCM, gkmlpt, 大汉, 德雅 …). What every 政府信息公开
detail page has is found by its labels, not by one CMS's markup: the metadata block (索引号,
主题分类, 发布机构, 发布日期, 名称, 文号, 关键字 …), the title, the body and the attachments."""

import datetime as dt
import html
import posixpath
import re
from dataclasses import dataclass, field

from .encodings import EncodingError, decode
from .fields import header_key

ATTACHMENT_EXTENSIONS = ("pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "ppt", "pptx", "txt", "csv", "zip")
ATTACHMENT_EXTENSIONS += ("jpg", "jpeg", "png")
_ATTACHMENT_NAME = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")$", re.IGNORECASE)

# Labels of detail pages → fields (spaces inside labels, as in "名 称", are allowed).
LABELS = {
    "索引号": "index_number",
    "主题分类": "topic",
    "分类": "topic",
    "信息分类": "topic",
    "发布机构": "publisher",
    "发布单位": "publisher",
    "发文机关": "publisher",
    "发布日期": "published_at",
    "发布时间": "published_at",
    "成文日期": "written_date",
    "生成日期": "written_date",
    "名称": "title",
    "标题": "title",
    "文号": "document_number",
    "发文字号": "document_number",
    "关键字": "keywords",
    "关键词": "keywords",
    "主题词": "keywords",
    "体裁分类": "genre",
    "体裁": "genre",
    "有效性": "validity",
    "废止日期": "invalid_date",
    "失效日期": "invalid_date",
    "生效日期": "effective_date",
    "内容概述": "summary",
    "摘要": "summary",
    "浏览次数": "view_count",
    "点击数": "view_count",
    "访问量": "view_count",
}
_LABEL = re.compile(
    "(" + "|".join(r"\s*".join(map(re.escape, label)) for label in sorted(LABELS, key=len, reverse=True)) + r")\s*[:：]"
)
# Where the page's own chrome starts again below the body.
FOOTER = re.compile(
    r"主办单位|承办单位|网站标识码|网站标识|ICP备|公网安备|版权所有|技术支持|关闭窗口|打印本页|【打印】|【关闭】"
)
CHROME = re.compile(r"^(字号|发布时间|浏览次数|来源|分享到|【字体|打印|收藏)")
DATE_LINE = re.compile(r"^\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{5,6})\s*$")
ORG_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{4,40}(局|委|办|办公室|政府|中心|院|会|部|厅|所|站|队|处|街道办事处|委员会)$"
)
ATTACHMENT_LINE = re.compile(r"^附件\s*\d*\s*[:：.、]?\s*(.+)$")


@dataclass
class AttachmentRef:
    title: str
    href: str
    data: bytes | None = None
    problem: str = ""  # why `data` is None although the file is there (it cannot be unpacked)


@dataclass
class SourceRow:
    """One record as read from a file: raw values by field name, before any checking."""

    number: int
    place: str = ""
    values: dict = field(default_factory=dict)
    lines: dict = field(default_factory=dict)  # field → line in the source file
    body_lines: list = field(default_factory=list)  # source line of each body paragraph
    body_is_html: bool = False
    attachments: list = field(default_factory=list)
    # Index of the body paragraph holding the letter's date, whose reading gives 成文日期.
    date_paragraph: int | None = None
    error: str = ""
    warnings: list = field(default_factory=list)


def _labelled(line: str) -> list[tuple[str, str]]:
    """[(field, value)] for "索引号: 015117762-… 主题分类: 2023年" (values end at the next label)."""
    matches = list(_LABEL.finditer(line))
    pairs = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        label = re.sub(r"\s+", "", m[1])
        pairs.append((LABELS[label], line[m.end() : end].strip()))
    return pairs


def _metadata(lines, start=0, stop=None):
    """{field: (value, line number)} from the lines [start, stop); a label alone on its line
    takes the next line as its value (table cells rendered one per line)."""
    found = {}
    stop = len(lines) if stop is None else stop
    i = start
    while i < stop:
        pairs = _labelled(lines[i])
        for j, (name, value) in enumerate(pairs):
            line_number = i + 1
            if not value and j == len(pairs) - 1 and i + 1 < stop and not _labelled(lines[i + 1]):
                value, line_number = lines[i + 1].strip(), i + 2
            if name not in found and value:
                found[name] = (value, line_number)
            elif name not in found:
                found[name] = ("", line_number)
        i += 1
    return found


def _same_text(a: str, b: str) -> bool:
    return header_key(a) == header_key(b) and bool(header_key(a))


# --- plain-text captures -------------------------------------------------------------------


def parse_text(text: str, *, number: int = 1, place: str = "") -> SourceRow:
    row = SourceRow(number=number, place=place)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    label_lines = [i for i, line in enumerate(lines) if _labelled(line)]
    if not label_lines:
        row.error = "没有找到信息公开目录的标签（索引号、发布机构、发布日期、名称等），不像是信息公开详情页。"
        return row
    first_label = label_lines[0]
    # The metadata block: consecutive labelled lines from the first one.
    block_end = first_label
    while block_end < len(lines) and (_labelled(lines[block_end]) or not lines[block_end].strip()):
        if _labelled(lines[block_end]):
            last_label = block_end
        block_end += 1
    metadata = _metadata(lines, first_label, last_label + 1)
    title = metadata.get("title", ("", 0))[0]
    # The title line, then the page's chrome (发布时间, 浏览次数, 字号), then the body.
    cursor = last_label + 1
    while cursor < len(lines) and not lines[cursor].strip():
        cursor += 1
    if cursor < len(lines) and (not title or _same_text(lines[cursor], title)):
        title = title or lines[cursor].strip()
        cursor += 1
    while cursor < len(lines) and (not lines[cursor].strip() or CHROME.match(lines[cursor].strip())):
        for name, value in _labelled(lines[cursor]):
            if name not in metadata or not metadata[name][0]:
                metadata[name] = (value, cursor + 1)
        cursor += 1
    body_end = next((i for i in range(cursor, len(lines)) if FOOTER.search(lines[i])), len(lines))
    paragraphs = [(i + 1, lines[i].strip()) for i in range(cursor, body_end) if lines[i].strip()]
    for name, (value, line_number) in metadata.items():
        row.values[name] = value
        row.lines[name] = line_number
    row.values["title"] = title
    _signature(row, paragraphs)
    parts = []
    for line_number, text_line in paragraphs:
        css = ' class="signature"' if line_number in row.lines.get("_signature", ()) else ""
        parts.append(f"<p{css}>{html.escape(text_line, quote=False)}</p>")
        row.body_lines.append(line_number)
        attachment = ATTACHMENT_LINE.match(text_line)
        if attachment and _ATTACHMENT_NAME.search(attachment[1].strip()):
            name = attachment[1].strip()
            row.attachments.append(AttachmentRef(title=posixpath.splitext(name)[0], href=name))
    row.lines.pop("_signature", None)
    row.values["body"] = "\n".join(parts)
    row.body_is_html = True
    return row


def _signature(row: SourceRow, paragraphs):
    """A letter ends with the sending office and the date: shown right-aligned (class
    "signature"), the office as 成文机构, the date as 成文日期 (when it survived the capture)."""
    if len(paragraphs) < 2:
        return
    (org_line, org), (date_line, date) = paragraphs[-2], paragraphs[-1]
    if not (ORG_LINE.match(org) and DATE_LINE.match(date)):
        return
    row.lines["_signature"] = (org_line, date_line)
    row.values.setdefault("drafting_org", org)
    row.lines.setdefault("drafting_org", org_line)
    parsed = _chinese_date(date)
    if parsed:
        row.values.setdefault("written_date", parsed.isoformat())
    else:
        row.date_paragraph = len(paragraphs)  # its loss flag, once read, gives 成文日期


def _chinese_date(text):
    m = re.match(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$", text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


# --- HTML pages ----------------------------------------------------------------------------

BODY_SELECTORS = [
    ".TRS_Editor",
    "#zoom",
    ".article-content",
    ".content-text",
    ".zw-content",
    "#UCAP-CONTENT",
    ".bt-content",
    "#content",
    "article",
    ".content",
]
_SAVED_FROM = re.compile(r"saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def decode_page(data: bytes, name: str) -> tuple[str, str]:
    """(text, note): an HTML page in the charset it declares (GB2312/GBK read as GB18030, their
    superset), anything else by imports.encodings."""
    declared = _META_CHARSET.search(data[:4096])
    if declared and name.lower().endswith((".html", ".htm", ".shtml")):
        charset = declared[1].decode().lower()
        charset = "gb18030" if charset in ("gb2312", "gbk", "gb18030", "x-gbk") else charset
        try:
            return data.decode(charset), ""
        except (LookupError, UnicodeDecodeError):
            pass
    decoded = decode(data, name="页面")
    return decoded.text, decoded.note


def parse_html(text: str, *, number: int = 1, place: str = "", old_site: str = "") -> SourceRow:
    from bs4 import BeautifulSoup

    row = SourceRow(number=number, place=place, body_is_html=True)
    saved_from = _SAVED_FROM.search(text[:2000])
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    url = saved_from[1] if saved_from else ""
    for selector, attribute in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        element = soup.select_one(selector)
        if not url and element and element.get(attribute, "").startswith(("http://", "https://", "/")):
            url = element[attribute]
    if not url and old_site and place.lower().endswith((".html", ".htm", ".shtml")):
        url = old_site.rstrip("/") + "/" + place.lstrip("/")
    if url:
        row.values["old_url"] = url

    # The metadata block: the smallest element holding three or more labels.
    best = None
    for element in soup.find_all(["table", "div", "ul", "dl", "section"]):
        text_lines = [line for line in element.get_text("\n").split("\n") if line.strip()]
        count = sum(1 for line in text_lines if _labelled(line))
        if count >= 3 and (best is None or len(text_lines) < best[1]):
            best = (element, len(text_lines), text_lines)
    if best is None:
        row.error = "没有找到信息公开目录的标签（索引号、发布机构、发布日期、名称等），不像是信息公开详情页。"
        return row
    container, _, meta_lines = best
    for name, (value, _) in _metadata(meta_lines).items():
        row.values[name] = value
    for line in soup.get_text("\n").split("\n"):
        for name, value in _labelled(line):
            if name in ("view_count", "published_at") and not row.values.get(name):
                row.values[name] = value
    if not row.values.get("title"):
        heading = soup.find("h1") or soup.select_one(".title") or soup.find("title")
        row.values["title"] = heading.get_text(" ", strip=True) if heading else ""

    body = next((soup.select_one(s) for s in BODY_SELECTORS if soup.select_one(s)), None)
    if body is None or container in body.parents or body is container:
        body = _densest(soup, container)
    if body is None:
        row.error = "没有找到正文。"
        return row
    for href_tag in soup.find_all("a", href=True):
        href = href_tag["href"].strip()
        if _ATTACHMENT_NAME.search(href.split("?")[0]):
            title = href_tag.get_text(" ", strip=True) or posixpath.basename(href)
            title = re.sub(r"^附件\s*\d*\s*[:：.、]?\s*", "", title)
            title = _ATTACHMENT_NAME.sub("", title) or posixpath.splitext(posixpath.basename(href))[0]
            if not any(ref.href == href for ref in row.attachments):
                row.attachments.append(AttachmentRef(title=title[:200], href=href))
    row.values["body"] = body.decode_contents().strip()
    row.body_lines = [p.sourceline for p in body.find_all("p")]
    return row


def _densest(soup, container):
    """The element whose own <p> children hold the most text (outside the metadata block)."""
    best, best_length = None, 0
    for element in soup.find_all(["div", "td", "section", "article"]):
        if element is container or container in element.parents:
            continue
        length = sum(len(p.get_text(strip=True)) for p in element.find_all("p", recursive=False))
        if length > best_length:
            best, best_length = element, length
    return best


def parse_page(data: bytes, name: str, *, number: int = 1, old_site: str = "") -> SourceRow:
    try:
        text, note = decode_page(data, name)
    except EncodingError as error:
        return SourceRow(number=number, place=name, error=str(error))
    looks_html = name.lower().endswith((".html", ".htm", ".shtml")) or re.match(
        r"\s*(<!--|<!doctype|<html)", text[:200], re.IGNORECASE
    )
    row = (
        parse_html(text, number=number, place=name, old_site=old_site)
        if looks_html
        else parse_text(text, number=number, place=name)
    )
    if note:
        row.warnings.append(note)
    return row
