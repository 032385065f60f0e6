"""Whole-page cache for anonymous readers, invalidated when content is published, edited
or withdrawn.

Serving: `PageCacheApp` (wraps the WSGI application in govportal/wsgi.py) and
`PageCacheMiddleware` (first in MIDDLEWARE, so it also works under the test client and any
other entry point) share `lookup()`: one cache round trip fetches the site's current
*state* (its generation) together with the entry for this URL + host + scheme + reader
preferences. A hit is answered before Django builds a request (from the WSGI wrapper) or
before any other middleware runs; If-None-Match / If-Modified-Since get a 304.

Storing (middleware, on the way out): only GET/HEAD 200 responses to requests that carry no
cookie but the reader's preferences and the CSRF cookie, that set no cookie, use no CSP
nonce, are not streamed and are marked public. Pages for signed-in users (any session
cookie), responses that set cookies (a CSRF token on a form does) and `never_cache` views
are never stored.

Invalidation: a save or delete of any model in PAGE_CACHE_APPS starts a new generation, at
once and again when the transaction commits, which makes every stored page and every
`cached_value()` stale together (a portal is read far more than written, so a cold cache
after a publish costs little). Scheduled publication changes pages without a save, so
nothing is kept past the next scheduled `published_at` (PAGE_CACHE_SCHEDULE_SOURCES).

The state lives in the shared cache (Redis when REDIS_URL is set). With the local-memory
cache each worker has its own entries; the generation then comes from the modification time
of a small stamp file (PAGE_CACHE_STAMP_FILE) so that a publish in one process still
invalidates the pages of every process on the node."""

import contextvars
import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string

from .preferences import COOKIE_NAME as READER_COOKIE
from .preferences import ReaderPreferences

logger = logging.getLogger(__name__)

STATE_KEY = "pagecache:state"
ENVIRON_KEY = "govportal.pagecache"
CACHEABLE_KEY = "govportal.pagecache.cacheable"
HIT_HEADER = "X-Page-Cache"
ENTRY_FORMAT = 3
STORABLE_TYPES = ("text/html", "application/xml", "application/rss+xml", "application/atom+xml",
                  "application/json", "text/xml", "text/plain")
_UNKNOWN = object()  # cache.get default: tells 'absent' from a stored None
_request_state = contextvars.ContextVar("pagecache_state", default=None)  # {"state": …} per request


def _setting(name, default):
    # Read a few dozen times per request: each read of django.conf.settings goes through its
    # lazy proxy (a tenth of a kept record page's rendering time), so values are kept here
    # until a setting changes (tests).
    try:
        return _settings_read[name]
    except KeyError:
        value = _settings_read[name] = getattr(settings, name, default)
        return value


_settings_read = {}
setting_changed.connect(lambda **kwargs: _settings_read.clear(), weak=False)


# --- state (the generation) ------------------------------------------------------------

def _stamp_file():
    return _setting("PAGE_CACHE_STAMP_FILE", None)


def _touch(path):
    # The content changes too, so two bumps within the file system's timestamp
    # resolution still give two generations.
    with open(path, "w") as handle:
        handle.write(uuid.uuid4().hex)


def _stamp_state(path):
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        _touch(path)
        stat = os.stat(path)
    return {"gen": f"f{stat.st_mtime_ns}-{stat.st_size}", "at": stat.st_mtime}


def _shared_state(found):
    """The state read from the shared cache, created on first use (or after eviction)."""
    if found is None:
        found = {"gen": uuid.uuid4().hex, "at": time.time()}
        if not cache.add(STATE_KEY, found, None):
            found = cache.get(STATE_KEY) or found
    _local.update(state=found, read_at=time.monotonic())
    return found


# This process's copy of the shared state, of its hottest pages and of cached_value()'s
# values, so that most hits need no round trip at all. A change made by another process or
# node is seen within PAGE_CACHE_LOCAL_SECONDS; one made by this process at once
# (invalidate() drops them all).
_local = {"state": None, "read_at": 0.0}
_local_lock = threading.Lock()  # for threaded servers and tests; sync workers never wait


def _recent_state():
    seconds = _setting("PAGE_CACHE_LOCAL_SECONDS", 0)
    if seconds and _local["state"] is not None and time.monotonic() - _local["read_at"] < seconds:
        return _local["state"]
    return None


class _ProcessCopies:
    """A least-recently-used map of at most `size_setting` entries in this process."""

    def __init__(self, size_setting):
        self.size_setting = size_setting
        self.entries = OrderedDict()

    def get(self, key, fresh):
        """The entry under `key` if `fresh(entry)`, else None (and a stale one is dropped)."""
        with _local_lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if not fresh(entry):
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def keep(self, key, entry):
        size = _setting(self.size_setting, 0)
        if not size:
            return
        with _local_lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > size:
                self.entries.popitem(last=False)


# Pages: stored entries, valid while their generation is current and they have not expired.
_local_pages = _ProcessCopies("PAGE_CACHE_LOCAL_ENTRIES")
# Values: (read at, value) under the generation's key, reused for PAGE_CACHE_LOCAL_SECONDS.
_local_values = _ProcessCopies("PAGE_CACHE_LOCAL_VALUES")


def _forget_local():
    with _local_lock:
        _local.update(state=None, read_at=0.0)
        _local_pages.entries.clear()
        _local_values.entries.clear()


def reset_local():
    """Forget this process's copies (tests: after the shared cache is cleared)."""
    _forget_local()


def current_state():
    """The generation this request works with (read once per request: the middleware gives
    each request a slot for it)."""
    slot = _request_state.get()
    state = slot.get("state") if slot is not None else None
    if state is None:
        path = _stamp_file()
        state = _stamp_state(path) if path else (_recent_state() or _shared_state(cache.get(STATE_KEY)))
        if slot is not None:
            slot["state"] = state
    return state


def invalidate():
    """Make every stored page and cached value stale (a new generation)."""
    path = _stamp_file()
    if path:
        _touch(path)
    else:
        cache.set(STATE_KEY, {"gen": uuid.uuid4().hex, "at": time.time()}, None)
    _forget_local()
    slot = _request_state.get()
    if slot is not None:
        slot["state"] = None  # this request wrote: later reads see the new generation


def invalidate_after_migrate(**kwargs):
    """post_migrate: a new release starts a new generation (see PortalConfig.ready)."""
    invalidate()


def _compute_until():
    """The earliest moment a scheduled item becomes public, as a timestamp (or None)."""
    soonest = None
    for path in _setting("PAGE_CACHE_SCHEDULE_SOURCES", []):
        when = import_string(path)()
        if when is not None:
            soonest = when.timestamp() if soonest is None else min(soonest, when.timestamp())
    return soonest


def _timeout(state, default=None):
    """How long something rendered now may be kept: never past the next scheduled
    publication, which changes pages without any save (so without a new generation)."""
    default = default or _setting("PAGE_CACHE_SECONDS", 600)
    key = f"pagecache:until:{state['gen']}"
    until = cache.get(key, _UNKNOWN)
    now = time.time()
    if until is _UNKNOWN or (until is not None and until <= now):
        until = _compute_until()
        cache.set(key, until, None if until is None else max(1, int(until - now)))
    if until is None:
        return default
    return max(1, min(default, int(until - now)))


def cached_value(name, compute, timeout=None):
    """`compute()` cached until content changes (counts, facets): valid for one generation.
    The value may be shared by later requests in this process: treat it as read-only."""
    state = current_state()
    # What a replica gave is kept apart from what the primary gave: signed-in readers (and
    # anyone who just changed something) read the primary and must never get an older copy.
    on_replica = router.db_for_read(None) != DEFAULT_DB_ALIAS
    key = f"pagecache:data:{state['gen']}:{'r' if on_replica else 'p'}:{name}"
    seconds = _setting("PAGE_CACHE_LOCAL_SECONDS", 0)
    kept = _local_values.get(key, lambda entry: time.monotonic() - entry[0] < seconds)
    if kept is not None:
        return kept[1]
    value = cache.get(key, _UNKNOWN)
    if value is _UNKNOWN:
        value = compute()
        if on_replica and _replica_may_lag(state):
            return value
        cache.set(key, value, _timeout(state, timeout))
    _local_values.keep(key, (time.monotonic(), value))
    return value


def _replica_may_lag(state) -> bool:
    """Just after a change a replica may still give the old rows: nothing read then is kept."""
    lag = _setting("PAGE_CACHE_REPLICA_LAG_SECONDS", 0)
    return bool(lag) and time.time() - state["at"] < lag


# --- what may be cached ---------------------------------------------------------------

def _allowed_cookies():
    return {READER_COOKIE, settings.CSRF_COOKIE_NAME, *_setting("PAGE_CACHE_IGNORED_COOKIES", [])}


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
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
        return False
    path = environ.get("PATH_INFO", "")
    if any(path.startswith(prefix) for prefix in _setting("PAGE_CACHE_EXCLUDED_PATHS", [])):
        return False
    raw = environ.get("HTTP_COOKIE")
    if raw:
        allowed = _allowed_cookies()
        if any(name not in allowed for name in parse_cookie(raw)):
            return False
    return True


def _reader_key(environ):
    raw = environ.get("HTTP_COOKIE")
    if not raw or READER_COOKIE not in raw:
        return "default"
    return ReaderPreferences.from_cookie(parse_cookie(raw).get(READER_COOKIE)).cache_key


def _scheme(environ):
    if environ.get("HTTP_X_FORWARDED_PROTO") == "https":
        return "https"
    return environ.get("wsgi.url_scheme", "http")


def page_key(environ) -> str:
    parts = "\n".join([
        _scheme(environ), environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""), _reader_key(environ),
    ])
    # The format version in the key: entries written by an older release are never read.
    return f"pagecache:page{ENTRY_FORMAT}:" + hashlib.md5(parts.encode("utf-8", "surrogateescape")).hexdigest()


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
        from .rendering import fill_holes  # (rendering imports this module)

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
        token = _request_state.set({"state": state})
        try:
            response = self.get_response(request)
        finally:
            _request_state.reset(token)
        if cacheable:
            self._anonymous_headers(request, response)
            if key is not None and state is not None and self._storable(request, response, state):
                self._store(request, response, key, state)
                if getattr(response, "page_cache_holes", ()):
                    return response  # filled in for this reader: never a 304 (serve_hit)
                return get_conditional_response(
                    request, etag=response.get("ETag"), response=response,
                    last_modified=parse_http_date_safe(response["Last-Modified"]) if response.has_header("Last-Modified") else None,
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
            response, public=True,
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

    def _store(self, request, response, key, state):
        if not response.has_header("ETag"):
            response["ETag"] = '"pc-%s"' % hashlib.md5(response.content).hexdigest()[:20]
        modified = response.get("Last-Modified")
        timeout = _timeout(state)
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


# --- invalidation on content changes ---------------------------------------------------

def _is_content_model(model) -> bool:
    meta = model._meta
    if meta.app_label not in _setting("PAGE_CACHE_APPS", []):
        return False
    if meta.model_name.startswith("historical"):
        return False
    return f"{meta.app_label}.{meta.model_name}" not in _setting("PAGE_CACHE_IGNORED_MODELS", [])


def _content_changed(sender, **kwargs):
    if not _is_content_model(sender):
        return
    # Now, and again once the transaction commits: a page rendered from the old rows
    # between the two (another request, before the commit) must not stay cached.
    invalidate()
    using = kwargs.get("using")
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(invalidate, using=using)


def connect_signals():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_content_changed, dispatch_uid=f"pagecache-{id(signal)}")
