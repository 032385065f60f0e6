"""Fixed windows of uses (rate limits) that every worker of the site counts together: in Redis
when it is configured and answering, else in a SQLite file the workers of the node share
(RATE_LIMIT_FILE), as the view counters are kept without Redis (core/counters.py). Counted in
each process's own cache, a limit of 10 was 10 per worker, and lapsed while Redis was down.
With neither (RATE_LIMIT_FILE unset: tests, one process), Django's cache counts."""

import itertools
import time

from django.conf import settings
from django.core.cache import cache, caches

from .nodefile import NodeFile
from .redis_cache import RedisCache


def hit(key: str, window: int) -> int:
    """Count one use of `key`; the uses in its window so far, this one included. A window
    starts with its first use and lasts `window` seconds."""
    if (count := _redis(lambda client, name: _redis_hit(client, name, window), key)) is not None:
        return count
    if (windows := _file()) is not None:
        return windows.hit(key, window)
    name = f"ratelimit:{key}"
    cache.add(name, 0, window)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, window)
        return 1


def uses(key: str) -> int:
    """The uses counted in `key`'s current window."""
    if (count := _redis(lambda client, name: int(client.get(name) or 0), key)) is not None:
        return count
    if (windows := _file()) is not None:
        return windows.uses(key)
    return cache.get(f"ratelimit:{key}") or 0


def _redis(call, key):
    """call(client, the key's name in Redis); None without Redis or while it is down."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend.command(lambda client: call(client, backend.make_key(f"ratelimit:{key}")))


def _redis_hit(client, name, window):
    pipe = client.pipeline(transaction=True)
    pipe.set(name, 0, ex=window, nx=True)
    pipe.incr(name)
    return int(pipe.execute()[1])


_files = {}


def _file():
    path = getattr(settings, "RATE_LIMIT_FILE", None)
    if not path:
        return None
    return _files.setdefault(path, FileWindows(path))


class FileWindows(NodeFile):
    SCHEMA = "CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, uses INTEGER NOT NULL, ends REAL NOT NULL) WITHOUT ROWID;"
    PRUNE_EVERY = 200  # uses: ended windows are deleted now and then, not on every use

    def __init__(self, path):
        super().__init__(path)
        self._hits = itertools.count(1)

    def hit(self, key, window):
        now = time.time()

        def work(connection):
            row = connection.execute("SELECT uses, ends FROM windows WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                connection.execute("INSERT OR REPLACE INTO windows VALUES (?, 1, ?)", (key, now + window))
                count = 1
            else:
                connection.execute("UPDATE windows SET uses = uses + 1 WHERE key = ?", (key,))
                count = row[0] + 1
            if next(self._hits) % self.PRUNE_EVERY == 0:
                connection.execute("DELETE FROM windows WHERE ends <= ?", (now,))
            return count

        return self._transaction(work)

    def uses(self, key):
        row = self._connection().execute("SELECT uses FROM windows WHERE key = ? AND ends > ?", (key, time.time()))
        return (row.fetchone() or (0,))[0]
