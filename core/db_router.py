"""Read replicas (DATABASE_REPLICA_URLS): anonymous GET/HEAD requests read from one replica,
chosen per request; everything else — writes, signed-in users (staff, members), POSTs,
management commands — uses the primary, so nobody who just changed something reads an
older copy of it. See docs/deployment.md."""

import contextvars
import random

from django.conf import settings
from django.http.cookie import parse_cookie

_read_alias = contextvars.ContextVar("read_alias", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return _read_alias.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's rows: an object read from either may refer to the other.
        aliases = {"default", *replica_aliases()}
        return obj1._state.db in aliases and obj2._state.db in aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas get their schema by replication, never by `migrate`.
        return db == "default"


def request_may_use_replica(environ) -> bool:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    raw = environ.get("HTTP_COOKIE")
    return not (raw and settings.SESSION_COOKIE_NAME in parse_cookie(raw))


class ReplicaMiddleware:
    """Sends this request's reads to a replica when it is an anonymous GET/HEAD."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = replica_aliases()
        if not replicas or not request_may_use_replica(request.META):
            return self.get_response(request)
        alias = random.choice(replicas)
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if response.streaming:
            # A streamed export reads while it is sent, after this method has returned.
            response.streaming_content = _reading_from(alias, response.streaming_content)
        return response


def _reading_from(alias, chunks):
    chunks = iter(chunks)
    while True:
        token = _read_alias.set(alias)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _read_alias.reset(token)
        yield chunk


def read_alias() -> str:
    """Where reads go right now (for tests and diagnostics)."""
    return _read_alias.get() or "default"
