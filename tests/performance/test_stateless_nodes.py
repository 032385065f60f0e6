"""Stateless app nodes: with REDIS_URL, the cache (pages, counts, facets) and the sessions'
cached copies live in Redis, so a second node sees what the first one stored. Each "node" here is a
separate process with the production settings."""

import json
import os
import subprocess
import sys
import uuid

import redis
from django.conf import settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def node(code, prefix):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "govportal.settings.prod",
            "SECRET_KEY": "s" * 64,
            "ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": prefix,
        }
    )
    script = "import django, json; django.setup()\n" + code
    out = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_sessions_and_cache_are_shared_between_nodes():
    prefix = f"test-nodes-{uuid.uuid4().hex[:8]}"
    try:
        first = node(
            """
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from core import pagecache
session = SessionStore(); session["member"] = 42; session.create()
cache.set("shared-check", "from node 1")
print(json.dumps({"key": session.session_key, "engine": settings.SESSION_ENGINE,
                  "backend": settings.CACHES["default"]["BACKEND"], "stamp": settings.PAGE_CACHE_STAMP_FILE,
                  "gen": pagecache.current_state()["gen"]}))
""",
            prefix,
        )
        # Sessions live in the database, read through Redis (they survive a Redis outage); the
        # Redis part is shared, as the cache-only store used here shows.
        assert first["engine"] == "django.contrib.sessions.backends.cached_db"
        assert first["backend"] == "core.redis_cache.RedisCache" and first["stamp"] is None
        second = node(
            f"""
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from core import pagecache
before = pagecache.current_state()["gen"]
pagecache.invalidate()  # a publish handled by this node…
print(json.dumps({{"member": SessionStore(session_key="{first["key"]}").load().get("member"),
                  "value": cache.get("shared-check"), "gen_before": before,
                  "gen_after": pagecache.current_state()["gen"]}}))
""",
            prefix,
        )
        assert second["member"] == 42 and second["value"] == "from node 1"
        assert second["gen_before"] == first["gen"]  # one generation for every node…
        third = node('from core import pagecache\nprint(json.dumps(pagecache.current_state()["gen"]))', prefix)
        assert third == second["gen_after"] != first["gen"]  # …and a publish anywhere changes it everywhere
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
