"""Whole pages: which requests may be served from the cache, their keys, lookup and
serving (the WSGI wrapper and the middleware)."""

import functools
import hashlib
import logging
import time
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.utils.module_loading import import_string

from ..holes import fill_holes
from .generation import (
    STATE_KEY,
    _local_pages,
    _recent_state,
    _replica_may_lag,
    _request_state,
    _setting,
    _shared_state,
    _stamp_file,
    _stamp_state,
    _timeout,
    current_state,
)

logger = logging.getLogger(__name__)

ENVIRON_KEY = "govcore.pagecache"
CACHEABLE_KEY = "govcore.pagecache.cacheable"
HIT_HEADER = "X-Page-Cache"
ENTRY_FORMAT = 3
STORABLE_TYPES = (
    "text/html",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
    "text/xml",
    "text/plain",
)

# One cookie may vary a page (the reader's preferences, registered by portal): its name and
# how a value becomes part of the key. The page cache knows nothing else about it.
_variant = {"cookie": None, "key": None}


def register_variant_cookie(name, key_for_value):
    """Pages differ by this cookie; `key_for_value(raw value)` gives their cache-key part."""
    _variant.update(cookie=name, key=key_for_value)


# --- what may be cached ---------------------------------------------------------------


def _allowed_cookies():
    return {_variant["cookie"], settings.CSRF_COOKIE_NAME, *_setting("PAGE_CACHE_IGNORED_COOKIES", [])}


def request_is_cacheable(environ) -> bool:
    """Anonymous GET/HEAD without any cookie that could change the page (a session, messages).
    Asked by the WSGI wrapper and again by the middleware: worked out once per request."""
    known = environ.get(CACHEABLE_KEY)
    if known is None:
        known = environ[CACHEABLE_KEY] = _request_is_cacheable(environ)
    return known


def _request_is_cacheable(environ) -> bool:
    if not _setting("PAGE_CACHE_ENABLED", True):
        return False
    if not getattr(cache, "available", True):
        return False  # the shared cache is down (core.redis_cache): pages come from the database
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
        return False
    path = environ.get("PATH_INFO", "")
    if any(path.startswith(prefix) for prefix in _setting("PAGE_CACHE_EXCLUDED_PATHS", [])):
        return False
    query = environ.get("QUERY_STRING")
    if query and not _known_parameters(query):
        # Only parameters a page reads may key the cache: random ones (?utm_x=…) would each
        # store a copy and evict the pages readers ask for.
        return False
    raw = environ.get("HTTP_COOKIE")
    if raw:
        allowed = _allowed_cookies()
        if any(name not in allowed for name in parse_cookie(raw)):
            return False
    return True


def _known_parameters(query) -> bool:
    known = _setting("PAGE_CACHE_QUERY_PARAMETERS", None)
    if known is None:
        return True
    return all(name in known for name, _ in parse_qsl(query, keep_blank_values=True))


def _reader_key(environ):
    raw = environ.get("HTTP_COOKIE")
    name = _variant["cookie"]
    if not raw or not name or name not in raw:
        return "default"
    return _variant["key"](parse_cookie(raw).get(name))


def _scheme(environ):
    if environ.get("HTTP_X_FORWARDED_PROTO") == "https":
        return "https"
    return environ.get("wsgi.url_scheme", "http")


def page_key(environ) -> str:
    parts = "\n".join(
        [
            _scheme(environ),
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            _reader_key(environ),
        ]
    )
    # The format version in the key: entries written by an older release are never read.
    return f"pagecache:page{ENTRY_FORMAT}:" + hashlib.md5(parts.encode("utf-8", "surrogateescape")).hexdigest()


# --- Last-Modified -----------------------------------------------------------------------


def last_modified(moment: float) -> int:
    """A page's Last-Modified (a timestamp): `moment`, when what it shows last changed, but never
    before the current generation began. Taken from the newest item alone it goes back when that
    item is withdrawn, deleted or moved elsewhere, and a client revalidating with If-Modified-Since
    would get a 304 and keep the removed item. Every removal starts a new generation."""
    return int(max(moment, current_state()["at"]))


def last_modified_forward(view):
    """Decorator for views whose Last-Modified is their newest item's (Django's feeds and
    sitemaps): moved forward to the generation's start (last_modified)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        moment = parse_http_date_safe(response.get("Last-Modified", ""))
        if moment is not None:
            response["Last-Modified"] = http_date(last_modified(moment))
        return response

    return wrapper


# --- lookup and serving ----------------------------------------------------------------


def lookup(environ):
    """(key, state, entry or None) for a cacheable request: from this process's copies when
    they are recent, else with one cache round trip."""
    key = page_key(environ)
    path = _stamp_file()
    state = _stamp_state(path) if path else _recent_state()
    if state is not None:
        entry = _local_pages.get(key, lambda e: e["gen"] == state["gen"] and e["expires"] > time.time())
        if entry is not None:
            return key, state, entry
        entry = cache.get(key)
    else:
        found = cache.get_many([STATE_KEY, key])
        state = _shared_state(found.get(STATE_KEY))
        entry = found.get(key)
    if entry is not None and entry["gen"] != state["gen"]:
        entry = None
    if entry is not None:
        _local_pages.keep(key, entry)
    return key, state, entry


def _run_hooks(entry, environ):
    """Run the hit hooks; returns the hole values they give ({} if none)."""
    holes = {}
    for path, args in entry["hooks"]:
        try:
            holes.update(import_string(path)(environ, *args) or {})
        except Exception:  # a counter must never break a cached page
            logger.exception("page cache hit hook %s failed", path)
    return holes


_NOT_MODIFIED_HEADERS = {"cache-control", "content-location", "etag", "expires", "last-modified", "vary"}


def _etags(header):
    return [tag.strip().removeprefix("W/") for tag in header.split(",")]


def _not_modified(entry, environ) -> bool:
    """RFC 9110 §13.2.2 for GET/HEAD: If-None-Match (weak comparison) takes precedence
    over If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        etag = entry["etag"]
        return bool(etag) and (if_none_match.strip() == "*" or etag.removeprefix("W/") in _etags(if_none_match))
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since and entry["last_modified"] is not None:
        since = parse_http_date_safe(if_modified_since)
        return since is not None and entry["last_modified"] <= since
    return False


def serve_hit(entry, environ):
    """(status line, headers, body) for a cached page — 200 or 304 — after running the
    entry's hit hooks. No Django request or response object is built."""
    holes = _run_hooks(entry, environ)
    age = ("Age", str(max(0, int(time.time() - entry["stored_at"]))))
    headers = entry["headers"]
    body = entry["body"]
    if entry.get("holes"):
        # Filled in per reader (a record's 浏览次数, this view included), so never a 304.

        body = fill_holes(body, {name: holes.get(name, "") for name in entry["holes"]})
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
    elif _not_modified(entry, environ):
        headers = [(k, v) for k, v in headers if k.lower() in _NOT_MODIFIED_HEADERS]
        return "304 Not Modified", headers + [(HIT_HEADER, "hit"), age], b""
    if environ.get("REQUEST_METHOD") == "HEAD":
        body = b""
    return entry["status_line"], headers + [(HIT_HEADER, "hit"), age], body


def _as_response(status_line, headers, body):
    response = HttpResponse(body, status=int(status_line[:3]))
    for name, value in headers:
        response[name] = value
    if status_line.startswith("304"):
        del response["Content-Type"]
    return response


class PageCacheApp:
    """WSGI wrapper: answers cached pages before Django builds a request object."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if request_is_cacheable(environ):
            try:
                key, state, entry = lookup(environ)
            except Exception:
                logger.exception("page cache lookup failed; serving uncached")
            else:
                if entry is not None:
                    status, headers, body = serve_hit(entry, environ)
                    start_response(status, headers)
                    return [body]
                environ[ENVIRON_KEY] = (key, state)
        return self.application(environ, start_response)


class PageCacheMiddleware:
    """Serves hits (when the WSGI wrapper did not), stores cacheable pages, and gives
    every anonymous response Cache-Control headers a CDN can act on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.time()  # what the page shows is read from here on (_timeout)
        environ = request.META
        cacheable = request_is_cacheable(environ)
        key = state = None
        if cacheable:
            looked_up = environ.get(ENVIRON_KEY)
            if looked_up is None:
                try:
                    key, state, entry = lookup(environ)
                except Exception:
                    logger.exception("page cache lookup failed; serving uncached")
                    key, state, entry = None, None, None
                if entry is not None:
                    return _as_response(*serve_hit(entry, environ))
            else:
                key, state = looked_up
        # `started`: everything made for this request is as of its start (_next_publication).
        token = _request_state.set({"state": state, "started": started})
        try:
            response = self.get_response(request)
        finally:
            _request_state.reset(token)
        if self._sets_cookie(response) and "public" in response.get("Cache-Control", ""):
            # A cookie is one reader's (a staff member's session is written again once a minute
            # on any request, a picture's too): a shared cache keeping the response would hand it
            # to everyone. The reader's own browser may still keep it as the view said.
            patch_cache_control(response, private=True)
        if cacheable:
            self._anonymous_headers(request, response)
            if key is not None and state is not None and self._storable(request, response, state):
                self._store(request, response, key, state, started)
                if getattr(response, "page_cache_holes", ()):
                    return response  # filled in for this reader: never a 304 (serve_hit)
                return get_conditional_response(
                    request,
                    etag=response.get("ETag"),
                    response=response,
                    last_modified=parse_http_date_safe(response["Last-Modified"])
                    if response.has_header("Last-Modified")
                    else None,
                )
        elif not response.has_header("Cache-Control"):
            # A signed-in reader's page, or a request with cookies we do not know: never shared.
            response["Cache-Control"] = "private, max-age=0"
        return response

    @staticmethod
    def _sets_cookie(response):
        return bool(response.cookies) or response.has_header("Set-Cookie")

    def _anonymous_headers(self, request, response):
        if response.has_header("Cache-Control") or response.streaming:
            return
        if response.status_code != 200 or self._sets_cookie(response) or _uses_nonce(response):
            patch_cache_control(response, private=True, max_age=0)
            return
        patch_cache_control(
            response,
            public=True,
            max_age=_setting("PAGE_CACHE_BROWSER_SECONDS", 60),
            s_maxage=_setting("PAGE_CACHE_SHARED_SECONDS", 60),
        )

    def _storable(self, request, response, state):
        if response.status_code != 200 or response.streaming or self._sets_cookie(response):
            return False
        control = response.get("Cache-Control", "")
        if "public" not in control or "private" in control or "no-store" in control or "no-cache" in control:
            return False
        if _uses_nonce(response) or getattr(request, "page_cache_skip", False):
            return False
        user = getattr(request, "_cached_user", None)
        if user is not None and user.is_authenticated:
            return False
        if not response.get("Content-Type", "").startswith(STORABLE_TYPES):
            return False
        if len(response.content) > _setting("PAGE_CACHE_MAX_BYTES", 512 * 1024):
            return False
        if _replica_may_lag(state):
            return False
        return True

    def _store(self, request, response, key, state, started):
        if not response.has_header("ETag"):
            response["ETag"] = '"pc-%s"' % hashlib.md5(response.content).hexdigest()[:20]
        modified = response.get("Last-Modified")
        timeout = _timeout(state, since=started)
        if not timeout:
            return
        entry = {
            "gen": state["gen"],
            "status_line": f"{response.status_code} {response.reason_phrase}",
            "headers": [(k, v) for k, v in response.items() if k.lower() != "set-cookie"],
            # A page with holes is kept with them (rendering.render_kept), for the hooks to fill.
            "body": getattr(response, "page_cache_body", response.content),
            "holes": tuple(getattr(response, "page_cache_holes", ())),
            "etag": response["ETag"],
            "last_modified": parse_http_date_safe(modified) if modified else None,
            "hooks": tuple(getattr(request, "page_cache_hooks", ())),
            "stored_at": time.time(),
            "expires": time.time() + timeout,
        }
        try:
            cache.set(key, entry, timeout)
            _local_pages.keep(key, entry)
        except Exception:
            logger.exception("page cache store failed")


def _uses_nonce(response):
    return "nonce-" in response.get("Content-Security-Policy", "")


def on_hit(request, path, *args):
    """Ask for `path(environ, *args)` to run whenever this page is served from the cache
    (e.g. to count a view); the view itself handles the uncached request."""
    hooks = getattr(request, "page_cache_hooks", None)
    if hooks is None:
        hooks = request.page_cache_hooks = []
    hooks.append((path, args))


def skip(request):
    """Keep this response out of the page cache (it may still be public for a CDN)."""
    request.page_cache_skip = True
