"""Django's RedisCache, keeping one redis-py client per connection pool.

The stock backend builds a new `redis.Redis` for every cache call; with redis-py 8 that
costs about half a millisecond (it copies ~170 response callbacks), more than the round
trip itself, and the page cache makes one or two calls per request."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


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


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
