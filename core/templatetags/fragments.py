"""`{% fragment "name" vary1 vary2 %}…{% endfragment %}`: a piece of a page rendered once per
generation (see core.pagecache.cached_value) and per value of the vary arguments, so the
header, footer, page tags and breadcrumbs cost a dictionary lookup on pages the page
cache cannot serve.

What a fragment shows may depend only on content and on its vary arguments: never on the
reader (no CSRF token, no user name, no 浏览次数). The one exception is `{{ request_full_path }}`,
a placeholder filled in per request (the reader-preference forms send readers back to the
page they were on)."""

import hashlib

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from core.holes import hole_marker
from core.pagecache import cached_value

register = template.Library()

FULL_PATH_MARKER = hole_marker("request_full_path")


class FragmentNode(template.Node):
    def __init__(self, name, vary_on, nodelist):
        self.name = name
        self.vary_on = vary_on
        self.nodelist = nodelist

    def render(self, context):
        vary = "|".join(str(v.resolve(context)) for v in self.vary_on)
        key = f"fragment:{self.name}:{hashlib.md5(vary.encode()).hexdigest()}"

        def render_once():
            with context.push(request_full_path=FULL_PATH_MARKER):
                return str(self.nodelist.render(context))

        html = cached_value(key, render_once)
        if FULL_PATH_MARKER in html:
            request = context.get("request")
            path = request.get_full_path() if request is not None else ""
            html = html.replace(FULL_PATH_MARKER, str(conditional_escape(path)))
        return mark_safe(html)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name")
    name = bits[1].strip("\"'")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(name, [parser.compile_filter(b) for b in bits[2:]], nodelist)
