"""The site's current state (its generation): a content change starts a new one, which
makes every stored page and every `cached_value()` stale together."""

import contextvars
import datetime as dt
import math
import os
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, router
from django.utils.module_loading import import_string

from ..outages import service_recovered

STATE_KEY = "pagecache:state"
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
_local = {"state": None, "read_at": 0.0, "schedule": None}
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
        _local.update(state=None, read_at=0.0, schedule=None)
        _local_pages.entries.clear()
        _local_values.entries.clear()


def reset_local():
    """Forget this process's copies (tests: after the shared cache is cleared)."""
    _forget_local()


# After an outage of the shared cache, this process's copies may predate a change made meanwhile.
service_recovered.connect(lambda **kwargs: _forget_local(), weak=False)


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


def invalidate() -> bool:
    """Make every stored page and cached value stale (a new generation). False if the shared
    cache did not take it (Redis away: it serves through outages, core/redis_cache.py), so
    that the pages of before may be served again once it answers."""
    path = _stamp_file()
    if path:
        _touch(path)
    else:
        cache.set(STATE_KEY, {"gen": uuid.uuid4().hex, "at": time.time()}, None)
    _forget_local()
    slot = _request_state.get()
    if slot is not None:
        slot["state"] = None  # this request wrote: later reads see the new generation
    return bool(path) or getattr(cache, "available", True)


def invalidate_after_migrate(**kwargs):
    """post_migrate: a new release starts a new generation (see CoreConfig.ready)."""
    invalidate()


def _compute_until(after: float):
    """The earliest moment after `after` (a timestamp) a scheduled item becomes public, as a
    timestamp (or None). Each source takes the moment as an aware datetime."""
    moment = dt.datetime.fromtimestamp(after, tz=dt.UTC)
    soonest = None
    for path in _setting("PAGE_CACHE_SCHEDULE_SOURCES", []):
        when = import_string(path)(after=moment)
        if when is not None:
            soonest = when.timestamp() if soonest is None else min(soonest, when.timestamp())
    return soonest


def _next_publication(state, since: float):
    """The first scheduled publication after `since` (a timestamp), or None. Known for the
    generation as (from, until): nothing scheduled becomes public between the two (a schedule
    changes only with a save, which starts a new generation). Kept in the shared cache and in
    this process, so it is read from the database once per generation and publication."""
    key = f"pagecache:until:{state['gen']}"

    def covers(found):
        start, until = found
        return start <= since and (until is None or until > since)

    memo = _local["schedule"]
    if memo is not None and memo[0] == key and covers(memo[1]):
        return memo[1][1]
    found = cache.get(key)
    if not (isinstance(found, tuple) and covers(found)):
        # From the request's start: the values and the page made for it later ask about moments
        # from then on, and find the answer known (one query per generation, not one each).
        slot = _request_state.get()
        start = min(since, slot["started"]) if slot and slot.get("started") else since
        found = (start, _compute_until(start))
        until, now = found[1], time.time()
        if until is not None and until <= now:
            return until  # about the past: kept nowhere, it would only make others ask again
        cache.set(key, found, None if until is None else max(1, int(until - now)))
    _local["schedule"] = (key, found)
    return found[1]


def _timeout(state, default=None, *, since=None):
    """How long something made from what the database held at `since` (a timestamp: when its
    making began; now if not given) may be kept: never past the next scheduled publication,
    which changes pages without any save (so without a new generation). 0 when one came while
    it was being made (it may lack what became public then): it is not kept at all."""
    default = default or _setting("PAGE_CACHE_SECONDS", 600)
    now = time.time()
    until = _next_publication(state, now if since is None else min(since, now))
    if until is None:
        return default
    # Whole seconds, rounded down: kept a moment less, never past the publication (a second
    # less than one to go is not kept).
    return max(0, min(default, int(until - now)))


def cached_value(name, compute, timeout=None, *, once=False):
    """`compute()` cached until content changes (counts, facets): valid for one generation.
    The value may be shared by later requests in this process: treat it as read-only.

    once=True: for a costly value many requests ask for together (a common search's counts
    right after a publish), one request computes it and the others wait for what it stores."""
    state = current_state()
    # What a replica gave is kept apart from what the primary gave: signed-in readers (and
    # anyone who just changed something) read the primary and must never get an older copy.
    on_replica = router.db_for_read(None) != DEFAULT_DB_ALIAS
    key = f"pagecache:data:{state['gen']}:{'r' if on_replica else 'p'}:{name}"
    seconds = _setting("PAGE_CACHE_LOCAL_SECONDS", 0)
    # This process's copy: for a moment, and never past the scheduled publication that was
    # next when it was kept (the shared copy expires by then too: _timeout).
    kept = _local_values.get(key, lambda entry: time.monotonic() - entry[0] < seconds and time.time() < entry[2])
    if kept is not None:
        return kept[1]
    value = cache.get(key, _UNKNOWN)
    if value is _UNKNOWN:
        lock = f"{key}:computing"
        computing = once and cache.add(lock, True, _setting("CACHED_VALUE_LOCK_SECONDS", 10))
        if once and not computing:
            value = _computed_elsewhere(key, lock)
        if value is _UNKNOWN:
            try:
                started = time.time()
                value = compute()
                if on_replica and _replica_may_lag(state):
                    return value
                keep_for = _timeout(state, timeout, since=started)
                if not keep_for:
                    return value  # something became public while it was computed
                cache.set(key, value, keep_for)
            finally:
                if computing:
                    cache.delete(lock)
    if _setting("PAGE_CACHE_LOCAL_VALUES", 0):
        until = _next_publication(state, time.time())
        _local_values.keep(key, (time.monotonic(), value, math.inf if until is None else until))
    return value


def _computed_elsewhere(key, lock):
    """The value another request is computing now, once it is stored; _UNKNOWN if that request
    gave up or failed (its lock is gone) or the cache is away. After a change, every reader of a
    common search asks for the same counts at once: computed once, not by every worker together."""
    poll = _setting("CACHED_VALUE_POLL_SECONDS", 0.02)
    # Past this, compute it here after all (the other request's worker may have died).
    give_up = time.monotonic() + _setting("CACHED_VALUE_WAIT_SECONDS", 5)
    while cache.get(lock) is not None and time.monotonic() < give_up:
        time.sleep(poll)
        value = cache.get(key, _UNKNOWN)
        if value is not _UNKNOWN:
            return value
    return cache.get(key, _UNKNOWN)


def _replica_may_lag(state) -> bool:
    """Just after a change a replica may still give the old rows: nothing read then is kept."""
    lag = _setting("PAGE_CACHE_REPLICA_LAG_SECONDS", 0)
    return bool(lag) and time.time() - state["at"] < lag
