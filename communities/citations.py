"""Quoting a disclosure record: the plain text a sentence is checked against, and the
record body with one quoted sentence wrapped in <mark> so a reader lands on it."""

import html
import re

from django.utils.html import strip_tags

TAG = re.compile(r"<[^>]*>")


def body_text(body_html: str) -> str:
    """The record body as a reader sees it: tags removed, entities decoded."""
    return html.unescape(strip_tags(body_html or ""))


def _escape_text(text: str) -> str:
    # The sanitizer (nh3) escapes only these three in text nodes; quotes stay as they are.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inside_tag(body_html: str, position: int) -> bool:
    opening = body_html.rfind("<", 0, position)
    return opening != -1 and body_html.rfind(">", 0, position) < opening


def highlight_sentence(body_html: str, *, sentence: str, anchor: str, emphasis: str = "") -> str | None:
    """Wrap the first occurrence of `sentence` (in text, not inside a tag) in <mark id=anchor>.

    Returns None when the sentence does not occur within one text run of the body."""
    if not sentence:
        return None
    needle = _escape_text(sentence)
    start = body_html.find(needle)
    while start != -1 and _inside_tag(body_html, start):
        start = body_html.find(needle, start + 1)
    if start == -1 or TAG.search(needle):
        return None
    inner = needle
    if emphasis and (escaped := _escape_text(emphasis)) in needle:
        inner = needle.replace(escaped, f"<strong>{escaped}</strong>", 1)
    end = start + len(needle)
    return f'{body_html[:start]}<mark id="{anchor}" class="cited-sentence">{inner}</mark>{body_html[end:]}'
