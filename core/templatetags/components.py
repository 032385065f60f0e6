"""Block components for templates: markup that wraps what the page puts inside it."""

import re
from html import unescape

from django import template
from django.conf import settings
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe

from core.forms import error_summary as form_error_summary

register = template.Library()


@register.simple_tag
def head_script():
    """The page's one inline script (settings.HEAD_SCRIPT, static/js/head.js): the exact text
    whose hash the Content-Security-Policy allows."""
    return mark_safe(f"<script>{settings.HEAD_SCRIPT}</script>")


@register.simple_tag
def error_summary(form, shown=""):
    """{% error_summary form shown as items %}: (anchor, message) pairs for
    components/form_errors.html; `shown`, space-separated, names the fields the page shows
    when it shows only some (a variable the include leaves out reads as "")."""
    return form_error_summary(form, str(shown).split() or None)


# What a page's <title> starts with when its form comes back with errors; a form may say it
# in its own words (`error_title`).
FORM_ERROR_TITLE = "填写有误，请修改"


@register.simple_tag(takes_context=True)
def error_title(context):
    """base.html's <title> prefix for a page sent back with its error summary (a `problem`, the
    errors of its `form`). With JavaScript off nothing moves the focus to the summary: the title
    is what a screen reader says first."""
    problem = context.get("problem")
    if problem:
        return f"{problem.heading} - "
    form = context.get("form")
    if getattr(form, "errors", None):
        return f"{getattr(form, 'error_title', FORM_ERROR_TITLE)} - "
    return ""


class ScrollingTableNode(template.Node):
    def __init__(self, label, nodelist):
        self.label = label
        self.nodelist = nodelist

    def render(self, context):
        return scrolling_table_html(self.label.resolve(context), self.nodelist.render(context))


def scrolling_table_html(label, table_html):
    """A region that scrolls sideways on a phone, reachable by keyboard and named for screen
    readers: a wide table scrolls in it instead of widening the page (WCAG 1.4.10)."""
    return format_html(
        '<div class="table-scroll" role="region" aria-label="{}" tabindex="0">{}</div>',
        f"{label}（表格，可横向滚动）" if label else "表格（可横向滚动）",  # not "表格（表格，…）"
        mark_safe(table_html),
    )


_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.I)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S | re.I)


@register.filter
def scrolling_tables(html):
    """Safe HTML (sanitized rich text) with each outermost table in a scrolling region, named by
    its caption. Tables nest in imported pages and Word files: a table ends at the </table> that
    balances its <table>, not at the first one (which closed the region inside a cell)."""
    html = str(html)
    out, position, depth, start = [], 0, 0, None
    for tag in _TABLE_TAG.finditer(html):
        if tag.group(1) == "":  # an opening <table
            if depth == 0:
                start = tag.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                table = html[start : tag.end()]
                caption = _CAPTION.search(table)
                label = unescape(strip_tags(caption.group(1))).strip() if caption else ""
                out += [html[position:start], scrolling_table_html(label, table)]
                position = tag.end()
    out.append(html[position:])  # an unbalanced rest is left as it is
    return mark_safe("".join(out))


# A tag as sanitized rich text writes it: attribute values always quoted, and a ">" may stand
# inside one (nh3 escapes only "&" and the quote).
_IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
# One attribute after another from the tag's name on: "alt=" inside another attribute's value
# (a title reading "alt='…'") is part of that value, not the picture's alt.
_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _alt_of(tag):
    """The alt attribute's value in an <img …> tag, as written (entities and all), or ""."""
    position = len("<img")
    while attribute := _ATTRIBUTE.match(tag, position):
        if attribute.group(1).lower() == "alt":
            return next((value for value in attribute.groups()[1:] if value is not None), "")
        position = attribute.end()
    return ""


@register.simple_tag
def alt_text(text):
    """{% alt_text "…" %} after a picture: its alt text, shown only in 纯文本 (static/css/site.css),
    where pictures are hidden. Written by the server, so it is there without JavaScript, and
    hidden from screen readers otherwise (they read the picture's alt)."""
    return format_html('<span class="alt-text">［图片：{}］</span>', text) if str(text).strip() else ""


def described_pictures(html):
    """Safe HTML with each picture that has alt text followed by it (see alt_text)."""

    def described(tag):
        return tag.group(0) + alt_text(unescape(_alt_of(tag.group(0))).strip())

    html = str(html)
    return mark_safe(_IMG_TAG.sub(described, html) if "<img" in html.lower() else html)


@register.filter
def rich_text(html):
    """Sanitized rich text as a page shows it: wide tables in scrolling regions, pictures with
    their alt text for 纯文本."""
    return described_pictures(scrolling_tables(html))


@register.tag
def scrolling_table(parser, token):
    """{% scrolling_table "名称" %}<table>…</table>{% endscrolling_table %}"""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% scrolling_table %} takes one label")
    nodelist = parser.parse(("endscrolling_table",))
    parser.delete_first_token()
    return ScrollingTableNode(parser.compile_filter(bits[1]), nodelist)


@register.filter
def break_after_hyphens(value):
    """A code such as a 索引号 that may wrap only after its hyphens (<wbr>), never inside a
    number: Unicode line breaking keeps "-2026" together and narrow screens broke digits apart."""
    return mark_safe(escape(value or "").replace("-", "-<wbr>"))
