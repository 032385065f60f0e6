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
nothing is kept past the next scheduled `published_at` (PAGE_CACHE_SCHEDULE_SOURCES), counted
from when its making began: a page or value made while that time passed is not kept at all.

Last-Modified: a page's is its newest item's time, but never before the generation began
(`last_modified`, `last_modified_forward`), so that it does not go back when an item is
withdrawn or deleted, and an If-Modified-Since revalidation never keeps a removed item.

The state lives in the shared cache (Redis when REDIS_URL is set). With the local-memory
cache each worker has its own entries; the generation then comes from the modification time
of a small stamp file (PAGE_CACHE_STAMP_FILE) so that a publish in one process still
invalidates the pages of every process on the node.

Modules: `generation` (the site's current state, `invalidate`, `cached_value`), `pages` (keys,
lookup, serving, Last-Modified, the WSGI wrapper and the middleware) and `signals` (a content
change starts a new generation). What apps use is importable from here."""

from .generation import (  # noqa: F401
    STATE_KEY,
    cached_value,
    current_state,
    invalidate,
    invalidate_after_migrate,
    reset_local,
)
from .pages import (  # noqa: F401
    HIT_HEADER,
    PageCacheApp,
    PageCacheMiddleware,
    last_modified,
    last_modified_forward,
    lookup,
    on_hit,
    page_key,
    register_variant_cookie,
    request_is_cacheable,
    skip,
)
from .signals import connect_signals  # noqa: F401
