"""Django's RedisCache, keeping one redis-py client per connection pool, and serving without
Redis while it is down.

The stock backend builds a new `redis.Redis` for every cache call; with redis-py 8 that
costs about half a millisecond (it copies ~170 response callbacks), more than the round
trip itself, and the page cache makes one or two calls per request.

A cache outage must not take the site down (issue 21): while Redis is unreachable every call
answers as a miss (get → default, add/set/touch/delete → nothing stored, incr → ValueError as
for a missing key), so pages come from the database, and nobody waits on Redis more than once
per OUTAGE_RETRY_SECONDS (core.outages). A write that failed may have left an older value in
Redis — an invalidation, a signed-out session — so when Redis answers again the process that
lost writes first deletes every key of this cache (never the counters' keys, which have their
own prefix) before using it: nothing stored before a change made during the outage comes back.
"""

import functools

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

from .outages import REDIS_ERRORS, outage


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # redis.Redis is safe to share between threads: each command takes a
            # connection from the pool and gives it back.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _LostWrites:
    """Shared by this process's backends of one cache (Django makes one per thread)."""

    def __init__(self):
        self.lost = False


_lost_writes = {}


def _missing_key(*args, **kwargs):
    raise ValueError("the cache is unavailable")


def _guarded(default=None, *, writes):
    """Run the call against Redis unless it is down; `default(*args)` answers otherwise."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            down = self._outage
            if down.down_since is None or (down.allows() and self._recover()):
                try:
                    return method(self, *args, **kwargs)
                except REDIS_ERRORS as error:
                    down.failed(error)
            if writes:
                self._lost.lost = True
            return default(*args, **kwargs) if callable(default) else default

        return guarded

    return decorate


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        name = f"Redis cache {self._servers[0].rsplit('@', 1)[-1]}"  # no password in logs
        self._outage = outage(name)
        self._lost = _lost_writes.setdefault((tuple(self._servers), self.key_prefix), _LostWrites())

    @property
    def available(self) -> bool:
        """False while this process knows Redis to be down (the page cache then stands aside);
        once per retry interval this asks Redis again."""
        down = self._outage
        return down.down_since is None or (down.allows() and self._recover())

    def _recover(self) -> bool:
        """Redis may be back: True if it takes a write (after dropping every key of this cache
        if this process lost writes meanwhile)."""
        try:
            client = self._cache.get_client(None, write=True)
            if self._lost.lost:
                pattern = self.make_key("*")
                batch = []
                for key in client.scan_iter(match=pattern, count=1000):
                    batch.append(key)
                    if len(batch) >= 1000:
                        client.unlink(*batch)
                        batch = []
                if batch:
                    client.unlink(*batch)
                self._lost.lost = False
            # A write, not a PING: a Redis that is full, cannot save or is a replica answers
            # PING and reads (and, full, even the deletes above) but refuses to store; taken
            # back on that, the next write failed again, every retry interval.
            client.set(self.make_key("outage:probe"), b"1", ex=60)
        except REDIS_ERRORS as error:
            self._outage.failed(error)
            return False
        self._outage.recovered()
        return True

    def command(self, call, default=None):
        """call(the redis-py client), for what the cache API lacks (a script, a sorted set);
        `default` while Redis is down or if the call fails (noted as an outage, as above)."""
        if not self.available:
            return default
        try:
            return call(self._cache.get_client(None, write=True))
        except REDIS_ERRORS as error:
            self._outage.failed(error)
            return default

    @_guarded(lambda key, default=None, version=None: default, writes=False)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_guarded(lambda *args, **kwargs: {}, writes=False)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_guarded(False, writes=False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_guarded(False, writes=True)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_guarded(None, writes=True)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_guarded(False, writes=True)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_guarded(False, writes=True)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_guarded(_missing_key, writes=True)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_guarded(lambda data, *args, **kwargs: list(data), writes=True)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_guarded(None, writes=True)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_guarded(False, writes=True)
    def clear(self):
        return super().clear()
