"""Bounds on what searches may cost (issue 22): each search runs under a deadline, and only so
many run at once across the site's workers. Past either, the reader gets a page asking for a
narrower query instead of a worker (and the database) tied up for seconds.

- The deadline: on PostgreSQL `statement_timeout`, set for the search's own transaction only
  (SET LOCAL, so a pooled connection keeps its own setting); on SQLite a progress handler that
  interrupts the running statement once the deadline has passed.
- The slots: a sorted set in Redis shared by every worker of every node, each entry expiring
  on its own in case a worker dies holding it. Without Redis, or while it is down
  (core.outages), the node's workers share slot files locked with flock(2), which the kernel
  releases when a process dies: the limit then holds per node.
"""

import fcntl
import os
import time
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError, connections, router, transaction

from core.redis_cache import RedisCache

from .models import SearchDocument

# psycopg's QueryCanceled: what statement_timeout raises.
QUERY_CANCELED = "57014"
# SQLite asks the deadline every this many virtual-machine steps (well under a millisecond).
PROGRESS_STEPS = 10_000


class SearchRefused(Exception):
    """The search was not run to its end: `busy` (no slot free) or `slow` (past the deadline)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _setting(name, default):
    return getattr(settings, name, default)


@contextmanager
def guarded(using=None):
    """Run a search's queries inside: one slot, one deadline (on the database search reads,
    or `using`). Raises SearchRefused."""
    using = using or router.db_for_read(SearchDocument)
    with search_slot(), deadline(using, _setting("SEARCH_TIMEOUT_SECONDS", 3.0)):
        yield


# --- the deadline --------------------------------------------------------------------------


@contextmanager
def deadline(using, seconds):
    """Statements run inside are stopped once `seconds` have passed (SearchRefused("slow"))."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(using=using):
                before = _set_timeout(connection, f"{max(1, int(seconds * 1000))}ms")
                yield
                # Put back for a caller's transaction that goes on (an error rolls it back anyway).
                _set_timeout(connection, before)
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
                raise SearchRefused("slow") from error
            raise
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        ends = time.monotonic() + seconds
        raw.set_progress_handler(lambda: int(time.monotonic() > ends), PROGRESS_STEPS)
        try:
            yield
        except OperationalError as error:
            if str(error) == "interrupted" and time.monotonic() > ends:
                raise SearchRefused("slow") from error
            raise
        finally:
            raw.set_progress_handler(None, 0)
    else:
        yield


def _set_timeout(connection, value) -> str:
    """Set statement_timeout for this transaction; returns the value before."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [value])
    return before


# --- the slots -----------------------------------------------------------------------------

# KEYS[1] the slots; ARGV: limit, seconds a slot is held at most, token. Redis's own clock,
# so the nodes' clocks need not agree.
_ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""


@contextmanager
def search_slot():
    """Hold one of SEARCH_CONCURRENCY slots while the block runs, waiting at most
    SEARCH_SLOT_WAIT_SECONDS for one (searches usually take milliseconds); SearchRefused("busy")
    if none comes free."""
    limit = int(_setting("SEARCH_CONCURRENCY", 4))
    if limit <= 0:  # no limit
        yield
        return
    give_up = time.monotonic() + _setting("SEARCH_SLOT_WAIT_SECONDS", 1.0)
    while not (release := _take_slot(limit)):
        if time.monotonic() >= give_up:
            raise SearchRefused("busy")
        time.sleep(0.02)
    try:
        yield
    finally:
        release()


def _take_slot(limit):
    """A function giving the slot back, or False if every slot is held."""
    release = _redis_slot(limit)
    return _file_slot(limit) if release is None else release


def _redis_slot(limit):
    """A release function, False if every slot is held, None without Redis (not configured,
    down, or failing now: the file slots decide then)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    key, token = backend.make_key("search:slots"), uuid.uuid4().hex
    # Past twice the deadline a slot is free again, in case its worker was killed holding it.
    hold = _setting("SEARCH_TIMEOUT_SECONDS", 3.0) * 2 + 5
    taken = backend.command(lambda client: client.eval(_ACQUIRE, 1, key, limit, hold, token))
    if taken is None:
        return None
    if not taken:
        return False
    # Should Redis fail now, the entry expires on its own.
    return lambda: backend.command(lambda client: client.zrem(key, token))


def _file_slot(limit):
    """A release function, or False if every slot file is locked by another request."""
    directory = _slot_directory()
    for number in range(limit):
        fd = os.open(os.path.join(directory, f"slot-{number}"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue

        def release(fd=fd):
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

        return release
    return False


def _slot_directory():
    directory = settings.SEARCH_SLOT_DIRECTORY
    os.makedirs(directory, mode=0o700, exist_ok=True)
    return directory
