"""Block components for templates: markup that wraps what the page puts inside it."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core.forms import error_summary as form_error_summary

register = template.Library()


@register.simple_tag
def error_summary(form, shown=""):
    """{% error_summary form shown as items %}: (anchor, message) pairs for
    components/form_errors.html; `shown`, space-separated, names the fields the page shows
    when it shows only some (a variable the include leaves out reads as "")."""
    return form_error_summary(form, str(shown).split() or None)


class ScrollingTableNode(template.Node):
    def __init__(self, label, nodelist):
        self.label = label
        self.nodelist = nodelist

    def render(self, context):
        # A region that scrolls sideways on a phone, reachable by keyboard and named for screen readers.
        return format_html(
            '<div class="table-scroll" role="region" aria-label="{}（表格，可横向滚动）" tabindex="0">{}</div>',
            self.label.resolve(context),
            self.nodelist.render(context),
        )


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
