"""Pages rendered once per generation, for the readers the page cache cannot serve.

A record page is the same for every reader with the same path, query string and reader
preferences until content changes, except for its 浏览次数. `render_kept` renders the template
once with a marker in each hole, keeps the result with `cached_value` (so a publish, edit or
withdraw shows at once), and per request only fills the holes in. The view itself still runs
for every request (the record is looked up, the view counted, the validators worked out):
this is what readers whom the page cache cannot serve get (a session cookie, a crawler,
a new query string), and unlike the page cache it shows the live count.

`keep_response` does the same for a whole view without holes (the home page, the catalogue,
proposals, members, communities, feeds, the API): its 200 response is kept for one generation
per scheme, host, path, query string and reader preferences, so a signed-in reader, a reader
with a cookie the page cache does not know, or a page cache miss in another worker costs a
dictionary lookup instead of the queries and the templates.

What such a page shows may depend only on content and on its key: never on the user (unless
the key says whose it is: `per`), a CSRF token or messages. A response that set a cookie,
read the CSRF token (unless kept for that session: `own_csrf`), used a CSP nonce or showed
messages is never kept (they would be someone's own)."""

import functools
import hashlib

from django.http import HttpResponse
from django.template.loader import render_to_string

from .holes import fill_holes, hole_marker
from .pagecache import cached_value
from .pagecache.generation import _setting
from .pagecache.pages import _known_parameters, page_key


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


class _NotKept(Exception):
    """Raised inside cached_value's computation: the response is someone's own, or not a 200."""

    def __init__(self, response):
        self.response = response


def keep_response(view=None, *, unless=None, per=None, own_csrf=False, timeout=None):
    """Decorator: the view's 200 response kept for one generation (see the module docstring).
    `unless(request)` true renders afresh for this request.
    `per(request)`: whose page this request gets: "" for the one everyone shares, or a
    non-empty name of the reader it was rendered for (say, a signed-in member, whose own
    proposal shows letters sent only to them). Each reader's page is kept apart under that
    name, so one reader's page is never anyone else's.
    `own_csrf`: the reader's page carries their CSRF token (a sign-out form): it is kept for
    their session alone (the key adds a digest of the session's key), since the token is
    valid with that browser's cookie only; a reader without a session gets no kept page.
    `timeout` (seconds) keeps it for less, for a page that shows what no generation follows
    (the 依申请公开 figures: a new case must not start a generation for the whole site)."""
    if view is None:
        return functools.partial(keep_response, unless=unless, per=per, own_csrf=own_csrf, timeout=timeout)

    @functools.wraps(view)
    def kept_view(request, *args, **kwargs):
        environ = request.META
        if (
            not _setting("PAGE_KEEP_RESPONSES", True)
            or request.method not in ("GET", "HEAD")
            or not _known_parameters(environ.get("QUERY_STRING", ""))
            or (unless is not None and unless(request))
        ):
            return view(request, *args, **kwargs)

        def respond():
            response = view(request, *args, **kwargs)
            if not _keepable(request, response, own_csrf=own_csrf):
                raise _NotKept(response)
            return (response.content, tuple(response.items()))

        reader = per(request) if per is not None else ""
        if own_csrf:
            session_key = getattr(getattr(request, "session", None), "session_key", None)
            if not (reader and session_key):
                return view(request, *args, **kwargs)
            reader += ":session:" + hashlib.sha256(session_key.encode()).hexdigest()[:32]
        key = f"response:{page_key(environ)}" + (f":reader:{reader}" if reader else "")
        try:
            content, headers = cached_value(key, respond, timeout)
        except _NotKept as not_kept:
            return not_kept.response
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response

    return kept_view


def _keepable(request, response, *, own_csrf=False) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if getattr(request, "page_cache_skip", False) or getattr(request, "page_cache_hooks", None):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not own_csrf:
        return False
    if getattr(request, "_csp_nonce", None) is not None:
        return False
    if getattr(getattr(request, "_messages", None), "used", False):
        return False
    return len(response.content) <= _setting("PAGE_CACHE_MAX_BYTES", 512 * 1024)
