"""Rich-text sanitizing with nh3 (ammonia): an allow-list, so anything new is dropped."""

import difflib
import html
import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "img",
    "span",
    "div",
    "pre",
    "code",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# No `id` (staff markup could shadow the page's own anchors and landmarks) and only the classes
# static/css/site.css styles inside a body (.record-body p.signature): any other class would
# let staff markup borrow the site's controls' look.
ALLOWED_CLASSES = {"p": {"signature"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(value: str) -> str:
    """Return `value` with scripts, event handlers, styles and unsafe URLs removed."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# The text a person typing the markup meant readers to see: closed comments and the content of
# closed <script>/<style> are not text; any other tag ends at its first ">" (so a missing quote
# ends the tag, as the author thought it did) and is not text either. Applied to both the input
# and nh3's output, this shows what sanitizing would drop or turn into visible markup.
_INVISIBLE = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<[!?][^<>]*>")
_SPACE = re.compile(r"\s+")


def visible_text(value: str) -> str:
    text = html.unescape(_TAG.sub(" ", _INVISIBLE.sub(" ", value or "")))
    return _SPACE.sub(" ", text).strip()


def text_loss(value: str) -> str | None:
    """A message naming the text that sanitizing `value` would drop or mangle, else None."""
    before, after = visible_text(value), visible_text(sanitize_html(value))
    if before.replace(" ", "") == after.replace(" ", ""):
        return None
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, b1, b2, a1, a2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            return (
                f"保存会丢失正文中的文字“{_excerpt(before[b1:b2])}”，请检查它前面的标记："
                "引号是否成对，<style>、<script>、<!-- 是否闭合，"
                "不要使用 <textarea>、<title>、<iframe> 等标记。"
            )
        if tag == "insert" and after[a1:a2].strip():
            return (
                f"保存会把正文中的标记显示成文字“{_excerpt(after[a1:a2])}”，请检查它前面的标记："
                "不要使用 <textarea>、<title>、<iframe> 等标记，引号和尖括号是否成对。"
            )
    return None


def rich_text_errors(instance, *fields) -> dict:
    """For a model's clean(): {field: message} for each rich-text field that would lose text."""
    errors = {}
    for name in fields:
        message = text_loss(getattr(instance, name))
        if message:
            errors[name] = message
    return errors


def _excerpt(text, limit=40):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "……"
