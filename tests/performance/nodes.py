"""App nodes for tests: gunicorn processes (bench.run.Server) serving the test database, with
a Redis key prefix of their own, as production nodes share PostgreSQL and Redis. They run the
test settings (no collected static files needed) with REDIS_URL set, so their cache, page
cache, sessions and view counts live in Redis like a production node's. Readers and staff talk
to them over HTTP (bench/nodes.py)."""

import os
import uuid
from contextlib import contextmanager

import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings

from bench.run import DATA, Server

REDIS_URL = "redis://127.0.0.1:6379/0"


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def new_prefix():
    return f"test-node-{uuid.uuid4().hex[:8]}"


def node_env(prefix, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URLS"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "govportal.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": prefix,
            "PYTHONPATH": str(settings.BASE_DIR),
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(name, prefix, *, workers=1, args=(), **extra):
    """A node (stop it with .stop(), or use it as a context manager)."""
    DATA.mkdir(parents=True, exist_ok=True)
    return Server("govportal.wsgi:application", node_env(prefix, **extra), workers, f"test-{name}", args=args)


@contextmanager
def counters_of(prefix):
    """This process flushes the nodes' buffered views (in Redis under `prefix`)."""
    with override_settings(COUNTER_REDIS_URL=REDIS_URL, COUNTER_KEY_PREFIX=prefix):
        yield


def forget(prefix):
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
