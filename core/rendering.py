"""Pages rendered once per generation with holes for what changes per request.

A record page is the same for every reader with the same path, query string and reader
preferences until content changes, except for its 浏览次数. `render_kept` renders the template
once with a marker in each hole, keeps the result with `cached_value` (so a publish, edit or
withdraw shows at once), and per request only fills the holes in. The view itself still runs
for every request (the record is looked up, the view counted, the validators worked out):
this is what readers whom the page cache cannot serve get (a session cookie, a crawler,
a new query string), and unlike the page cache it shows the live count.

What the template shows outside the holes may depend only on content and on `vary`: never on
the user, a CSRF token or messages."""

import hashlib

from django.http import HttpResponse
from django.template.loader import render_to_string

from .holes import fill_holes, hole_marker
from .pagecache import cached_value


def render_kept(request, template_name, get_context, *, vary, holes):
    """`template_name` rendered with `get_context()` once per generation and value of `vary`,
    with each of `holes` (name → value, escaped) filled in for this request."""
    digest = hashlib.md5("|".join(map(str, vary)).encode()).hexdigest()

    def render_once():
        context = get_context()
        context.update({name: hole_marker(name) for name in holes})
        return render_to_string(template_name, context, request).encode()

    # Kept encoded: encoding a whole page per request cost more than filling its holes.
    content = cached_value(f"page:{template_name}:{digest}", render_once)
    response = HttpResponse(fill_holes(content, holes))
    # The page cache keeps the holes, for its hit hooks to fill in per reader (on_hit).
    response.page_cache_body, response.page_cache_holes = content, tuple(holes)
    return response
