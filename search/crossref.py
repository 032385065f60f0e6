"""Cross-reference links: 文号, 索引号 and 第N号提案 mentioned in a body become links to the
public item that carries the number; everything else stays text.

Works on sanitized HTML: only text nodes are rewritten (never tags or attributes), text
inside an existing <a> is left alone, and every piece of text is escaped again on output."""

from html.parser import HTMLParser

from django.utils.html import escape

from .registry import number_kinds


class _Splitter(HTMLParser):
    """Splits HTML into tags (kept verbatim) and text nodes (decoded), noting which text
    sits inside a link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []  # (is_text, value, linkable)
        self.link_depth = 0

    def handle_starttag(self, tag, attrs):
        self.parts.append((False, self.get_starttag_text(), False))
        if tag == "a":
            self.link_depth += 1

    def handle_startendtag(self, tag, attrs):
        self.parts.append((False, self.get_starttag_text(), False))

    def handle_endtag(self, tag):
        self.parts.append((False, f"</{tag}>", False))
        if tag == "a" and self.link_depth:
            self.link_depth -= 1

    def handle_data(self, data):
        self.parts.append((True, data, self.link_depth == 0))


def _mentions(text):
    """(kind, match, candidates) for every number-like mention in a text node."""
    for kind in number_kinds():
        for match in kind.pattern.finditer(text):
            yield kind, match, kind.candidates_for(match)


def link_references(html: str, *, exclude_url: str = "") -> str:
    """`html` with resolvable numbers linked; at most one query per kind of number."""
    if not html:
        return html
    splitter = _Splitter()
    splitter.feed(html)
    splitter.close()
    texts = [value for is_text, value, linkable in splitter.parts if is_text and linkable]
    found = [
        (index, kind, match, candidates)
        for index, text in enumerate(texts)
        for kind, match, candidates in _mentions(text)
    ]
    if not found:
        return html
    wanted = {}
    for _, kind, _, candidates in found:
        wanted.setdefault(kind.key, (kind, set()))[1].update(text for text, _ in candidates)
    urls = {key: kind.resolve(sorted(names)) for key, (kind, names) in wanted.items()}

    links = {}  # text index -> [(start, end, url)]
    for index, kind, match, candidates in found:
        for text, start in candidates:
            url = urls[kind.key].get(text)
            if url and url != exclude_url:
                links.setdefault(index, []).append((start, match.end(), url))
                break

    out, text_index = [], 0
    for is_text, value, linkable in splitter.parts:
        if not is_text:
            out.append(value)
            continue
        if not linkable:
            out.append(escape(value))
            continue
        out.append(_linked(value, links.get(text_index, [])))
        text_index += 1
    return "".join(out)


def _linked(text: str, spans) -> str:
    out, cursor = [], 0
    for start, end, url in sorted(spans):
        if start < cursor:  # overlapping mentions: the first one wins
            continue
        out.append(escape(text[cursor:start]))
        out.append(f'<a class="xref" href="{escape(url)}">{escape(text[start:end])}</a>')
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def record_body_links(record, body, params):
    """disclosures.registry body transformer: link the numbers a record body mentions."""
    return link_references(body, exclude_url=record.get_absolute_url() if record.index_number else "")
